"""Reads of the suppression list and of a person's contact status (per channel: consent and
suppression), for the audience managers (communications and administrators)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from communications.models import PartnerContact, Suppression
from communications.selectors.audiences import require_audience_manager
from members.models import Consent, Person

__all__ = ["partner_contact_status", "person_contact_status", "suppression_get_for_user", "suppression_list"]


def suppression_list(*, query: str = "", channel: str = "", reason: str = "") -> QuerySet[Suppression]:
    """Suppressed addresses, newest first, optionally filtered (one query per page)."""
    rows = Suppression.objects.select_related("created_by").order_by("-created_at", "-id")
    if query:
        rows = rows.filter(address__icontains=query.strip().lower())
    if channel in Suppression.Channel.values:
        rows = rows.filter(channel=channel)
    if reason in Suppression.Reason.values:
        rows = rows.filter(reason=reason)
    return rows


def suppression_get_for_user(*, user, pk: int) -> Suppression:
    require_audience_manager(user)
    row = Suppression.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def _addresses(email: str, email_secondary: str, phone: str) -> dict[str, list[str]]:
    emails = [e.strip().lower() for e in (email, email_secondary) if e and e.strip()]
    return {"email": emails, "sms": [phone] if phone else [], "whatsapp": [phone] if phone else []}


def _suppressions_by_channel(addresses: dict[str, list[str]]) -> dict[str, list[Suppression]]:
    q = Q(pk__in=[])
    for channel, values in addresses.items():
        if values:
            q |= Q(channel=channel, address__in=values)
    found: dict[str, list[Suppression]] = {}
    for row in Suppression.objects.filter(q).order_by("created_at"):
        found.setdefault(row.channel, []).append(row)
    return found


def person_contact_status(*, user, pk: int) -> dict[str, Any]:
    """A registry person's contact status on each channel: address, consent (granted, when, how)
    and suppression (reason, date). Three queries."""
    require_audience_manager(user)
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        raise Http404
    consents = {c.channel: c for c in Consent.objects.filter(person=person)}
    addresses = _addresses(person.email, person.email_secondary, person.phone)
    suppressions = _suppressions_by_channel(addresses)
    channels = []
    for channel, label in Suppression.Channel.choices:
        channels.append(
            {
                "channel": channel,
                "label": label,
                "addresses": addresses[channel],
                "consent": consents.get(channel),
                "suppressions": suppressions.get(channel, []),
            }
        )
    return {"person": person, "channels": channels}


def partner_contact_status(*, contact: PartnerContact) -> list[dict[str, Any]]:
    """A partner contact's status per channel (consent date, suppression), one query."""
    addresses = _addresses(contact.email, "", contact.phone)
    suppressions = _suppressions_by_channel(addresses)
    return [
        {
            "channel": channel,
            "label": label,
            "addresses": addresses[channel],
            "consent_at": getattr(contact, f"{channel}_consent_at"),
            "suppressions": suppressions.get(channel, []),
        }
        for channel, label in Suppression.Channel.choices
    ]
