"""Dashboard pages of the governance area: CLAC's governance page, the list of bodies, a body
with its mandates and seats, the forms that create and change them, and the terms ending
soon. `urlpatterns` are mounted by networks/urls.py, `NAV` and `ACCESS` (url name →
clac.plugins access level) are gathered by networks/plugin.py.

Every staff role reads. Administrators and coordinators reach the forms; the access helpers
then let a coordinator change only the bodies of the networks they coordinate, and only
administrators CLAC's own bodies (403 otherwise)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.plugins import ACCESS_STAFF, ACCESS_STAFF_ROLES, NavEntry
from clac.roles import StaffRole
from members.models import Person
from members.selectors import person_list
from networks.models import Body, Mandate, Seat
from networks.selectors import governance as selectors
from networks.selectors.networks import network_can_change, networks_changeable_by
from networks.services import governance as services
from networks.views.governance_forms import (
    BodyFilterForm,
    BodyForm,
    EndingSoonForm,
    MandateForm,
    PersonSearchForm,
    SeatEndForm,
    SeatForm,
)

# Roles that reach the forms; network_can_change then decides which bodies they change.
GOVERNANCE_EDITORS = (StaffRole.ADMIN, StaffRole.COORDINATOR)
PAGE_SIZE = 50
PEOPLE_FOUND = 20


def _int_param(value: str | None) -> int | None:
    """A positive id from the query string; None for anything else (too large included)."""
    if value and value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return None


# --- Governance page, list, detail --------------------------------------------------------


@staff_required()
@require_GET
def governance(request: HttpRequest) -> HttpResponse:
    context = selectors.governance_overview()
    return render(
        request,
        "networks/governance/overview.html",
        {**context, "can_change_clac": network_can_change(request.user, None)},
    )


@staff_required()
@require_GET
def body_list(request: HttpRequest) -> HttpResponse:
    form = BodyFilterForm(request.GET)
    bodies = selectors.body_list(filters=form.filters()) if form.is_valid() else Body.objects.none()
    page_obj = Paginator(bodies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "networks/governance/body_list.html",
        {
            "filter_form": form,
            "page_obj": page_obj,
            "can_create": networks_changeable_by(request.user).exists() or network_can_change(request.user, None),
        },
        status=200 if form.is_valid() else 400,
    )


@staff_required()
@require_GET
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    body = selectors.body_get_for_user(user=request.user, pk=pk)
    context = selectors.body_detail_context(body=body, mandate_id=_int_param(request.GET.get("mandate")))
    return render(
        request,
        "networks/governance/body_detail.html",
        {**context, "body": body, "can_change": network_can_change(request.user, body.network)},
    )


@staff_required()
@require_GET
def seats_ending(request: HttpRequest) -> HttpResponse:
    form = EndingSoonForm(request.GET or None)
    days: int | None = selectors.ENDING_SOON_DAYS
    if form.is_bound:
        days = form.cleaned_data["days"] if form.is_valid() else None
    seats = selectors.seats_ending_soon(days=days) if days else Seat.objects.none()
    page_obj = Paginator(seats, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for seat in page_obj.object_list:
        seat.ends_in_days = (seat.term_end - today).days
    return render(
        request,
        "networks/governance/seats_ending.html",
        {"form": form, "days": days, "page_obj": page_obj},
        status=200 if days else 400,
    )


# --- Bodies -------------------------------------------------------------------------------


def _save(form, request: HttpRequest, write) -> Any:
    """Call the service; its ValidationError (or a refusal) goes onto the form. None when it failed."""
    try:
        return write()
    except ValidationError as exc:
        add_service_errors(form, exc)
    except PermissionDenied:
        form.add_error(None, _("You cannot change the bodies of this network."))
    return None


@staff_required(*GOVERNANCE_EDITORS)
@require_http_methods(["GET", "POST"])
def body_create(request: HttpRequest) -> HttpResponse:
    form = BodyForm(request.POST or None, networks=networks_changeable_by(request.user))
    if request.method == "POST" and form.is_valid():
        body = _save(form, request, lambda: services.body_create(actor=request_user(request), **form.service_fields()))
        if body is not None:
            messages.success(request, _("The body %(name)s was created.") % {"name": body.name})
            return redirect("networks:body_detail", pk=body.pk)
    return render(request, "networks/governance/body_form.html", {"form": form, "body": None})


@staff_required(*GOVERNANCE_EDITORS)
@require_http_methods(["GET", "POST"])
def body_edit(request: HttpRequest, pk: int) -> HttpResponse:
    body = selectors.body_get_for_user(user=request.user, pk=pk, for_change=True)
    form = BodyForm(request.POST or None, networks=networks_changeable_by(request.user), body=body)
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form, request, lambda: services.body_update(actor=request_user(request), body=body, **form.service_fields())
        )
        if saved is not None:
            messages.success(request, _("The changes were saved."))
            return redirect("networks:body_detail", pk=body.pk)
    return render(request, "networks/governance/body_form.html", {"form": form, "body": body})


# --- Mandates -----------------------------------------------------------------------------


@staff_required(*GOVERNANCE_EDITORS)
@require_http_methods(["GET", "POST"])
def mandate_create(request: HttpRequest, pk: int) -> HttpResponse:
    body = selectors.body_get_for_user(user=request.user, pk=pk, for_change=True)
    form = MandateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mandate = _save(
            form, request, lambda: services.mandate_create(actor=request_user(request), body=body, **form.cleaned_data)
        )
        if mandate is not None:
            messages.success(request, _("The mandate %(mandate)s was created.") % {"mandate": mandate})
            return redirect(f"{reverse('networks:body_detail', args=[body.pk])}?mandate={mandate.pk}")
    return render(request, "networks/governance/mandate_form.html", {"form": form, "body": body, "mandate": None})


@staff_required(*GOVERNANCE_EDITORS)
@require_http_methods(["GET", "POST"])
def mandate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mandate = selectors.mandate_get_for_user(user=request.user, pk=pk, for_change=True)
    form = MandateForm(
        request.POST or None, initial={"start": mandate.start, "end": mandate.end, "notes": mandate.notes}
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            request,
            lambda: services.mandate_update(actor=request_user(request), mandate=mandate, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, _("The changes were saved."))
            return redirect(f"{reverse('networks:body_detail', args=[mandate.body_id])}?mandate={mandate.pk}")
    return render(
        request, "networks/governance/mandate_form.html", {"form": form, "body": mandate.body, "mandate": mandate}
    )


# --- Seats --------------------------------------------------------------------------------


def _mandate_url(mandate: Mandate) -> str:
    return f"{reverse('networks:body_detail', args=[mandate.body_id])}?mandate={mandate.pk}"


@staff_required(*GOVERNANCE_EDITORS)
@require_http_methods(["GET", "POST"])
def seat_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1 (no person yet): find the holder by name, email, phone or id, and pick the
    organization they represent among those they serve. Step 2: role, subregion and term."""
    mandate = selectors.mandate_get_for_user(user=request.user, pk=pk, for_change=True)
    body = mandate.body
    data = request.POST if request.method == "POST" else request.GET
    person_id = _int_param(data.get("person"))
    person = Person.objects.filter(pk=person_id).first() if person_id else None
    context: dict[str, Any] = {"body": body, "mandate": mandate, "person": person}

    if person is None:
        search = PersonSearchForm(request.GET if "q" in request.GET else None)
        found: list[Person] = []
        if search.is_bound and search.is_valid():
            query = search.cleaned_data["q"].strip()
            found = list(person_list(filters={"q": query})[:PEOPLE_FOUND])
            by_id = _int_param(query)
            if by_id is not None and all(p.pk != by_id for p in found):
                found = list(person_list().filter(pk=by_id)) + found
        if data.get("person"):
            messages.error(request, _("No person has this id."))
        context.update({"search": search, "found": found, "searched": search.is_bound})
        status = 400 if request.method == "POST" else 200
        return render(request, "networks/governance/seat_person.html", context, status=status)

    initial = {
        "organization": _int_param(request.GET.get("organization")),
        "term_start": mandate.start,
        "term_end": mandate.end,
    }
    form = SeatForm(request.POST or None, initial=initial, body=body, person=person)
    if request.method == "POST" and form.is_valid():
        seat = _save(
            form,
            request,
            lambda: services.seat_create(
                actor=request_user(request), mandate=mandate, person=person, **form.service_fields()
            ),
        )
        if seat is not None:
            messages.success(
                request,
                _("%(person)s now holds a seat in %(body)s.") % {"person": person, "body": body.name},
            )
            return redirect(_mandate_url(mandate))
    context["form"] = form
    return render(request, "networks/governance/seat_form.html", context)


