"""Dashboard pages of the meetings area: the meetings list, a meeting's page (agenda, minutes,
attendance, agreements and their follow-up actions), the forms that plan, edit, cancel and
close a meeting, record attendance, agreements and actions, and the follow-up actions page
(overdue first). Every staff role reads; administrators and the coordinators of the meeting's
network write (networks.selectors.networks.network_can_change), others get 403.

`urlpatterns` are mounted by networks/urls.py, `NAV` and `ACCESS` (url name → clac.plugins
access level) are gathered by networks/plugin.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.plugins import ACCESS_STAFF, ACCESS_STAFF_ROLES, HistoryModel, NavEntry
from clac.roles import StaffRole, user_has_any_role
from networks.markup import minutes_html
from networks.models import FollowUpAction, Meeting, MeetingAttendance
from networks.selectors import meetings as selectors
from networks.selectors.networks import network_ids_coordinated_by, networks_changeable_by
from networks.services import meetings as services
from networks.views.meetings_forms import (
    AgreementForm,
    AttendanceForm,
    CancelMeetingForm,
    FollowUpActionForm,
    FollowUpFilterForm,
    FollowUpStatusForm,
    MeetingFilterForm,
    MeetingForm,
)

PAGE_SIZE = 50
# Roles that may write here at all; the meeting's network then decides (403 otherwise).
WRITERS = (StaffRole.ADMIN, StaffRole.COORDINATOR)


def _can_plan(request: HttpRequest) -> bool:
    return user_has_any_role(request.user, [StaffRole.ADMIN]) or bool(network_ids_coordinated_by(request.user))


# --- Meetings -------------------------------------------------------------------------------


@staff_required()
def meeting_list(request: HttpRequest) -> HttpResponse:
    form = MeetingFilterForm(request.GET)
    status = 200
    if form.is_valid():
        meetings = selectors.meeting_list(filters=form.filters())
    else:
        meetings = Meeting.objects.none()
        status = 400
    page_obj = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "networks/meetings/list.html",
        {"filter_form": form, "page_obj": page_obj, "can_plan": _can_plan(request)},
        status=status,
    )


@staff_required()
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    can_change = selectors.meeting_can_change(request.user, meeting)
    return render(
        request,
        "networks/meetings/detail.html",
        {
            **selectors.meeting_detail_context(meeting=meeting),
            "meeting": meeting,
            "minutes": minutes_html(meeting.minutes),
            "can_change": can_change,
            "cancel_form": CancelMeetingForm(),
        },
    )


@staff_required(*WRITERS)
def meeting_create(request: HttpRequest) -> HttpResponse:
    networks = networks_changeable_by(request.user).order_by("name")
    bodies = selectors.bodies_changeable_by(request.user)
    initial = {}
    for key in ("network", "body"):
        value = request.GET.get(key, "")
        if value.isascii() and value.isdigit():
            initial[key] = int(value)
    form = MeetingForm(request.POST or None, initial=initial, networks=networks, bodies=bodies)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=request_user(request), **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The meeting was planned."))
            return redirect("networks:meeting_detail", pk=meeting.pk)
    return render(request, "networks/meetings/form.html", {"form": form, "meeting": None})


@staff_required(*WRITERS)
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, for_change=True)
    form = MeetingForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(actor=request_user(request), meeting=meeting, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("networks:meeting_detail", pk=meeting.pk)
    return render(request, "networks/meetings/form.html", {"form": form, "meeting": meeting})


@require_POST
@staff_required(*WRITERS)
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, for_change=True)
    form = CancelMeetingForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_cancel(actor=request_user(request), meeting=meeting, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The meeting was cancelled."))
    else:
        messages.error(request, _("Say why the meeting is cancelled."))
    return redirect("networks:meeting_detail", pk=meeting.pk)


@require_POST
@staff_required(*WRITERS)
def meeting_mark_held(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, for_change=True)
    try:
        services.meeting_mark_held(actor=request_user(request), meeting=meeting)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The meeting was marked as held."))
    return redirect("networks:meeting_detail", pk=meeting.pk)


@staff_required(*WRITERS)
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, for_change=True)
    organizations = list(selectors.meeting_invited_organizations(meeting))
    seats = selectors.meeting_seats(meeting)
    existing = list(MeetingAttendance.objects.filter(meeting=meeting))
    present_people = {row.person_id for row in existing if row.present and row.person_id}
    initial = {
        "organizations": [str(row.organization_id) for row in existing if row.present and row.organization_id],
        "seats": [str(seat.pk) for seat in seats if seat.person_id in present_people],
    }
    form = AttendanceForm(request.POST or None, initial=initial, organizations=organizations, seats=seats)
    if request.method == "POST" and form.is_valid():
        chosen_seats = set(form.cleaned_data.get("seats", []))
        entries = [
            services.AttendanceEntry(person=seat.person, organization=seat.organization, present=key in chosen_seats)
            for key, seat in form.seats_by_id.items()
        ]
        represented = {seat.organization_id for key, seat in form.seats_by_id.items() if key in chosen_seats}
        entries += [
            services.AttendanceEntry(organization=form.organizations_by_id[key])
            for key in form.cleaned_data["organizations"]
            if int(key) not in represented
        ]
        # People recorded by other means (the API) who hold no seat stay on the list.
        seat_people = {seat.person_id for seat in seats}
        entries += [
            services.AttendanceEntry(person=row.person, organization=row.organization, present=row.present)
            for row in MeetingAttendance.objects.filter(meeting=meeting, person__isnull=False).select_related(
                "person", "organization"
            )
            if row.person_id not in seat_people
        ]
        try:
            services.attendance_record(actor=request_user(request), meeting=meeting, entries=entries)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The attendance was saved."))
            return redirect("networks:meeting_detail", pk=meeting.pk)
    return render(request, "networks/meetings/attendance.html", {"form": form, "meeting": meeting})


# --- Agreements and follow-up actions -------------------------------------------------------


@staff_required(*WRITERS)
def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk, for_change=True)
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_add(
                actor=request_user(request),
                meeting=meeting,
                text=form.cleaned_data["text"],
                number=form.cleaned_data["number"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"meeting": "__all__"})
        else:
            messages.success(request, _("The agreement was recorded."))
            return redirect("networks:meeting_detail", pk=meeting.pk)
    return render(request, "networks/meetings/agreement_form.html", {"form": form, "meeting": meeting})


@staff_required(*WRITERS)
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get_for_user(user=request.user, pk=pk, for_change=True)
    form = AgreementForm(request.POST or None, initial={"text": agreement.text}, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_update(actor=request_user(request), agreement=agreement, text=form.cleaned_data["text"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("networks:meeting_detail", pk=agreement.meeting_id)
    return render(
        request,
        "networks/meetings/agreement_form.html",
        {"form": form, "meeting": agreement.meeting, "agreement": agreement},
    )


def _meeting_people(meeting: Meeting) -> list:
    """People who may own an action of this meeting: its attendees and its seat holders."""
    people = {
        row.person.pk: row.person
        for row in MeetingAttendance.objects.filter(meeting=meeting, person__isnull=False).select_related("person")
        if row.person is not None  # never None (person__isnull=False): narrows the type
    }
    for seat in selectors.meeting_seats(meeting):
        people.setdefault(seat.person.pk, seat.person)
    return sorted(people.values(), key=lambda person: (person.last_name, person.first_name))


@staff_required(*WRITERS)
def followup_action_create(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get_for_user(user=request.user, pk=pk, for_change=True)
    form = FollowUpActionForm(request.POST or None, people=_meeting_people(agreement.meeting))
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_action_add(actor=request_user(request), agreement=agreement, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The follow-up action was added."))
            return redirect("networks:meeting_detail", pk=agreement.meeting_id)
    return render(
        request,
        "networks/meetings/action_form.html",
        {"form": form, "agreement": agreement, "meeting": agreement.meeting, "action": None},
    )


@staff_required(*WRITERS)
def followup_action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.followup_action_get_for_user(user=request.user, pk=pk, for_change=True)
    agreement = action.agreement
    form = FollowUpActionForm(request.POST or None, people=_meeting_people(agreement.meeting), action=action)
    status_form = FollowUpStatusForm(initial={"status": action.status, "completed_on": action.completed_on})
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_action_update(actor=request_user(request), action=action, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("networks:meeting_detail", pk=agreement.meeting_id)
    return render(
        request,
        "networks/meetings/action_form.html",
        {
            "form": form,
            "status_form": status_form,
            "agreement": agreement,
            "meeting": agreement.meeting,
            "action": action,
        },
    )


@require_POST
@staff_required(*WRITERS)
def followup_action_status(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.followup_action_get_for_user(user=request.user, pk=pk, for_change=True)
    form = FollowUpStatusForm(request.POST)
    if form.is_valid():
        try:
            services.followup_action_set_status(actor=request_user(request), action=action, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            label = FollowUpAction.Status(form.cleaned_data["status"]).label
            messages.success(request, _("The action is now %(status)s.") % {"status": label})
    else:
        for errors in form.errors.values():
            for form_message in errors:  # rendered strings (as members.portal.profile)
                messages.error(request, str(form_message))
    next_url = request.POST.get("next", "")
    if next_url == "actions":
        return redirect("networks:followup_action_list")
    return redirect("networks:meeting_detail", pk=action.agreement.meeting_id)


@staff_required()
def followup_action_list(request: HttpRequest) -> HttpResponse:
    """Pending actions by due date, overdue first; a coordinator starts on their networks."""
    coordinated = network_ids_coordinated_by(request.user)
    is_admin = user_has_any_role(request.user, [StaffRole.ADMIN])
    coordinator = bool(coordinated) and not is_admin
    form = FollowUpFilterForm(request.GET, coordinator=coordinator)
    status_code = 200
    if form.is_valid():
        data = form.cleaned_data
        network_ids = coordinated if coordinator and data.get("scope", "mine") != "all" else None
        status = data.get("status") or "pending"
        actions = selectors.followup_action_list(
            network_ids=network_ids,
            network=data.get("network"),
            status="" if status == "all" else status,
            overdue_only=data.get("overdue", False),
        )
    else:
        actions = selectors.followup_action_list().none()
        status_code = 400
    page_obj = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    changeable = None if is_admin else coordinated
    rows = [
        {
            "action": action,
            "can_change": changeable is None
            or (
                action.agreement.meeting.owner_network_id is not None
                and action.agreement.meeting.owner_network_id in changeable
            ),
        }
        for action in page_obj
    ]
    return render(
        request,
        "networks/meetings/actions.html",
        {
            "filter_form": form,
            "page_obj": page_obj,
            "rows": rows,
            "today": timezone.localdate(),
        },
        status=status_code,
    )


NAV: tuple[NavEntry, ...] = (NavEntry(gettext_lazy("Meetings"), "networks:meeting_list", icon="meetings", order=22),)
HISTORY: tuple[HistoryModel, ...] = tuple(
    HistoryModel(model.lower(), f"networks.{model}")
    for model in ("Meeting", "MeetingAttendance", "Agreement", "FollowUpAction")
)
urlpatterns = [
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/new/", meeting_create, name="meeting_create"),
    path("meetings/actions/", followup_action_list, name="followup_action_list"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/cancel/", meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/held/", meeting_mark_held, name="meeting_mark_held"),
    path("meetings/<int:pk>/attendance/", meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/agreements/new/", agreement_create, name="agreement_create"),
    path("meetings/agreements/<int:pk>/edit/", agreement_edit, name="agreement_edit"),
    path("meetings/agreements/<int:pk>/actions/new/", followup_action_create, name="followup_action_create"),
    path("meetings/actions/<int:pk>/edit/", followup_action_edit, name="followup_action_edit"),
    path("meetings/actions/<int:pk>/status/", followup_action_status, name="followup_action_status"),
]
ACCESS: dict[str, str] = {
    "networks:meeting_list": ACCESS_STAFF,
    "networks:meeting_detail": ACCESS_STAFF,
    "networks:followup_action_list": ACCESS_STAFF,
    **{
        f"networks:{name}": ACCESS_STAFF_ROLES
        for name in (
            "meeting_create",
            "meeting_edit",
            "meeting_cancel",
            "meeting_mark_held",
            "meeting_attendance",
            "agreement_create",
            "agreement_edit",
            "followup_action_create",
            "followup_action_edit",
            "followup_action_status",
        )
    },
}
