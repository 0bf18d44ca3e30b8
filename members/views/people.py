"""Staff pages of the people directory: list and search, a person's page, creating and editing
people, their affiliations to organizations and their consents per channel. Every staff role
reads; registry editors (admin, coordinator, M&E officer) write.

Personal-data rights: registry editors who may change a person export everything held about
them (a readable page and a JSON download); only administrators erase it."""

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.access import request_user, staff_required
from clac.auth.reauth import reauth_required
from clac.auth.security_log import security_event
from clac.forms import add_service_errors
from clac.models import SecurityEvent
from clac.pagination import ReversiblePaginator
from clac.roles import REGISTRY_EDITORS, StaffRole, user_has_any_role
from members import exports, selectors, services
from members.forms.people import (
    AffiliationEndForm,
    AffiliationForm,
    ConsentForm,
    NewPersonAffiliationForm,
    PersonErasureForm,
    PersonFilterForm,
    PersonForm,
)
from members.models import Organization, Person

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 50
ERASERS = (StaffRole.ADMIN,)


def _can_edit(request: HttpRequest) -> bool:
    return selectors.organization_can_change(request.user, None)


@staff_required()
def person_list(request: HttpRequest) -> HttpResponse:
    form = PersonFilterForm(request.GET or None)
    people = selectors.person_list(filters=form.filters())
    page_obj = ReversiblePaginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/people/list.html",
        {"filter_form": form, "page_obj": page_obj, "can_edit": _can_edit(request), "export_formats": EXPORT_FORMATS},
    )


EXPORT_FORMATS = ("csv", "xlsx")


@staff_required()
def person_export(request: HttpRequest) -> HttpResponseBase:
    """Every person the directory lists with the same filters, in its order, all pages;
    emails, phones and consents only for the roles that may have them in bulk."""
    form = PersonFilterForm(request.GET)
    export_format = request.GET.get("format", "csv")
    if form.is_valid() and export_format not in EXPORT_FORMATS:
        form.add_error(None, _("Choose CSV or XLSX for the export."))
    if not form.is_valid():
        page_obj = ReversiblePaginator(selectors.person_list(filters={}).none(), PAGE_SIZE).get_page(1)
        context = {"filter_form": form, "page_obj": page_obj, "can_edit": _can_edit(request)}
        context["export_formats"] = EXPORT_FORMATS
        return render(request, "members/people/list.html", context, status=400)
    people = selectors.person_list(filters=form.filters())
    personal_data = selectors.person_personal_data_visible(request.user)
    if personal_data:
        security_event(
            SecurityEvent.Kind.PERSONAL_DATA_EXPORTED,
            request=request,
            detail=f"people.{export_format} {request.GET.urlencode()}",
        )
    if export_format == "xlsx":
        return exports.person_export_xlsx(people, personal_data=personal_data)
    return exports.person_export_csv(people, personal_data=personal_data)


@staff_required()
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, pk=pk)
    can_edit = selectors.person_can_change(request.user, person)
    return render(
        request,
        "members/people/detail.html",
        {
            "person": person,
            "affiliations": selectors.person_affiliations(person=person),
            "consents": selectors.consents_by_channel(person=person),
            "can_edit": can_edit,
            "can_erase": can_edit and user_has_any_role(request.user, ERASERS),
            "erasure": selectors.person_erasure(person=person),
            "today": timezone.localdate(),
        },
    )


def _organization_from_query(request: HttpRequest) -> Organization | None:
    """The organization a new person is added to (`?organization=<id>`), if any."""
    value = request.GET.get("organization", "")
    if not value:
        return None
    # isdigit() alone lets "²" through, which int() refuses.
    if not (value.isascii() and value.isdigit()):
        raise Http404
    return selectors.organization_get_for_user(user=request.user, pk=int(value), for_change=True)


