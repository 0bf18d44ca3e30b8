"""Writes on partner contacts: the people at FI, NFOs and other partners that external
audiences reach, with their consent per channel (a date: empty = no consent) and how it was
given. Each change leaves a history row."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.models import User
from communications.models import ExternalPartner, PartnerContact

__all__ = ["PARTNER_CONTACT_FIELDS", "partner_contact_create", "partner_contact_update"]

PARTNER_CONTACT_FIELDS = (
    "name",
    "position",
    "email",
    "phone",
    "preferred_language",
    "email_consent_at",
    "sms_consent_at",
    "whatsapp_consent_at",
    "consent_method",
    "notes",
)
_CONSENT_FIELDS = ("email_consent_at", "sms_consent_at", "whatsapp_consent_at")


def _clean(contact: PartnerContact) -> None:
    errors: dict[str, list[str]] = {}
    contact.name = (contact.name or "").strip()
    contact.email = (contact.email or "").strip().lower()
    contact.phone = (contact.phone or "").replace(" ", "")
    contact.consent_method = (contact.consent_method or "").strip()
    if not contact.name:
        errors.setdefault("name", []).append(_("Enter the contact's name."))
    if contact.email:
        try:
            validate_email(contact.email)
        except ValidationError:
            errors.setdefault("email", []).append(_("Enter a valid email address."))
    if contact.phone and not (
        contact.phone.startswith("+") and contact.phone[1:].isdigit() and len(contact.phone) >= 8
    ):
        errors.setdefault("phone", []).append(_("Enter the phone number in international format, e.g. +51987654321."))
    if contact.preferred_language not in dict(settings.LANGUAGES):
        errors.setdefault("preferred_language", []).append(_("Unknown language."))
    now = timezone.now()
    for field in _CONSENT_FIELDS:
        value: datetime.datetime | None = getattr(contact, field)
        if value is not None and value > now:
            errors.setdefault(field, []).append(_("The date cannot be in the future."))
    if any(getattr(contact, f) for f in _CONSENT_FIELDS) and not contact.consent_method:
        errors.setdefault("consent_method", []).append(
            _("Say how consent was given (e.g. signed form at the NFO assembly, email of 3 March).")
        )
    if errors:
        raise ValidationError(errors)


def _apply(contact: PartnerContact, fields: dict[str, Any]) -> list[str]:
    changed = []
    for key, value in fields.items():
        if key not in PARTNER_CONTACT_FIELDS:
            raise TypeError(f"Unknown partner contact field {key!r}")
        if value is None and key not in _CONSENT_FIELDS:
            value = ""
        if getattr(contact, key) != value:
            setattr(contact, key, value)
            changed.append(key)
    return changed


@transaction.atomic
def partner_contact_create(*, actor: User | None, partner: ExternalPartner, **fields: Any) -> PartnerContact:
    contact = PartnerContact(partner=partner)
    _apply(contact, fields)
    _clean(contact)
    if getattr(actor, "pk", None):
        contact._history_user = actor  # type: ignore[attr-defined]
    contact.save()
    return contact


@transaction.atomic
def partner_contact_update(*, actor: User | None, contact: PartnerContact, **fields: Any) -> PartnerContact:
    locked = PartnerContact.objects.select_for_update().get(pk=contact.pk)
    changed = _apply(locked, fields)
    if not changed:
        return locked
    _clean(locked)
    if getattr(actor, "pk", None):
        locked._history_user = actor  # type: ignore[attr-defined]
    locked.save(update_fields=sorted({*changed, "name", "email", "phone", "consent_method", "updated_at"}))
    return locked
