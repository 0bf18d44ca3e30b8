"""Staff pages of the organization registry: the list and its export, an organization's page,
create and edit, membership transitions, certificates, the review queues and the portal's
change proposals. Every staff role reads; registry editors (admin, coordinator, M&E officer)
write, others get 403."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clac.access import request_user, staff_required
from clac.auth.security_log import Kind, security_event
from clac.forms import add_service_errors
from clac.pagination import ReversiblePaginator
from clac.roles import REGISTRY_EDITORS
from members import exports, rules, selectors, services
from members.forms.organizations import (
    CertificationForm,
    ExpiringDaysForm,
    MembershipTransitionForm,
    OrganizationFilterForm,
    OrganizationForm,
    ProposalDecisionForm,
    ReviewCloseForm,
    ReviewQueueFilterForm,
)
from members.languages import language_names
from members.models import Certification, Country, Membership, Organization, OrganizationChangeProposal

PAGE_SIZE = 50
EXPORT_FORMATS = ("csv", "xlsx")
# Column → sort key of the list's sortable headers (see selectors.ORGANIZATION_SORTS).
SORTABLE_COLUMNS = ("name", "flo_id", "kind", "country", "membership", "updated")


def _can_edit(request: HttpRequest) -> bool:
    return selectors.organization_can_change(request.user, None)


# --- Registry list and export -------------------------------------------------------------


def _sort_links(current: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the sort value its header links to (clicking the sorted
    column reverses it) and the arrow showing the current order."""
    links = {}
    for column in SORTABLE_COLUMNS:
        if current == column:
            links[column] = {"value": f"-{column}", "arrow": "▲"}
        elif current == f"-{column}":
            links[column] = {"value": column, "arrow": "▼"}
        else:
            links[column] = {"value": column, "arrow": ""}
    return links


def _render_list(request: HttpRequest, form: OrganizationFilterForm, *, status: int = 200) -> HttpResponse:
    if form.is_valid():
        organizations = selectors.organization_list(filters=form.filters())
        membership_counts = selectors.organization_membership_counts(organizations)
    else:
        # Wrong filters show their errors and no rows, rather than silently every row.
        organizations = Organization.objects.none()
        membership_counts = {}
    # ids_first: the sorts by a joined table's column (country, membership) sort ids, not rows.
    page_obj = ReversiblePaginator(organizations, PAGE_SIZE, ids_first=True).get_page(request.GET.get("page"))
    labels = dict(Membership.Status.choices)
    current_sort = (form.cleaned_data.get("sort") or "name") if form.is_valid() else "name"
    return render(
        request,
        "members/organizations/list.html",
        {
            "filter_form": form,
            "page_obj": page_obj,
            "total": page_obj.paginator.count,
            "membership_counts": [
                (status, labels[status], membership_counts[status]) for status in labels if status in membership_counts
            ],
            "sort_links": _sort_links(current_sort),
            "export_formats": EXPORT_FORMATS,
            "can_edit": _can_edit(request),
        },
        status=status,
    )


@staff_required()
def organization_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request, OrganizationFilterForm(request.GET))


@staff_required()
def organization_export(request: HttpRequest) -> HttpResponseBase:
    """Exactly the rows of the list with the same filters and order, all pages."""
    form = OrganizationFilterForm(request.GET)
    export_format = request.GET.get("format", "csv")
    if form.is_valid() and export_format not in EXPORT_FORMATS:
        form.add_error(None, _("Choose CSV or XLSX for the export."))
    if not form.is_valid():
        return _render_list(request, form, status=400)
    organizations = selectors.organization_list(filters=form.filters())
    # The export holds contact data (emails, phones): who took it, when, with which filters.
    security_event(Kind.PERSONAL_DATA_EXPORTED, detail=f"organizations.{export_format} {request.GET.urlencode()}")
    if export_format == "xlsx":
        return exports.organization_export_xlsx(organizations)
    return exports.organization_export_csv(organizations)


# --- An organization ----------------------------------------------------------------------


@staff_required()
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.organization_get_for_user(user=request.user, pk=pk)
    context = selectors.organization_detail_context(organization=organization)
    membership = context["membership"]
    labels = dict(Membership.Status.choices)
    current_status = membership.status if membership is not None else Membership.Status.APPLICANT
    allowed = Membership.ALLOWED_TRANSITIONS[current_status]
    # Country proposals show names; one small query, only when there is something to show.
    countries = Country.objects.in_bulk() if context["pending_proposals"] else {}
    return render(
        request,
        "members/organizations/detail.html",
        {
            **context,
            "organization": organization,
            "languages": language_names(organization.languages),
            "next_statuses": [(status, labels[status]) for status in allowed],
            "proposal_rows": [
                {
                    "proposal": proposal,
                    "current": selectors.proposal_field_display(proposal.field, proposal.current_value, countries),
                    "proposed": selectors.proposal_field_display(proposal.field, proposal.proposed_value, countries),
                }
                for proposal in context["pending_proposals"]
            ],
            "can_edit": selectors.organization_can_change(request.user, organization),
        },
    )