def _add_person_and_role_errors(
    form: PersonForm, affiliation_form: NewPersonAffiliationForm | None, error: ValidationError
) -> None:
    """Errors about the role go on the role's form, the rest on the person's."""
    if affiliation_form is None or not hasattr(error, "error_dict"):
        add_service_errors(form, error)
        return
    role_keys = set(affiliation_form.fields) | {"end_date", "organization"}
    role_errors = {key: messages for key, messages in error.message_dict.items() if key in role_keys}
    person_errors = {key: messages for key, messages in error.message_dict.items() if key not in role_keys}
    if role_errors:
        add_service_errors(affiliation_form, ValidationError(role_errors))
    if person_errors:
        add_service_errors(form, ValidationError(person_errors))


@staff_required(*REGISTRY_EDITORS)
def person_create(request: HttpRequest) -> HttpResponse:
    organization = _organization_from_query(request)
    data = request.POST if request.method == "POST" else None
    form = PersonForm(data)
    affiliation_form = NewPersonAffiliationForm(data, prefix="affiliation") if organization is not None else None
    if data is not None and form.is_valid() and (affiliation_form is None or affiliation_form.is_valid()):
        try:
            if affiliation_form is None:
                person = services.person_create(actor=request_user(request), **form.cleaned_data)
            else:
                assert organization is not None  # the role form exists only with an organization
                person = services.person_add_to_organization(
                    actor=request_user(request),
                    organization=organization,
                    person_fields=form.cleaned_data,
                    **affiliation_form.cleaned_data,
                )
        except ValidationError as error:
            _add_person_and_role_errors(form, affiliation_form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": person})
            return redirect("members:person_detail", pk=person.pk)
    return render(
        request,
        "members/people/form.html",
        {"form": form, "affiliation_form": affiliation_form, "organization": organization, "person": None},
    )


@staff_required(*REGISTRY_EDITORS)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, pk=pk, for_change=True)
    if request.method == "POST":
        form = PersonForm(request.POST, initial=PersonForm.initial_for(person))
        if form.is_valid():
            try:
                person = services.person_update(actor=request_user(request), person=person, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The changes to %(name)s were saved.") % {"name": person})
                return redirect("members:person_detail", pk=person.pk)
    else:
        form = PersonForm(initial=PersonForm.initial_for(person))
    return render(
        request,
        "members/people/form.html",
        {"form": form, "affiliation_form": None, "organization": None, "person": person},
    )


@staff_required(*REGISTRY_EDITORS)
def affiliation_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, pk=pk, for_change=True)
    if request.method == "POST":
        form = AffiliationForm(request.POST)
        if form.is_valid():
            # The role is a record of the organization: a coordinator adds roles only in theirs.
            if not selectors.organization_can_change(request.user, form.cleaned_data["organization"]):
                raise PermissionDenied
            try:
                services.affiliation_create(actor=request_user(request), person=person, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s now appears at %(organization)s.")
                    % {"name": person, "organization": form.cleaned_data["organization"]},
                )
                return redirect("members:person_detail", pk=person.pk)
    else:
        organization = request.GET.get("organization", "")
        form = AffiliationForm(
            initial={"organization": organization} if organization.isascii() and organization.isdigit() else None
        )
    return render(request, "members/people/affiliation_form.html", {"form": form, "person": person})


