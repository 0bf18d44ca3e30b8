"""Reads of partner contacts (people at FI, NFOs, ministries…) for the audience managers."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from communications.models import ExternalPartner, PartnerContact
from communications.selectors.audiences import require_audience_manager

__all__ = ["partner_contact_get_for_user", "partner_contact_list", "partner_for_contacts"]


def partner_contact_list(*, query: str = "", partner_kind: str = "") -> QuerySet[PartnerContact]:
    """Contacts with their partner, by partner and name (one query per page)."""
    rows = PartnerContact.objects.select_related("partner").order_by("partner__name", "name", "id")
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(email__icontains=query) | Q(partner__name__icontains=query))
    if partner_kind in ExternalPartner.Kind.values:
        rows = rows.filter(partner__kind=partner_kind)
    return rows


def partner_for_contacts(*, user, pk: int) -> ExternalPartner:
    """A partner whose contacts a manager adds or edits; 403 for others, 404 if unknown."""
    require_audience_manager(user)
    partner = ExternalPartner.objects.filter(pk=pk).first()
    if partner is None:
        raise Http404
    return partner


def partner_contact_get_for_user(*, user, pk: int) -> PartnerContact:
    require_audience_manager(user)
    contact = PartnerContact.objects.select_related("partner").filter(pk=pk).first()
    if contact is None:
        raise Http404
    return contact
