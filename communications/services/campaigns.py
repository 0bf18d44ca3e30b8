"""Writes of campaigns: create and edit a draft, write its content per language (rendered once
with communications.rendering), schedule it, take it back to draft, send it now, cancel it, and
send a test to oneself. Portal users mark announcements read here too.

The status machine is `draft → scheduled → sending → sent | cancelled`: this module moves
draft → scheduled, scheduled → draft (unschedule) and draft/scheduled/sending → cancelled; the
outbox's dispatcher moves scheduled → sending → sent. Every transition is a conditional update
(`.filter(pk=…, status__in=…).update(…)`) whose row count is checked, so a campaign the
dispatcher just picked up cannot be unscheduled underneath it; the history row is then written
with the actor (simple_history does not see a queryset update)."""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from clac.models import User
from clac.roles import StaffRole, user_has_any_role
from clac.strategic_lines import StrategicLine
from communications.models import AnnouncementRead, Audience, Campaign, CampaignContent
from communications.rendering import content_render
from communications.services import outbox
from members.services._common import set_history_user

__all__ = [
    "CAMPAIGN_MANAGERS",
    "SMS_MAX_SEGMENTS",
    "WHATSAPP_MAX_CHARS",
    "ContentInput",
    "announcement_mark_read",
    "campaign_cancel",
    "campaign_contents_save",
    "campaign_create",
    "campaign_schedule",
    "campaign_send_now",
    "campaign_send_test",
    "campaign_unschedule",
    "campaign_update",
    "sms_length",
]

# Who writes campaigns (the viewer reads them; see communications.selectors.campaigns).
CAMPAIGN_MANAGERS = frozenset({StaffRole.ADMIN, StaffRole.COMMUNICATIONS})
CAMPAIGN_FIELDS = frozenset(
    {"name", "purpose", "channel", "audience", "fallback_language", "track_opens", "track_clicks", "expires_at"}
)
LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)

# An SMS longer than one message is sent as concatenated parts, each billed. Six parts (918
# plain characters, 402 with accents outside the GSM alphabet) is what carriers reliably join
# back; beyond that the text is refused and belongs in an email or a portal announcement.
SMS_MAX_SEGMENTS = 6
# WhatsApp's own limit for a text message body.
WHATSAPP_MAX_CHARS = 4096
# GSM 03.38: the characters an SMS carries in 7 bits (160 per single message, 153 per part).
# Anything else (á, í, ó, ú, ã, õ, ç, emoji…) switches the whole message to UCS-2: 70 / 67.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")
FALLBACK_MISSING = gettext_noop(
    "Write the content in the fallback language (%(language)s) first: recipients without their own language get it."
)
SUBJECT_CHANNELS = (Campaign.Channel.EMAIL, Campaign.Channel.PORTAL)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True)
class SmsLength:
    characters: int
    segments: int
    unicode: bool


@dataclass(frozen=True)
class ContentInput:
    """The campaign in one language as staff typed it; both empty = no content in that language."""

    subject: str = ""
    body_markdown: str = ""


