"""Partner contacts (communications staff and administrators): the people at FI, NFOs and other
partners that external audiences reach, with their consent dates and how consent was given."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.pagination import ReversiblePaginator
from communications.forms.audiences import PartnerContactForm, PartnerContactNewForm
from communications.models import ExternalPartner
from communications.selectors.audiences import AUDIENCE_MANAGERS
from communications.selectors.partner_contacts import (
    partner_contact_get_for_user,
    partner_contact_list,
    partner_for_contacts,
)
from communications.selectors.suppressions import partner_contact_status
from communications.services.partner_contacts import (
    PARTNER_CONTACT_FIELDS,
    partner_contact_create,
    partner_contact_update,
)

CONTACTS_PER_PAGE = 50


@staff_required(*AUDIENCE_MANAGERS)
def partner_contacts_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    kind = request.GET.get("kind", "")
    page_obj = ReversiblePaginator(partner_contact_list(query=query, partner_kind=kind), CONTACTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "communications/audiences/partner_contact_list.html",
        {"page_obj": page_obj, "query": query, "kind": kind, "kinds": ExternalPartner.Kind.choices},
    )


@staff_required(*AUDIENCE_MANAGERS)
def partner_contact_new(request: HttpRequest) -> HttpResponse:
    """A new contact; ?partner=<id> (the partner page's link) preselects the partner."""
    initial: dict = {"preferred_language": "en"}
    partner_id = request.GET.get("partner", "")
    if partner_id.isdigit() and len(partner_id) < 10:
        initial["partner"] = partner_for_contacts(user=request.user, pk=int(partner_id))
    form = PartnerContactNewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        partner = fields.pop("partner")
        try:
            contact = partner_contact_create(actor=request_user(request), partner=partner, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Contact %(name)s added.") % {"name": contact.name})
            return redirect("communications:partner_contact_list")
    return render(request, "communications/audiences/partner_contact_form.html", {"form": form})


@staff_required(*AUDIENCE_MANAGERS)
def partner_contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = partner_contact_get_for_user(user=request.user, pk=pk)
    initial = {field: getattr(contact, field) for field in PARTNER_CONTACT_FIELDS}
    form = PartnerContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            partner_contact_update(actor=request_user(request), contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("communications:partner_contact_list")
    return render(
        request,
        "communications/audiences/partner_contact_form.html",
        {
            "form": form,
            "partner": contact.partner,
            "contact": contact,
            "status": partner_contact_status(contact=contact),
        },
    )