@staff_required(*GOVERNANCE_EDITORS)
@require_http_methods(["GET", "POST"])
def seat_edit(request: HttpRequest, pk: int) -> HttpResponse:
    seat = selectors.seat_get_for_user(user=request.user, pk=pk, for_change=True)
    form = SeatForm(
        request.POST or None,
        initial={
            "organization": seat.organization_id,
            "role": seat.role,
            "subregion": seat.subregion,
            "term_start": seat.term_start,
            "term_end": seat.term_end,
        },
        body=seat.mandate.body,
        person=seat.person,
        current_organization_id=seat.organization_id,
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form, request, lambda: services.seat_update(actor=request_user(request), seat=seat, **form.service_fields())
        )
        if saved is not None:
            messages.success(request, _("The changes were saved."))
            return redirect(_mandate_url(seat.mandate))
    return render(
        request,
        "networks/governance/seat_form.html",
        {"form": form, "seat": seat, "person": seat.person, "mandate": seat.mandate, "body": seat.mandate.body},
    )


@staff_required(*GOVERNANCE_EDITORS)
@require_http_methods(["GET", "POST"])
def seat_end(request: HttpRequest, pk: int) -> HttpResponse:
    seat = selectors.seat_get_for_user(user=request.user, pk=pk, for_change=True)
    today = timezone.localdate()
    form = SeatEndForm(request.POST or None, initial={"end_date": min(today, seat.term_end)})
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            request,
            lambda: services.seat_end(actor=request_user(request), seat=seat, end_date=form.cleaned_data["end_date"]),
        )
        if saved is not None:
            messages.success(request, _("The seat of %(person)s was ended.") % {"person": seat.person})
            return redirect(_mandate_url(seat.mandate))
    return render(request, "networks/governance/seat_end.html", {"form": form, "seat": seat})