def sms_length(text: str) -> SmsLength:
    """How many SMS parts a text costs (GSM-7 or UCS-2, with the concatenation header)."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in text):
        units = sum(2 if char in GSM_EXTENDED else 1 for char in text)
        single, part, unicode = 160, 153, False
    else:
        # UCS-2 counts UTF-16 code units: an emoji takes two.
        units = len(text.encode("utf-16-le")) // 2
        single, part, unicode = 70, 67, True
    segments = 1 if units <= single else -(-units // part)
    return SmsLength(characters=units, segments=segments, unicode=unicode)


def _require_manager(actor: User | None) -> User:
    if actor is None or not user_has_any_role(actor, CAMPAIGN_MANAGERS):
        raise PermissionDenied(_("Only administrators and communications staff can change campaigns."))
    return actor


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _require_draft(campaign: Campaign) -> None:
    if campaign.status != Campaign.Status.DRAFT:
        raise ValidationError(
            {"status": _("Only a draft campaign can be changed; take it back to draft first if it is scheduled.")}
        )


def _validate_campaign(campaign: Campaign, errors: dict[str, list[str]]) -> None:
    campaign.name = (campaign.name or "").strip()
    if not campaign.name:
        _add(errors, "name", _("Give the campaign a name."))
    elif len(campaign.name) > 200:
        _add(errors, "name", _("Keep the name under 200 characters."))
    if campaign.purpose not in StrategicLine.values:
        _add(errors, "purpose", _("Choose the strategic line the campaign serves."))
    if campaign.channel not in Campaign.Channel.values:
        _add(errors, "channel", _("Choose email, SMS, WhatsApp or portal announcement."))
    if campaign.fallback_language not in LANGUAGE_CODES:
        _add(errors, "fallback_language", _("Choose one of the four languages."))
    audience = campaign.audience if campaign.audience_id else None
    if audience is None:
        _add(errors, "audience", _("Choose the audience."))
    elif campaign.channel == Campaign.Channel.PORTAL and audience.scope != Audience.Scope.INTERNAL:
        _add(errors, "audience", _("A portal announcement reaches member organizations: choose an internal audience."))
    if campaign.channel != Campaign.Channel.EMAIL:
        # Opens and clicks are counted through a pixel and redirect links: email only.
        campaign.track_opens = campaign.track_clicks = False
    if campaign.channel != Campaign.Channel.PORTAL:
        campaign.expires_at = None
    elif campaign.expires_at is not None and timezone.is_naive(campaign.expires_at):
        _add(errors, "expires_at", _("The date needs a time zone."))


def _history(campaign: Campaign, actor: User, reason: str) -> None:
    """The history row of a transition made by a conditional update (simple_history only sees
    save()), attributed to the actor."""
    campaign.refresh_from_db()
    Campaign.history.bulk_history_create([campaign], update=True, default_user=actor, default_change_reason=reason)


def _transition(campaign: Campaign, *, actor: User, allowed: tuple[str, ...], reason: str, **values: Any) -> Campaign:
    """Move the campaign out of one of `allowed` statuses, or explain why it cannot move."""
    updated = Campaign.objects.filter(pk=campaign.pk, status__in=allowed).update(updated_at=timezone.now(), **values)
    if updated != 1:
        current = Campaign.objects.filter(pk=campaign.pk).values_list("status", flat=True).first()
        label = Campaign.Status(current).label if current else _("deleted")
        raise ValidationError(
            {"status": _("The campaign is now %(status)s: this change is no longer possible.") % {"status": label}}
        )
    _history(campaign, actor, reason)
    return campaign


# --- Draft ----------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    actor: User | None,
    name: str,
    purpose: str,
    channel: str,
    audience: Audience | None,
    fallback_language: str = "es",
    track_opens: bool = False,
    track_clicks: bool = False,
    expires_at: datetime.datetime | None = None,
) -> Campaign:
    """A new draft campaign; its content is written next (campaign_contents_save)."""
    actor = _require_manager(actor)
    campaign = Campaign(
        name=name,
        purpose=purpose,
        channel=channel,
        audience=audience,
        fallback_language=fallback_language,
        track_opens=track_opens,
        track_clicks=track_clicks,
        expires_at=expires_at,
        created_by=actor,
    )
    errors: dict[str, list[str]] = {}
    _validate_campaign(campaign, errors)
    if errors:
        raise ValidationError(errors)
    set_history_user(campaign, actor)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(*, actor: User | None, campaign: Campaign, **fields: Any) -> Campaign:
    """Change a draft's name, purpose, channel, audience, fallback language or options."""
    actor = _require_manager(actor)
    unknown = set(fields) - CAMPAIGN_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be changed here.")))
    locked = _lock(campaign)
    _require_draft(locked)
    before = {name: getattr(locked, name) for name in CAMPAIGN_FIELDS}
    for name, value in fields.items():
        setattr(locked, name, value)
    errors: dict[str, list[str]] = {}
    _validate_campaign(locked, errors)
    if errors:
        raise ValidationError(errors)
    # The rules may clear fields the form sent (tracking off outside email): compare after them.
    changed = sorted(name for name in CAMPAIGN_FIELDS if getattr(locked, name) != before[name])
    if not changed:
        return locked
    set_history_user(locked, actor)
    locked.save(update_fields=[*changed, "updated_at"])
    return locked