@staff_required(*REGISTRY_EDITORS)
def affiliation_end(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for the end date; POST ends the affiliation (the row stays, as a past role)."""
    affiliation = selectors.affiliation_get_for_user(user=request.user, pk=pk, for_change=True)
    if request.method == "POST":
        form = AffiliationEndForm(request.POST)
        if form.is_valid():
            try:
                services.affiliation_end(
                    actor=request_user(request), affiliation=affiliation, end_date=form.cleaned_data["end_date"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is no longer %(role)s at %(organization)s.")
                    % {
                        "name": affiliation.person,
                        "role": affiliation.get_role_display().lower(),
                        "organization": affiliation.organization,
                    },
                )
                return redirect("members:person_detail", pk=affiliation.person_id)
    else:
        form = AffiliationEndForm(initial={"end_date": timezone.localdate()})
    return render(request, "members/people/affiliation_end.html", {"form": form, "affiliation": affiliation})


def _consent_forms(person: Person, data=None) -> list[tuple[str, "StrOrPromise", ConsentForm]]:
    return [
        (channel, label, ConsentForm(data, prefix=channel, consent=consent))
        for channel, label, consent in selectors.consents_by_channel(person=person)
    ]


@staff_required(*REGISTRY_EDITORS)
def consent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, pk=pk, for_change=True)
    if request.method != "POST":
        return render(request, "members/people/consents.html", {"person": person, "forms": _consent_forms(person)})

    channel_forms = _consent_forms(person, request.POST)
    if all(form.is_valid() for _channel, _label, form in channel_forms):
        changed = {
            channel: form
            for channel, _label, form in channel_forms
            if form.has_changed() and form.cleaned_data["answer"]
        }
        try:
            services.consents_record(
                actor=request_user(request),
                person=person,
                answers=[
                    services.ConsentAnswer(
                        channel=channel,
                        granted=form.cleaned_data["answer"] == "granted",
                        method=form.cleaned_data["method"],
                        given_at=form.given_at(),
                    )
                    for channel, form in changed.items()
                ],
            )
        except services.ConsentChannelError as error:
            add_service_errors(changed[error.channel], error)
        else:
            if changed:
                messages.success(request, _("The consents of %(name)s were saved.") % {"name": person})
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("members:person_detail", pk=person.pk)
    return render(request, "members/people/consents.html", {"person": person, "forms": channel_forms})


# --- Personal-data rights -----------------------------------------------------------------


def _personal_data_event(request: HttpRequest, *, action: str, person: Person) -> None:
    """The security log entry of a personal-data export or erasure (who, what, from where)."""
    kind = SecurityEvent.Kind.PERSONAL_DATA_ERASED if action == "erasure" else SecurityEvent.Kind.PERSONAL_DATA_EXPORTED
    security_event(kind, request=request, detail=f"person {person.pk}: {action}")


@staff_required(*REGISTRY_EDITORS)
def person_data_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held about the person, as a page to read or print to PDF."""
    person = selectors.person_get_for_user(user=request.user, pk=pk, for_change=True)
    data = selectors.person_data_export(person=person)
    _personal_data_event(request, action="export (page)", person=person)
    return render(request, "members/people/data_export.html", {"person": person, "data": data})


@staff_required(*REGISTRY_EDITORS)
def person_data_export_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The same as a JSON file to hand to the person."""
    person = selectors.person_get_for_user(user=request.user, pk=pk, for_change=True)
    data = selectors.person_data_export(person=person)
    _personal_data_event(request, action="export (json)", person=person)
    response = JsonResponse(data, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="clac-person-{person.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@staff_required(*ERASERS)
@reauth_required
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what erasure keeps and removes, and the confirmation form; POST: erase."""
    person = selectors.person_get_for_user(user=request.user, pk=pk, for_change=True)
    erasure = selectors.person_erasure(person=person)
    form = PersonErasureForm(request.POST if request.method == "POST" and erasure is None else None)
    if form.is_bound and form.is_valid():
        name = person.full_name
        try:
            services.person_erase(actor=request_user(request), person=person, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _personal_data_event(request, action="erasure", person=person)
            messages.success(request, _("The personal data of %(name)s was erased.") % {"name": name})
            return redirect("members:person_detail", pk=person.pk)
    return render(request, "members/people/erase.html", {"person": person, "form": form, "erasure": erasure})


urlpatterns = [
    path("people/", person_list, name="person_list"),
    path("people/export/", person_export, name="person_export"),
    path("people/new/", person_create, name="person_create"),
    path("people/<int:pk>/", person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", person_edit, name="person_edit"),
    path("people/<int:pk>/affiliations/new/", affiliation_create, name="affiliation_create"),
    path("people/<int:pk>/consents/", consent_edit, name="consent_edit"),
    path("people/<int:pk>/personal-data/", person_data_export, name="person_data_export"),
    path("people/<int:pk>/personal-data.json", person_data_export_json, name="person_data_export_json"),
    path("people/<int:pk>/erase/", person_erase, name="person_erase"),
    path("affiliations/<int:pk>/end/", affiliation_end, name="affiliation_end"),
]
