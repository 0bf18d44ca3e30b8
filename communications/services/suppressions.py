"""Writes on the suppression list: the addresses no campaign may reach again on a channel.

suppression_record is called by the unsubscribe page, the providers' webhooks (bounces,
complaints) and staff (manual blocks). It is idempotent: one row per (channel, address); the
first reason is kept and a later event for the same address changes nothing but the message's
unsubscribed_at and the owner's consent. Every add and every removal leaves a history row
(simple_history on Suppression), with the acting user when there is one."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.models import User
from communications.models import Message, PartnerContact, Suppression
from members.models import Consent
from members.services import consent_record

logger = logging.getLogger(__name__)

__all__ = ["address_normalize", "suppression_record", "suppression_remove"]

DETAIL_MAX = 500


def address_normalize(*, channel: str, address: str) -> str:
    """The address as the suppression list and the outbox keep it: lower-case email, or the
    E.164 phone number without spaces."""
    address = (address or "").strip()
    if channel == Suppression.Channel.EMAIL:
        return address.lower()
    return address.replace(" ", "")


def _validate(*, channel: str, address: str, reason: str) -> None:
    errors: dict[str, list[str]] = {}
    if channel not in Suppression.Channel.values:
        errors.setdefault("channel", []).append(_("Choose email, SMS or WhatsApp."))
    if reason not in Suppression.Reason.values:
        errors.setdefault("reason", []).append(_("Unknown reason."))
    if not address:
        errors.setdefault("address", []).append(_("Enter the address to block."))
    elif channel == Suppression.Channel.EMAIL and ("@" not in address or len(address) > 254):
        errors.setdefault("address", []).append(_("Enter a valid email address."))
    elif channel in (Suppression.Channel.SMS, Suppression.Channel.WHATSAPP) and not (
        address.startswith("+") and address[1:].isdigit() and 8 <= len(address) <= 16
    ):
        errors.setdefault("address", []).append(_("Enter the phone number in international format, e.g. +51987654321."))
    if errors:
        raise ValidationError(errors)


def _withdraw_consent(*, message: Message, channel: str, actor: User | None) -> None:
    """The unsubscribe also says "no" in the owner's consent on that channel."""
    if message.person is not None and channel in Consent.Channel.values:
        current = Consent.objects.filter(person=message.person, channel=channel).first()
        if current is None or current.granted:
            consent_record(
                actor=actor,
                person=message.person,
                channel=channel,
                granted=False,
                method=Consent.Method.FORM,
            )
    elif message.partner_contact_id is not None:
        field = f"{channel}_consent_at"
        contact = PartnerContact.objects.select_for_update().filter(pk=message.partner_contact_id).first()
        if contact is not None and getattr(contact, field, None) is not None:
            setattr(contact, field, None)
            contact._change_reason = "unsubscribed"  # type: ignore[attr-defined]
            contact.save(update_fields=[field, "updated_at"])


@transaction.atomic
def suppression_record(
    *,
    channel: str,
    address: str,
    reason: str,
    detail: str = "",
    message: Message | None = None,
    actor: User | None = None,
) -> Suppression:
    """Put an address on the suppression list (or return the row already there). For an
    unsubscribe through a message it also withdraws the recipient's consent on the channel and
    marks the message unsubscribed (once). Raises ValidationError for a bad channel, reason or
    address."""
    address = address_normalize(channel=channel, address=address)
    _validate(channel=channel, address=address, reason=reason)
    existing = Suppression.objects.filter(channel=channel, address=address).first()
    if existing is None:
        row = Suppression(
            channel=channel,
            address=address,
            reason=reason,
            detail=(detail or "")[:DETAIL_MAX],
            message=message,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        if actor is not None and getattr(actor, "pk", None):
            row._history_user = actor  # type: ignore[attr-defined]
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            # Another request recorded the same address first: keep theirs.
            existing = Suppression.objects.get(channel=channel, address=address)
        else:
            existing = row
    else:
        logger.info("suppression already recorded: %s:%s (%s, now %s)", channel, address, existing.reason, reason)
    if message is not None and reason == Suppression.Reason.UNSUBSCRIBED:
        if Message.objects.filter(pk=message.pk, unsubscribed_at__isnull=True).update(unsubscribed_at=timezone.now()):
            message.refresh_from_db(fields=["unsubscribed_at"])
        _withdraw_consent(message=message, channel=channel, actor=actor)
    return existing


@transaction.atomic
def suppression_remove(*, suppression: Suppression, actor: User | None, reason: str) -> None:
    """Staff take an address off the list (e.g. the owner asked to receive campaigns again, or
    a bounce was temporary). The reason is required and kept in the history row. Consent is not
    given back: it must be recorded anew on the person or contact."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the address may receive campaigns again.")})
    locked = Suppression.objects.select_for_update().filter(pk=suppression.pk).first()
    if locked is None:
        return
    if actor is not None and getattr(actor, "pk", None):
        locked._history_user = actor  # type: ignore[attr-defined]
    locked._change_reason = reason[:100]  # type: ignore[attr-defined]
    locked.delete()