def _validate_content(channel: str, language: str, content: ContentInput, errors: dict[str, list[str]]) -> None:
    subject, body = content.subject.strip(), content.body_markdown.strip()
    if not body:
        if subject:
            _add(errors, f"{language}-body_markdown", _("Write the text, or clear the subject too."))
        return
    if channel == Campaign.Channel.EMAIL and not subject:
        _add(errors, f"{language}-subject", _("An email needs a subject."))
    if len(subject) > 200:
        _add(errors, f"{language}-subject", _("Keep the subject under 200 characters."))
    if channel == Campaign.Channel.SMS:
        length = sms_length(content_render(subject="", body_markdown=body).text)
        if length.segments > SMS_MAX_SEGMENTS:
            _add(
                errors,
                f"{language}-body_markdown",
                _("This SMS would take %(segments)d messages; the most we send is %(max)d. Shorten it.")
                % {"segments": length.segments, "max": SMS_MAX_SEGMENTS},
            )
    if channel == Campaign.Channel.WHATSAPP and len(body) > WHATSAPP_MAX_CHARS:
        _add(
            errors,
            f"{language}-body_markdown",
            _("A WhatsApp message holds at most %(max)d characters; this one has %(count)d.")
            % {"max": WHATSAPP_MAX_CHARS, "count": len(body)},
        )


def sms_warning(text: str) -> str:
    """What staff should know about an SMS text's length (empty for one plain message)."""
    length = sms_length(text)
    if length.segments <= 1:
        return ""
    return ngettext(
        "%(characters)d characters: sent as %(segments)d SMS parts, each billed.",
        "%(characters)d characters: sent as %(segments)d SMS parts, each billed.",
        length.segments,
    ) % {"characters": length.characters, "segments": length.segments}