NAV: tuple[NavEntry, ...] = (NavEntry(gettext_lazy("Governance"), "networks:governance", icon="governance", order=21),)

_READ = ("governance", "body_list", "body_detail", "seats_ending")
_CHANGE = ("body_create", "body_edit", "mandate_create", "mandate_edit", "seat_create", "seat_edit", "seat_end")
ACCESS: dict[str, str] = {
    **{f"networks:{name}": ACCESS_STAFF for name in _READ},
    **{f"networks:{name}": ACCESS_STAFF_ROLES for name in _CHANGE},
}

urlpatterns: list = [
    path("governance/", governance, name="governance"),
    path("governance/bodies/", body_list, name="body_list"),
    path("governance/bodies/new/", body_create, name="body_create"),
    path("governance/bodies/<int:pk>/", body_detail, name="body_detail"),
    path("governance/bodies/<int:pk>/edit/", body_edit, name="body_edit"),
    path("governance/bodies/<int:pk>/mandates/new/", mandate_create, name="mandate_create"),
    path("governance/mandates/<int:pk>/edit/", mandate_edit, name="mandate_edit"),
    path("governance/mandates/<int:pk>/seats/new/", seat_create, name="seat_create"),
    path("governance/seats/<int:pk>/edit/", seat_edit, name="seat_edit"),
    path("governance/seats/<int:pk>/end/", seat_end, name="seat_end"),
    path("governance/terms-ending/", seats_ending, name="seats_ending"),
]