@staff_required(*REGISTRY_EDITORS)
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(actor=request_user(request), **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was added to the registry.") % {"name": organization.name})
            return redirect("members:organization_detail", pk=organization.pk)
    return render(request, "members/organizations/form.html", {"form": form, "organization": None})


@staff_required(*REGISTRY_EDITORS)
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.organization_get_for_user(user=request.user, pk=pk, for_change=True)
    form = OrganizationForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                actor=request_user(request), organization=organization, **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("members:organization_detail", pk=organization.pk)
    return render(request, "members/organizations/form.html", {"form": form, "organization": organization})


# --- Membership and certification ---------------------------------------------------------


@staff_required(*REGISTRY_EDITORS)
def membership_transition(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.organization_get_for_user(user=request.user, pk=pk, for_change=True)
    membership: Membership | None = getattr(organization, "membership", None)
    current_status = membership.status if membership is not None else Membership.Status.APPLICANT
    allowed = Membership.ALLOWED_TRANSITIONS[current_status]
    has_current_certification = organization.certifications.filter(status__in=Certification.CURRENT_STATUSES).exists()
    ask_override = Membership.Status.ACTIVE in allowed and not has_current_certification

    initial: dict[str, Any] = {}
    if request.GET.get("to_status") in allowed:
        initial["to_status"] = request.GET["to_status"]
    form = MembershipTransitionForm(request.POST or None, initial=initial, allowed=allowed, ask_override=ask_override)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            updated = services.membership_transition(
                actor=request_user(request),
                organization=organization,
                to_status=data["to_status"],
                reason=data["reason"],
                occurred_on=data["occurred_on"],
                override_reason=data.get("override_reason", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The membership of %(name)s is now %(status)s.")
                % {"name": organization.name, "status": updated.get_status_display()},
            )
            return redirect("members:organization_detail", pk=organization.pk)
    return render(
        request,
        "members/membership/transition.html",
        {
            "organization": organization,
            "membership": membership,
            "current_status": current_status,
            "current_status_label": dict(Membership.Status.choices)[current_status],
            "has_current_certification": has_current_certification,
            "allowed": allowed,
            "form": form,
        },
    )


@staff_required(*REGISTRY_EDITORS)
def certification_edit(request: HttpRequest, pk: int, standard: str) -> HttpResponse:
    if standard not in Certification.Standard.values:
        raise Http404
    organization = selectors.organization_get_for_user(user=request.user, pk=pk, for_change=True)
    certification = organization.certifications.filter(standard=standard).first()
    form = CertificationForm(request.POST or None, initial=CertificationForm.initial_for(certification))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.certification_set(
                actor=request_user(request), organization=organization, standard=standard, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The certificate was saved."))
            if (
                rules.certificate_status_flags(saved.status)
                and Membership.objects.filter(organization=organization, review_requested_at__isnull=False).exists()
            ):
                messages.warning(request, _("The membership is in the review queue: decide whether it should change."))
            return redirect("members:organization_detail", pk=organization.pk)
    return render(
        request,
        "members/organizations/certification_form.html",
        {
            "organization": organization,
            "certification": certification,
            "standard_label": Certification.Standard(standard).label,
            "form": form,
        },
    )


# --- Review queue and expiring certificates -----------------------------------------------


REVIEW_PAGE_SIZE = 50
# The queue page shows the soonest-ending certificates; the full list is paginated on its page.
REVIEW_PAGE_EXPIRING = 10


def _render_review_queue(
    request: HttpRequest, close_form: ReviewCloseForm | None = None, *, status: int = 200
) -> HttpResponse:
    """One page of the queue (filtered, paginated) with one form closing the selected reviews:
    a checkbox per row, one decision note, one button."""
    filter_form = ReviewQueueFilterForm(request.GET or None)
    filters = filter_form.filters() if filter_form.is_valid() else {}
    queue = selectors.membership_review_queue(filters=filters)
    if filter_form.errors:
        # An unknown filter value shows its error and no rows, never the whole queue unfiltered.
        queue = queue.none()
    page_obj = ReversiblePaginator(queue, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    reason_labels = dict(selectors.ReviewReason.choices)
    for membership in page_obj:
        membership.review_kind_label = reason_labels.get(membership.review_kind, "")
    expiring = selectors.certifications_expiring()
    return render(
        request,
        "members/membership/review_queue.html",
        {
            "filter_form": filter_form,
            "page_obj": page_obj,
            "total": page_obj.paginator.count,
            "close_form": close_form or ReviewCloseForm(),
            # Ticks survive an error, so the editor does not select the rows again.
            "selected": set(getattr(close_form, "cleaned_data", {}).get("organizations", [])),
            "query": request.GET.urlencode(),
            "expiring": list(expiring[:REVIEW_PAGE_EXPIRING]),
            "expiring_total": expiring.count(),
            "expiring_days": selectors.EXPIRING_CERTIFICATION_DAYS,
            "can_edit": _can_edit(request),
        },
        status=status,
    )


@staff_required()
def membership_review_queue(request: HttpRequest) -> HttpResponse:
    return _render_review_queue(request)


@require_POST
@staff_required(*REGISTRY_EDITORS)
def membership_review_close(request: HttpRequest) -> HttpResponse:
    """Close the reviews ticked on the queue page with one note, none of the statuses changing.
    The filters and page of the queue travel in the query string and are kept."""
    form = ReviewCloseForm(request.POST)
    if form.is_valid():
        organizations = selectors.membership_reviews_for_change(
            user=request.user, organization_ids=form.cleaned_data["organizations"]
        )
        if form.cleaned_data["organizations"] and not organizations:
            messages.info(request, _("The selected reviews were already closed."))
            return redirect(f"{reverse('members:membership_review_queue')}?{request.GET.urlencode()}")
        try:
            closed = services.membership_reviews_close(
                actor=request_user(request), organizations=organizations, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext("%(count)d review was closed.", "%(count)d reviews were closed.", len(closed))
                % {"count": len(closed)},
            )
            return redirect(f"{reverse('members:membership_review_queue')}?{request.GET.urlencode()}")
    return _render_review_queue(request, form, status=400)


@staff_required()
def certification_expiring(request: HttpRequest) -> HttpResponse:
    # Bound only when days is given: a pagination link alone keeps the default period.
    form = ExpiringDaysForm(request.GET if "days" in request.GET else None)
    days: int | None = selectors.EXPIRING_CERTIFICATION_DAYS
    if form.is_bound:
        days = form.cleaned_data["days"] if form.is_valid() else None
    page_obj = ReversiblePaginator(
        selectors.certifications_expiring(days=days) if days else Certification.objects.none(), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "members/organizations/certifications_expiring.html",
        {
            "form": form,
            "days": days,
            "certifications": list(page_obj),
            "page_obj": page_obj,
            "total": page_obj.paginator.count,
        },
    )


# --- Change proposals from the portal ------------------------------------------------------


def _render_proposal_queue(
    request: HttpRequest, bound_forms: dict[int, ProposalDecisionForm] | None = None, *, status: int = 200
) -> HttpResponse:
    bound_forms = bound_forms or {}
    countries = Country.objects.in_bulk()
    rows = []
    for proposal in selectors.pending_proposals():
        org = proposal.organization
        current_now = org.country_id if proposal.field == "country" else str(getattr(org, proposal.field) or "")
        rows.append(
            {
                "proposal": proposal,
                "recorded": selectors.proposal_field_display(proposal.field, proposal.current_value, countries),
                # The organization may have changed since the proposal was made.
                "current": selectors.proposal_field_display(proposal.field, current_now, countries),
                "changed_since": current_now != proposal.current_value,
                "proposed": selectors.proposal_field_display(proposal.field, proposal.proposed_value, countries),
                "form": bound_forms.get(proposal.pk) or ProposalDecisionForm(prefix=f"proposal-{proposal.pk}"),
            }
        )
    return render(
        request,
        "members/proposals/queue.html",
        {"rows": rows, "can_edit": _can_edit(request)},
        status=status,
    )


@staff_required()
def proposal_queue(request: HttpRequest) -> HttpResponse:
    return _render_proposal_queue(request)


@require_POST
@staff_required(*REGISTRY_EDITORS)
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.change_proposal_get_for_user(user=request.user, pk=pk, for_change=True)
    if proposal.status != OrganizationChangeProposal.Status.PENDING:
        messages.info(request, _("This proposal was already decided."))
        return redirect("members:proposal_queue")
    form = ProposalDecisionForm(request.POST, prefix=f"proposal-{proposal.pk}")
    if form.is_valid():
        decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
        try:
            if decision == "approve":
                services.change_proposal_approve(actor=request_user(request), proposal=proposal, note=note)
            else:
                services.change_proposal_reject(actor=request_user(request), proposal=proposal, note=note)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if decision == "approve":
                text = _("The change to %(name)s was approved and applied.")
            else:
                text = _("The change to %(name)s was rejected.")
            messages.success(request, text % {"name": proposal.organization.name})
            return redirect("members:proposal_queue")
    return _render_proposal_queue(request, {proposal.pk: form})


urlpatterns = [
    path("", organization_list, name="organization_list"),
    path("export/", organization_export, name="organization_export"),
    path("new/", organization_create, name="organization_create"),
    path("<int:pk>/", organization_detail, name="organization_detail"),
    path("<int:pk>/edit/", organization_edit, name="organization_edit"),
    path("<int:pk>/membership/", membership_transition, name="membership_transition"),
    path("<int:pk>/certification/<str:standard>/", certification_edit, name="certification_edit"),
    path("reviews/", membership_review_queue, name="membership_review_queue"),
    path("reviews/close/", membership_review_close, name="membership_review_close"),
    path("certifications/expiring/", certification_expiring, name="certification_expiring"),
    path("proposals/", proposal_queue, name="proposal_queue"),
    path("proposals/<int:pk>/decide/", proposal_decide, name="proposal_decide"),
]