@transaction.atomic
def campaign_contents_save(
    *, actor: User | None, campaign: Campaign, contents: dict[str, ContentInput]
) -> list[CampaignContent]:
    """Write the draft's content in the languages given: a language left empty loses its
    content, the others are rendered (sanitized HTML and text) and kept. Errors of every
    language are reported at once, keyed `<language>-subject` / `<language>-body_markdown`."""
    actor = _require_manager(actor)
    locked = _lock(campaign)
    _require_draft(locked)
    unknown = set(contents) - set(LANGUAGE_CODES)
    if unknown:
        raise ValidationError({"language": _("Unknown language: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}})
    errors: dict[str, list[str]] = {}
    for language, content in contents.items():
        _validate_content(locked.channel, language, content, errors)
    if errors:
        raise ValidationError(errors)
    existing = {c.language: c for c in CampaignContent.objects.select_for_update().filter(campaign=locked)}
    kept: list[CampaignContent] = []
    for language, content in contents.items():
        current = existing.get(language)
        if not content.body_markdown.strip():
            if current is not None:
                set_history_user(current, actor)
                current.delete()
            continue
        rendered = content_render(subject=content.subject, body_markdown=content.body_markdown)
        values = {
            # Email: the subject line; portal: the announcement's title; SMS and WhatsApp: none.
            "subject": rendered.subject if locked.channel in SUBJECT_CHANNELS else "",
            "body_markdown": rendered.text,
            "body_html": rendered.html,
            "body_text": rendered.text,
        }
        if current is None:
            current = CampaignContent(campaign=locked, language=language, **values)
            set_history_user(current, actor)
            current.save()
        else:
            changed = [name for name, value in values.items() if getattr(current, name) != value]
            if changed:
                for name in changed:
                    setattr(current, name, values[name])
                set_history_user(current, actor)
                current.save(update_fields=changed)
        kept.append(current)
    Campaign.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return kept


# --- Schedule, unschedule, send now, cancel ----------------------------------------------------


def _validate_ready(campaign: Campaign, errors: dict[str, list[str]]) -> None:
    """What a campaign needs before it may go out, whatever the moment."""
    contents = {c.language: c for c in CampaignContent.objects.filter(campaign=campaign)}
    if campaign.fallback_language not in contents:
        _add(
            errors,
            "fallback_language",
            _(FALLBACK_MISSING) % {"language": dict(settings.LANGUAGES)[campaign.fallback_language]},
        )
    if campaign.channel == Campaign.Channel.EMAIL:
        missing = sorted(language for language, c in contents.items() if not c.subject)
        if missing:
            _add(
                errors,
                "subject",
                _("Give every language a subject: %(languages)s.") % {"languages": ", ".join(missing)},
            )
    expired = campaign.expires_at is not None and campaign.expires_at <= timezone.now()
    if campaign.channel == Campaign.Channel.PORTAL and expired:
        _add(errors, "expires_at", _("The announcement would already be gone: choose a later end date."))


@transaction.atomic
def campaign_schedule(*, actor: User | None, campaign: Campaign, scheduled_at: datetime.datetime) -> Campaign:
    """draft → scheduled for a moment in the future; the dispatcher sends it then."""
    actor = _require_manager(actor)
    locked = _lock(campaign)
    errors: dict[str, list[str]] = {}
    if locked.status != Campaign.Status.DRAFT:
        _add(errors, "status", _("Only a draft campaign can be scheduled."))
    if scheduled_at is None:
        _add(errors, "scheduled_at", _("Say when to send the campaign."))
    elif timezone.is_naive(scheduled_at):
        _add(errors, "scheduled_at", _("The date needs a time zone."))
    elif scheduled_at <= timezone.now():
        _add(errors, "scheduled_at", _("Choose a moment in the future, or send the campaign now."))
    _validate_ready(locked, errors)
    if errors:
        raise ValidationError(errors)
    return _transition(
        locked,
        actor=actor,
        allowed=(Campaign.Status.DRAFT,),
        reason="scheduled",
        status=Campaign.Status.SCHEDULED,
        scheduled_at=scheduled_at,
    )


@transaction.atomic
def campaign_send_now(*, actor: User | None, campaign: Campaign) -> Campaign:
    """draft → scheduled at this moment, and the dispatch is enqueued once this commits."""
    actor = _require_manager(actor)
    locked = _lock(campaign)
    errors: dict[str, list[str]] = {}
    if locked.status != Campaign.Status.DRAFT:
        _add(errors, "status", _("Only a draft campaign can be sent."))
    _validate_ready(locked, errors)
    if errors:
        raise ValidationError(errors)
    _transition(
        locked,
        actor=actor,
        allowed=(Campaign.Status.DRAFT,),
        reason="sent now",
        status=Campaign.Status.SCHEDULED,
        scheduled_at=timezone.now(),
    )
    outbox.campaign_dispatch_soon(campaign_id=locked.pk)
    return locked


@transaction.atomic
def campaign_unschedule(*, actor: User | None, campaign: Campaign) -> Campaign:
    """scheduled → draft (to edit it); refused once the dispatcher has started."""
    actor = _require_manager(actor)
    return _transition(
        campaign,
        actor=actor,
        allowed=(Campaign.Status.SCHEDULED,),
        reason="unscheduled",
        status=Campaign.Status.DRAFT,
        scheduled_at=None,
    )


@transaction.atomic
def campaign_cancel(*, actor: User | None, campaign: Campaign) -> int:
    """draft / scheduled / sending → cancelled; what is still queued is not sent. Returns the
    number of messages stopped (those already handed to the provider cannot be called back)."""
    actor = _require_manager(actor)
    _transition(
        campaign,
        actor=actor,
        allowed=(Campaign.Status.DRAFT, Campaign.Status.SCHEDULED, Campaign.Status.SENDING),
        reason="cancelled",
        status=Campaign.Status.CANCELLED,
        cancelled_at=timezone.now(),
    )
    return outbox.messages_cancel_queued(campaign_id=campaign.pk)


# --- Test send ----------------------------------------------------------------------------------


def campaign_send_test(*, actor: User | None, campaign: Campaign, language: str, address: str) -> None:
    """Send the content of one language to one address now (the actor's own email, or a phone
    they type for SMS and WhatsApp), without a message row and whatever the status."""
    actor = _require_manager(actor)
    errors: dict[str, list[str]] = {}
    address = (address or "").strip()
    if campaign.channel == Campaign.Channel.PORTAL:
        raise ValidationError(_("A portal announcement has no test send: its page shows how it reads."))
    if language not in LANGUAGE_CODES:
        _add(errors, "language", _("Choose one of the four languages."))
    elif not CampaignContent.objects.filter(campaign=campaign, language=language).exists():
        _add(errors, "language", _("The campaign has no content in this language yet."))
    if campaign.channel == Campaign.Channel.EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            _add(errors, "address", _("Your account has no valid email address to send the test to."))
        address = address.lower()
    else:
        address = re.sub(r"[\s().-]", "", address)
        if not E164.match(address):
            _add(errors, "address", _("Write the phone number in international form, e.g. +51987654321."))
    if errors:
        raise ValidationError(errors)
    outbox.campaign_test_send(campaign=campaign, language=language, address=address)


# --- Portal announcements -------------------------------------------------------------------------


def announcement_mark_read(*, user: User, campaign: Campaign) -> None:
    """The portal user opened the announcement. Idempotent: reading it twice, or in two tabs at
    once, keeps the first read (the unique constraint decides, no error)."""
    AnnouncementRead.objects.bulk_create([AnnouncementRead(campaign=campaign, user=user)], ignore_conflicts=True)
