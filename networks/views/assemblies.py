"""Dashboard pages of the assemblies area: sessions, delegates, accreditation, quorum, motions
and the closing of the record. Every staff role reads; administrators (everywhere) and the
coordinators of the body's network change, through the access helpers in
networks.selectors.assemblies. `urlpatterns` are mounted by networks/urls.py, `NAV` and
`ACCESS` gathered by networks/plugin.py."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.plugins import ACCESS_STAFF, ACCESS_STAFF_ROLES, NavEntry
from clac.roles import StaffRole
from networks.models import AssemblySession, Delegate, Motion
from networks.selectors import assemblies as selectors
from networks.services import assemblies as services
from networks.views.assemblies_forms import (
    AccreditationForm,
    AssemblySessionForm,
    ConfirmForm,
    DelegateFilterForm,
    DelegateForm,
    MotionForm,
    OrganizationPickForm,
    TallyForm,
)

# Who may open a change page at all; the access helpers then check the network.
CHANGE_ROLES = (StaffRole.ADMIN, StaffRole.COORDINATOR)
SESSIONS_PER_PAGE = 25
DELEGATES_PER_PAGE = 50
ACCREDITATION_PER_PAGE = 100

Status = AssemblySession.Status


def _session(request: HttpRequest, pk: int, *, for_change: bool = False) -> AssemblySession:
    return selectors.assembly_session_get_for_user(user=request.user, pk=pk, for_change=for_change)


def _to_detail(session: AssemblySession) -> HttpResponse:
    return redirect("networks:assembly_detail", pk=session.pk)


# --- Sessions -----------------------------------------------------------------------------


@staff_required()
@require_http_methods(["GET"])
def assembly_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    filters = {"status": status} if status in Status.values else {}
    page_obj = Paginator(selectors.assembly_session_list(filters=filters), SESSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "networks/assemblies/list.html",
        {
            "page_obj": page_obj,
            "statuses": Status.choices,
            "current_status": filters.get("status", ""),
            "can_create": selectors.assembly_bodies_for_user(request.user).exists(),
        },
    )


@staff_required(*CHANGE_ROLES)
@require_http_methods(["GET", "POST"])
def assembly_create(request: HttpRequest) -> HttpResponse:
    bodies = selectors.assembly_bodies_for_user(request.user)
    if not bodies.exists():
        # A coordinator whose networks hold no assembly: nothing they could create.
        raise PermissionDenied
    form = AssemblySessionForm(request.POST or None, bodies=bodies)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.assembly_session_create(
                actor=request_user(request), body=form.cleaned_data["body"], **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The session was created."))
            return _to_detail(session)
    return render(
        request,
        "networks/assemblies/session_form.html",
        {"form": form, "session": None},
        status=400 if form.errors else 200,
    )


@staff_required(*CHANGE_ROLES)
@require_http_methods(["GET", "POST"])
def assembly_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, for_change=True)
    form = AssemblySessionForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.assembly_session_update(actor=request_user(request), session=session, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return _to_detail(session)
    return render(
        request,
        "networks/assemblies/session_form.html",
        {"form": form, "session": session},
        status=400 if form.errors else 200,
    )


@staff_required()
@require_http_methods(["GET"])
def assembly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    filter_form = DelegateFilterForm(request.GET, countries=selectors.assembly_delegate_countries(session=session))
    if filter_form.is_valid():
        delegates = selectors.assembly_delegate_list(session=session, filters=filter_form.filters())
    else:
        delegates = Delegate.objects.none()
    page_obj = Paginator(delegates, DELEGATES_PER_PAGE).get_page(request.GET.get("page"))
    can_change = selectors.assembly_session_can_change(request.user, session)
    return render(
        request,
        "networks/assemblies/detail.html",
        {
            "session": session,
            "quorum": selectors.assembly_quorum_figures(session=session),
            "filter_form": filter_form,
            "page_obj": page_obj,
            "motions": list(selectors.assembly_motion_list(session=session)),
            "can_change": can_change and not session.is_closed,
            "can_designate": can_change and session.status in services.STAFF_DESIGNATION_STATUSES,
            "can_accredit": can_change and session.status in services.ACCREDITATION_STATUSES,
            "Status": Status,
        },
    )


def _transition_view(request: HttpRequest, pk: int, service: Any, done: str) -> HttpResponse:
    session = _session(request, pk, for_change=True)
    try:
        service(actor=request_user(request), session=session)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return _to_detail(session)


@require_POST
@staff_required(*CHANGE_ROLES)
def assembly_designation_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(
        request,
        pk,
        services.assembly_designation_open,
        _("Designation is open: member organizations can name their delegates in the portal."),
    )


@require_POST
@staff_required(*CHANGE_ROLES)
def assembly_designation_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(
        request, pk, services.assembly_designation_close, _("Designation is closed; accreditation has started.")
    )


@staff_required(*CHANGE_ROLES)
@require_http_methods(["GET", "POST"])
def assembly_quorum(request: HttpRequest, pk: int) -> HttpResponse:
    """The oversight committee's certification, with the figures it is made on."""
    session = _session(request, pk, for_change=True)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assembly_quorum_certify(actor=request_user(request), session=session)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The quorum is certified; the session is open."))
            return _to_detail(session)
    return render(
        request,
        "networks/assemblies/quorum.html",
        {"session": session, "quorum": selectors.assembly_quorum_figures(session=session), "form": form},
        status=400 if form.errors else 200,
    )


