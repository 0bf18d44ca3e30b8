"""Portal pages of the organization's profile, its change proposals and its people.

Every view works on request.organization (set by portal_required): lists come from
members.selectors.portal, single records from the `<entity>_get_for_user` access helpers given
that organization, so another organization's ids are a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clac.access import portal_required, request_user
from clac.forms import add_service_errors
from members.languages import language_names
from members.models import Consent, Organization, OrganizationChangeProposal
from members.portal.forms import (
    AffiliationEndForm,
    ChangeProposalForm,
    OrganizationContactForm,
    PersonAddForm,
    PersonForm,
)
from members.portal.request import MemberPortalRequest
from members.selectors import affiliation_get_for_user, organization_get_for_user, person_get_for_user
from members.selectors.portal import (
    portal_certifications,
    portal_membership,
    portal_people,
    portal_person_affiliations,
    portal_person_consents,
    portal_person_other_organization_count,
    portal_products,
    portal_proposals,
)
from members.services import (
    ConsentAnswer,
    affiliation_end,
    organization_propose_change,
    organization_update,
    person_add_to_organization,
    person_update_with_consents,
)

PEOPLE_PER_PAGE = 50
RECENT_DECISIONS_ON_PROFILE = 5


# --- Profile ------------------------------------------------------------------------------


@portal_required()
@require_GET
def profile(request: MemberPortalRequest) -> HttpResponse:
    organization = request.organization
    proposals = list(portal_proposals(organization=organization)[:20])
    pending = [p for p in proposals if p.status == OrganizationChangeProposal.Status.PENDING]
    decided = [p for p in proposals if p.status != OrganizationChangeProposal.Status.PENDING]
    return render(
        request,
        "portal/members/profile.html",
        {
            "organization": organization,
            "membership": portal_membership(organization=organization),
            "certifications": portal_certifications(organization=organization),
            "products": portal_products(organization=organization),
            "language_labels": _language_labels(organization),
            "pending_proposals": pending,
            "recent_decisions": decided[:RECENT_DECISIONS_ON_PROFILE],
            "can_edit": request.portal_access.can_edit,
        },
    )


def _language_labels(organization: Organization) -> list[str]:
    return language_names(organization.languages)


def _organization_for_change(request: MemberPortalRequest) -> Organization:
    return organization_get_for_user(
        user=request.user, pk=request.organization.pk, organization=request.organization, for_change=True
    )


@portal_required(edit=True)
@require_http_methods(["GET", "POST"])
def profile_edit(request: MemberPortalRequest) -> HttpResponse:
    organization = _organization_for_change(request)
    if request.method == "POST":
        # Only the form's fields reach the service: a legal_name, flo_id, country or kind in
        # the request is ignored here; those change through a proposal.
        form = OrganizationContactForm(request.POST, organization=organization)
        if form.is_valid():
            try:
                organization_update(actor=request_user(request), organization=organization, **form.service_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The profile was saved."))
                return redirect("members_portal:profile")
    else:
        form = OrganizationContactForm(organization=organization)
    return render(request, "portal/members/profile_edit.html", {"organization": organization, "form": form})


# --- Change proposals ---------------------------------------------------------------------


def _current_value_display(organization: Organization, field: str) -> str:
    if field == OrganizationChangeProposal.Field.COUNTRY:
        return str(organization.country)
    if field == OrganizationChangeProposal.Field.KIND:
        return organization.get_kind_display()
    return getattr(organization, field) or "—"


@portal_required()
@require_GET
def proposal_list(request: MemberPortalRequest) -> HttpResponse:
    organization = request.organization
    proposals = portal_proposals(organization=organization)
    page = Paginator(proposals, 25).get_page(request.GET.get("page"))
    pending_fields = set(
        portal_proposals(organization=organization, status=OrganizationChangeProposal.Status.PENDING).values_list(
            "field", flat=True
        )
    )
    fields = [
        {
            "value": value,
            "label": label,
            "current": _current_value_display(organization, value),
            "pending": value in pending_fields,
        }
        for value, label in OrganizationChangeProposal.Field.choices
    ]
    return render(
        request,
        "portal/members/proposal_list.html",
        {"page_obj": page, "fields": fields, "can_edit": request.portal_access.can_edit},
    )


@portal_required(edit=True)
@require_http_methods(["GET", "POST"])
def proposal_create(request: MemberPortalRequest) -> HttpResponse:
    organization = _organization_for_change(request)
    field = (request.POST if request.method == "POST" else request.GET).get("field", "")
    if field not in OrganizationChangeProposal.Field.values:
        # No field chosen yet: the page lists the four changes that can be proposed.
        return redirect("members_portal:proposal_list")
    if request.method == "POST":
        form = ChangeProposalForm(request.POST, field=field)
        if form.is_valid():
            try:
                organization_propose_change(
                    actor=request_user(request),
                    organization=organization,
                    field=field,
                    proposed_value=form.cleaned_data["proposed_value"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your request was sent to CLAC. You will see their decision on this page."))
                return redirect("members_portal:proposal_list")
    else:
        form = ChangeProposalForm(field=field)
    return render(
        request,
        "portal/members/proposal_form.html",
        {
            "form": form,
            "field_label": OrganizationChangeProposal.Field(field).label,
            "current_value": _current_value_display(organization, field),
        },
    )


# --- People -------------------------------------------------------------------------------


@portal_required()
@require_GET
def people(request: MemberPortalRequest) -> HttpResponse:
    page = Paginator(portal_people(organization=request.organization), PEOPLE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/members/people.html", {"page_obj": page, "can_edit": request.portal_access.can_edit})


def _consent_answers(form: PersonForm) -> list[ConsentAnswer]:
    return [
        ConsentAnswer(channel=channel, granted=granted, method=Consent.Method.PORTAL)
        for channel, granted in form.consent_changes()
    ]


@portal_required(edit=True)
@require_http_methods(["GET", "POST"])
def person_add(request: MemberPortalRequest) -> HttpResponse:
    organization = request.organization
    if request.method == "POST":
        form = PersonAddForm(
            request.POST, country_code=organization.country_id or "", country_name=str(organization.country)
        )
        if form.is_valid():
            try:
                person = person_add_to_organization(
                    actor=request_user(request),
                    organization=organization,
                    role=form.cleaned_data["role"],
                    start_date=form.cleaned_data["start_date"],
                    is_primary=form.cleaned_data["is_primary"],
                    person_fields=form.person_fields(),
                    consents=_consent_answers(form),
                    email_scope=organization,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s was added.") % {"name": person})
                return redirect("members_portal:people")
    else:
        form = PersonAddForm(
            initial={"start_date": timezone.localdate()},
            country_code=organization.country_id or "",
            country_name=str(organization.country),
        )
    return render(request, "portal/members/person_form.html", {"form": form, "person": None})


@portal_required(edit=True)
@require_http_methods(["GET", "POST"])
def person_edit(request: MemberPortalRequest, pk: int) -> HttpResponse:
    organization = request.organization
    person = person_get_for_user(user=request.user, pk=pk, organization=organization, for_change=True)
    consents = portal_person_consents(person=person)
    if request.method == "POST":
        form = PersonForm(
            request.POST,
            person=person,
            consents=consents,
            country_code=organization.country_id or "",
            country_name=str(organization.country),
        )
        if form.is_valid():
            try:
                person_update_with_consents(
                    actor=request_user(request),
                    person=person,
                    fields=form.person_fields(),
                    consents=_consent_answers(form),
                    email_scope=organization,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The changes to %(name)s were saved.") % {"name": person})
                return redirect("members_portal:people")
    else:
        form = PersonForm(
            person=person,
            consents=consents,
            country_code=organization.country_id or "",
            country_name=str(organization.country),
        )
    today = timezone.localdate()
    return render(
        request,
        "portal/members/person_form.html",
        {
            "form": form,
            "person": person,
            # One end-of-role form per role, each with its own ids so labels stay unambiguous.
            "affiliation_rows": [
                (affiliation, AffiliationEndForm(initial={"end_date": today}, auto_id=f"end{affiliation.pk}_%s"))
                for affiliation in portal_person_affiliations(organization=organization, person=person)
            ],
            "other_organization_count": portal_person_other_organization_count(
                organization=organization, person=person
            ),
            "consents": [consents[c] for c in Consent.Channel.values if c in consents],
        },
    )


@portal_required(edit=True)
@require_POST
def affiliation_end_view(request: MemberPortalRequest, pk: int) -> HttpResponse:
    affiliation = affiliation_get_for_user(user=request.user, pk=pk, organization=request.organization, for_change=True)
    form = AffiliationEndForm(request.POST)
    if form.is_valid():
        try:
            affiliation_end(
                actor=request_user(request), affiliation=affiliation, end_date=form.cleaned_data["end_date"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(name)s no longer serves as %(role)s.")
                % {"name": affiliation.person, "role": affiliation.get_role_display().lower()},
            )
            return redirect("members_portal:people")
    else:
        for errors in form.errors.values():
            for form_message in errors:
                messages.error(request, str(form_message))
    if affiliation.end_date is None:
        return redirect("members_portal:person_edit", pk=affiliation.person_id)
    return redirect("members_portal:people")


urlpatterns = [
    path("profile/", profile, name="profile"),
    path("profile/edit/", profile_edit, name="profile_edit"),
    path("profile/changes/", proposal_list, name="proposal_list"),
    path("profile/changes/new/", proposal_create, name="proposal_create"),
    path("people/", people, name="people"),
    path("people/new/", person_add, name="person_add"),
    path("people/<int:pk>/edit/", person_edit, name="person_edit"),
    path("people/affiliations/<int:pk>/end/", affiliation_end_view, name="affiliation_end"),
]