@staff_required(*CHANGE_ROLES)
@require_http_methods(["GET", "POST"])
def assembly_close(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, for_change=True)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assembly_session_close(actor=request_user(request), session=session)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The session is closed; its record can no longer change."))
            return _to_detail(session)
    pending = [m for m in selectors.assembly_motion_list(session=session) if m.result == Motion.Result.PENDING]
    return render(
        request,
        "networks/assemblies/close.html",
        {"session": session, "form": form, "pending_motions": pending},
        status=400 if form.errors else 200,
    )


# --- Delegates ----------------------------------------------------------------------------


@staff_required(*CHANGE_ROLES)
@require_http_methods(["GET", "POST"])
def delegate_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Two steps without JavaScript: pick the organization, then one of its people."""
    session = _session(request, pk, for_change=True)
    organizations = selectors.assembly_eligible_organizations(session=session)
    data = request.POST if request.method == "POST" else request.GET
    picked = "organization" in data or "organization_pick" in data
    pick = OrganizationPickForm(data if picked else None, organizations=organizations)
    form = None
    if pick.is_bound and pick.is_valid():
        organization = pick.cleaned_data["organization"]
        people = selectors.organization_current_people(organization=organization)
        form = DelegateForm(
            request.POST if request.method == "POST" else None,
            people=people,
            initial={"country": organization.country_id, "votes": 1},
        )
        if request.method == "POST" and form.is_valid():
            try:
                delegate = services.delegate_designate(
                    actor=request_user(request),
                    session=session,
                    organization=organization,
                    person=form.cleaned_data["person"],
                    country=form.cleaned_data["country"],
                    product_network=form.cleaned_data["product_network"],
                    votes=form.cleaned_data["votes"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(person)s is designated.") % {"person": delegate.person})
                return _to_detail(session)
    return render(
        request,
        "networks/assemblies/delegate_form.html",
        {"session": session, "pick": pick, "form": form, "delegate": None},
        status=400 if (pick.errors or (form is not None and form.errors)) else 200,
    )


@staff_required(*CHANGE_ROLES)
@require_http_methods(["GET", "POST"])
def delegate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    delegate = selectors.delegate_get_for_user(user=request.user, pk=pk, for_change=True)
    people = selectors.organization_current_people(organization=delegate.organization)
    form = DelegateForm(request.POST or None, people=people, initial=DelegateForm.initial_for(delegate))
    if request.method == "POST" and form.is_valid():
        try:
            services.delegate_update(actor=request_user(request), delegate=delegate, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The delegate was changed."))
            return _to_detail(delegate.session)
    return render(
        request,
        "networks/assemblies/delegate_form.html",
        {"session": delegate.session, "pick": None, "form": form, "delegate": delegate},
        status=400 if form.errors else 200,
    )


@require_POST
@staff_required(*CHANGE_ROLES)
def delegate_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    delegate = selectors.delegate_get_for_user(user=request.user, pk=pk, for_change=True)
    try:
        services.delegate_withdraw(actor=request_user(request), delegate=delegate)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(person)s is withdrawn.") % {"person": delegate.person})
    return _to_detail(delegate.session)


@staff_required(*CHANGE_ROLES)
@require_http_methods(["GET", "POST"])
def assembly_accreditation(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick the delegates present (designated ones, filtered and paginated)."""
    session = _session(request, pk, for_change=True)
    filter_form = DelegateFilterForm(request.GET, countries=selectors.assembly_delegate_countries(session=session))
    filters = filter_form.filters() if filter_form.is_valid() else {}
    filters["status"] = Delegate.Status.DESIGNATED
    page_obj = Paginator(
        selectors.assembly_delegate_list(session=session, filters=filters), ACCREDITATION_PER_PAGE
    ).get_page(request.GET.get("page"))
    form = AccreditationForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.delegates_accredit(
                actor=request_user(request),
                session=session,
                delegate_ids=[d.pk for d in form.cleaned_data["delegates"]],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(count)s delegates accredited.") % {"count": count})
            return redirect(request.get_full_path())
    return render(
        request,
        "networks/assemblies/accreditation.html",
        {
            "session": session,
            "quorum": selectors.assembly_quorum_figures(session=session),
            "filter_form": filter_form,
            "page_obj": page_obj,
            "form": form,
            "open": session.status in services.ACCREDITATION_STATUSES,
        },
        status=400 if form.errors else 200,
    )


# --- Motions ------------------------------------------------------------------------------


@staff_required(*CHANGE_ROLES)
@require_http_methods(["GET", "POST"])
def motion_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, for_change=True)
    form = MotionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.motion_create(actor=request_user(request), session=session, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The motion was added."))
            return _to_detail(session)
    return render(
        request,
        "networks/assemblies/motion_form.html",
        {"session": session, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required(*CHANGE_ROLES)
@require_http_methods(["GET", "POST"])
def motion_tally(request: HttpRequest, pk: int) -> HttpResponse:
    motion = selectors.motion_get_for_user(user=request.user, pk=pk, for_change=True)
    initial = (
        {"votes_for": motion.votes_for, "votes_against": motion.votes_against, "votes_abstain": motion.votes_abstain}
        if motion.votes_for is not None
        else None
    )
    form = TallyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            recorded = services.motion_record_tally(actor=request_user(request), motion=motion, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Motion %(number)s: %(result)s.")
                % {"number": recorded.number, "result": recorded.get_result_display()},
            )
            return _to_detail(motion.session)
    return render(
        request,
        "networks/assemblies/motion_tally.html",
        {
            "session": motion.session,
            "motion": motion,
            "form": form,
            "quorum": selectors.assembly_quorum_figures(session=motion.session),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@staff_required(*CHANGE_ROLES)
def motion_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    motion = selectors.motion_get_for_user(user=request.user, pk=pk, for_change=True)
    try:
        services.motion_withdraw(actor=request_user(request), motion=motion)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Motion %(number)s was withdrawn.") % {"number": motion.number})
    return _to_detail(motion.session)


NAV: tuple[NavEntry, ...] = (
    NavEntry(gettext_lazy("Assemblies"), "networks:assembly_list", icon="assemblies", order=23),
)

urlpatterns = [
    path("assemblies/", assembly_list, name="assembly_list"),
    path("assemblies/new/", assembly_create, name="assembly_create"),
    path("assemblies/<int:pk>/", assembly_detail, name="assembly_detail"),
    path("assemblies/<int:pk>/edit/", assembly_edit, name="assembly_edit"),
    path("assemblies/<int:pk>/designation/open/", assembly_designation_open, name="assembly_designation_open"),
    path("assemblies/<int:pk>/designation/close/", assembly_designation_close, name="assembly_designation_close"),
    path("assemblies/<int:pk>/delegates/new/", delegate_add, name="assembly_delegate_add"),
    path("assemblies/<int:pk>/accreditation/", assembly_accreditation, name="assembly_accreditation"),
    path("assemblies/<int:pk>/quorum/", assembly_quorum, name="assembly_quorum"),
    path("assemblies/<int:pk>/motions/new/", motion_add, name="assembly_motion_add"),
    path("assemblies/<int:pk>/close/", assembly_close, name="assembly_close"),
    path("assemblies/delegates/<int:pk>/edit/", delegate_edit, name="assembly_delegate_edit"),
    path("assemblies/delegates/<int:pk>/withdraw/", delegate_withdraw, name="assembly_delegate_withdraw"),
    path("assemblies/motions/<int:pk>/tally/", motion_tally, name="assembly_motion_tally"),
    path("assemblies/motions/<int:pk>/withdraw/", motion_withdraw, name="assembly_motion_withdraw"),
]

ACCESS: dict[str, str] = {
    f"networks:{pattern.name}": ACCESS_STAFF
    if pattern.name in {"assembly_list", "assembly_detail"}
    else ACCESS_STAFF_ROLES
    for pattern in urlpatterns
}
