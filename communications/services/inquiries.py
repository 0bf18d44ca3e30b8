"""Writes of the inquiries area: the public contact form's submission (and its spam
defences), the acknowledgement e-mail, and what staff do with an inquiry — assign, reply by
e-mail, add an internal note, close, reopen — plus the retention that erases the personal
data of inquiries closed long ago.

`<entity>_<action>(*, actor, ...)`, keyword-only, typed, atomic; every error is reported at
once as a ValidationError dict. Every change adds an entry to the inquiry's thread (who,
when, what), which is its audit trail. Who may act: communications.selectors.inquiries
.INQUIRY_HANDLERS (administrators and the communications team); others get PermissionDenied.

E-mails (acknowledgement, replies) are sent by Celery tasks enqueued after commit
(communications.tasks); each is claimed by a conditional update before it is sent, so a task
delivered twice sends nothing twice."""

import datetime
import hashlib
import logging
import time
from typing import Any

from celery import current_app as celery_app
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries

from clac.auth.security_log import security_event
from clac.models import SecurityEvent, User
from clac.roles import user_has_any_role
from communications.models import Inquiry, InquiryMessage
from communications.selectors.inquiries import INQUIRY_HANDLERS, inquiry_assignee_ids

__all__ = [
    "CONSENT_VERSION",
    "ContactGuard",
    "contact_form_token",
    "contact_form_token_check",
    "inquiries_anonymize_expired",
    "inquiries_relay_unsent",
    "inquiry_acknowledge",
    "inquiry_assign",
    "inquiry_close",
    "inquiry_note_add",
    "inquiry_reopen",
    "inquiry_reply",
    "inquiry_reply_retry",
    "inquiry_reply_send",
    "inquiry_submit",
]

logger = logging.getLogger(__name__)

# The consent text shown on the form (templates/contact/form.html, the form's label) has this
# version; change it with the text, so each inquiry records which text its sender agreed to.
CONSENT_VERSION = "2026-11"
TOKEN_SALT = "communications.contact-form"  # noqa: S105 (a signing namespace, not a secret)
ACKNOWLEDGE_TASK = "communications.tasks.inquiry_acknowledge_task"
REPLY_TASK = "communications.tasks.inquiry_reply_send_task"
# Unsent e-mails older than this are handed to the broker again by the relay (their own
# on-commit send is no longer on its way).
RELAY_GRACE = datetime.timedelta(minutes=2)
ERASED = "—"


def _setting(name: str, default: int) -> int:
    # Defaults live here so the app works before the site names them (clac/settings/base.py).
    return int(getattr(settings, name, default))


def message_max_length() -> int:
    return _setting("CONTACT_MESSAGE_MAX_LENGTH", 5000)


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _require_handler(actor: User | None) -> User:
    if actor is None or not user_has_any_role(actor, INQUIRY_HANDLERS):
        raise PermissionDenied(_("Only the communications team and administrators handle inquiries."))
    return actor


# --- Spam defences --------------------------------------------------------------------------


def contact_form_token(*, issued_at: float | None = None) -> str:
    """A signed timestamp put in the form when it is shown: the form cannot be sent sooner
    than CONTACT_MIN_FILL_SECONDS after (bots post at once) nor much later (replayed forms)."""
    return signing.dumps({"t": int(issued_at if issued_at is not None else time.time())}, salt=TOKEN_SALT)


def contact_form_token_check(token: str, *, now: float | None = None) -> str:
    """ "" when the token is good; "too_fast", "expired" or "invalid" otherwise."""
    now = now if now is not None else time.time()
    try:
        issued = int(signing.loads(token or "", salt=TOKEN_SALT)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return "invalid"
    if now - issued < _setting("CONTACT_MIN_FILL_SECONDS", 3):
        return "too_fast"
    if now - issued > _setting("CONTACT_MAX_FORM_AGE_HOURS", 24) * 3600:
        return "expired"
    return ""


class ContactGuard:
    """The contact form's rate limits, counted in the cache (Redis in production, shared by
    every web process): at most CONTACT_RATE_PER_IP submissions from one address and
    CONTACT_RATE_PER_EMAIL from one e-mail address per CONTACT_RATE_WINDOW_MINUTES. Refusals
    and spam are written to the security log once per address and window, so a flood cannot
    flood the log too."""

    def __init__(self, *, ip: str | None, email: str = "") -> None:
        self.ip = ip or "unknown"
        # Hashed: cache keys carry no personal data (and no characters memcached refuses).
        address = (email or "").strip().lower()
        self.email = hashlib.sha256(address.encode()).hexdigest()[:32] if address else ""
        self.window = _setting("CONTACT_RATE_WINDOW_MINUTES", 60) * 60
        self.bucket = int(time.time() // self.window)

    def _key(self, what: str, value: str) -> str:
        return f"contact:{what}:{value}:{self.bucket}"

    def _count(self, what: str, value: str) -> int:
        return int(cache.get(self._key(what, value), 0))

    def _hit(self, what: str, value: str) -> None:
        key = self._key(what, value)
        # add() then incr(): atomic in Redis, so concurrent posts are all counted.
        cache.add(key, 0, self.window)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, self.window)

    def limited(self) -> bool:
        """Whether this address or e-mail already sent as much as the window allows."""
        if self._count("ip", self.ip) >= _setting("CONTACT_RATE_PER_IP", 5):
            return True
        return bool(self.email) and self._count("email", self.email) >= _setting("CONTACT_RATE_PER_EMAIL", 3)

    def record(self) -> None:
        """Count one submission (accepted, or spam caught by the honeypot)."""
        self._hit("ip", self.ip)
        if self.email:
            self._hit("email", self.email)

    def log_once(self, reason: str) -> None:
        if cache.add(self._key("logged-" + reason.replace(" ", "-"), self.ip), 1, self.window):
            security_event(SecurityEvent.Kind.THROTTLED, detail=f"contact form: {reason}")


# --- Submission and acknowledgement ---------------------------------------------------------


@transaction.atomic
def inquiry_submit(
    *,
    category: str,
    language: str,
    name: str,
    email: str,
    message: str,
    consent: bool,
    organization: str = "",
    country: str = "",
    phone: str = "",
) -> Inquiry:
    """Record a question from the public contact form and, once committed, acknowledge it to
    the sender in their language. The sender must agree to CLAC processing their data."""
    errors: dict[str, list[str]] = {}
    name, email, message = (name or "").strip(), (email or "").strip(), (message or "").strip()
    organization, phone = (organization or "").strip(), (phone or "").strip()
    if category not in Inquiry.Category.values:
        _add(errors, "category", _("Choose what your question is about."))
    if language not in dict(settings.LANGUAGES):
        _add(errors, "language", _("Choose one of the languages offered."))
    if not name:
        _add(errors, "name", _("Tell us your name."))
    elif len(name) > 150:
        _add(errors, "name", _("Keep your name under 150 characters."))
    try:
        validate_email(email)
    except ValidationError:
        _add(errors, "email", _("Give an e-mail address we can answer to."))
    if not message:
        _add(errors, "message", _("Write your message."))
    elif len(message) > message_max_length():
        _add(
            errors,
            "message",
            _("Keep your message under %(limit)s characters (it has %(length)s).")
            % {"limit": message_max_length(), "length": len(message)},
        )
    if len(organization) > 200:
        _add(errors, "organization", _("Keep the organization's name under 200 characters."))
    if len(phone) > 40:
        _add(errors, "phone", _("Keep the phone number under 40 characters."))
    if country and country not in dict(countries):
        _add(errors, "country", _("Choose a country from the list."))
    if not consent:
        _add(errors, "consent", _("We can only answer if you agree that we keep your details for this."))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    inquiry = Inquiry.objects.create(
        category=category,
        language=language,
        name=name,
        organization=organization,
        country=country or "",
        email=email,
        phone=phone,
        received_at=now,
        consent_version=CONSENT_VERSION,
        consent_given_at=now,
    )
    InquiryMessage.objects.create(inquiry=inquiry, kind=InquiryMessage.Kind.INCOMING, body=message, created_at=now)
    _enqueue_after_commit(ACKNOWLEDGE_TASK, inquiry.pk)
    return inquiry


def _enqueue_after_commit(task_name: str, pk: int) -> None:
    """Hand the e-mail's task to the broker once the transaction commits. Looked up by name in
    Celery's registry (communications.tasks imports this module, not the reverse). A broker
    that cannot be reached loses nothing: the row stays unsent and the relay
    (inquiries_relay_unsent, every few minutes) sends it later."""

    def send() -> None:
        try:
            celery_app.tasks[task_name].delay(pk)
        except Exception:
            logger.warning("Could not enqueue %s(%s); the relay will send it later.", task_name, pk, exc_info=True)

    transaction.on_commit(send)


def _send(*, inquiry: Inquiry, subject: str, body: str) -> None:
    EmailMessage(subject=subject, body=body, to=[inquiry.email]).send()


def inquiry_acknowledge(*, inquiry_id: int) -> bool:
    """E-mail the sender that their message arrived, in their language. Claimed first (a
    conditional update), so two deliveries of the task send one e-mail; a failed send
    releases the claim and says why on the inquiry, for a retry. Returns whether it sent."""
    now = timezone.now()
    claimed = Inquiry.objects.filter(pk=inquiry_id, acknowledged_at__isnull=True, anonymized_at__isnull=True).update(
        acknowledged_at=now, acknowledgement_error=""
    )
    if not claimed:
        return False
    inquiry = Inquiry.objects.get(pk=inquiry_id)
    with translation.override(inquiry.language):
        subject = _("We received your message (reference %(reference)s)") % {"reference": inquiry.pk}
        body = render_to_string("communications/inquiries/email/acknowledgement.txt", {"inquiry": inquiry})
    try:
        _send(inquiry=inquiry, subject=subject, body=body)
    except Exception as exc:
        Inquiry.objects.filter(pk=inquiry_id, acknowledged_at=now).update(
            acknowledged_at=None, acknowledgement_error=str(exc)[:300] or type(exc).__name__
        )
        raise
    return True


# --- Staff: assign, reply, note, close, reopen ----------------------------------------------


def _lock(inquiry: Inquiry) -> Inquiry:
    return Inquiry.objects.select_for_update(of=("self",)).get(pk=inquiry.pk)


def _event(inquiry: Inquiry, *, actor: User, status_to: str = "", assignee: User | None = None, body: str = "") -> None:
    InquiryMessage.objects.create(
        inquiry=inquiry, kind=InquiryMessage.Kind.EVENT, author=actor, status_to=status_to, assignee=assignee, body=body
    )


def _text(text: str, field: str, errors: dict[str, list[str]], *, required: str, limit: int = 10_000) -> str:
    text = (text or "").strip()
    if not text:
        _add(errors, field, required)
    elif len(text) > limit:
        _add(errors, field, _("Keep the text under %(limit)s characters.") % {"limit": limit})
    return text


@transaction.atomic
def inquiry_assign(*, actor: User | None, inquiry: Inquiry, assignee: User | None) -> Inquiry:
    """Give the inquiry to a member of the communications team or an administrator (oneself
    included). A new inquiry becomes assigned; an answered one keeps its status."""
    actor = _require_handler(actor)
    locked = _lock(inquiry)
    errors: dict[str, list[str]] = {}
    if locked.status == Inquiry.Status.CLOSED:
        _add(errors, "assignee", _("This inquiry is closed; reopen it first."))
    if assignee is None or assignee.pk not in inquiry_assignee_ids():
        _add(errors, "assignee", _("Choose an active member of the communications team or an administrator."))
    if errors:
        raise ValidationError(errors)
    assert assignee is not None
    if locked.assignee_id == assignee.pk:
        return locked
    locked.assignee = assignee
    if locked.status == Inquiry.Status.NEW:
        locked.status = Inquiry.Status.ASSIGNED
    locked.save(update_fields=["assignee", "status", "updated_at"])
    _event(locked, actor=actor, status_to=locked.status, assignee=assignee)
    return locked


@transaction.atomic
def inquiry_reply(*, actor: User | None, inquiry: Inquiry, body: str) -> InquiryMessage:
    """Answer the sender by e-mail (sent after commit, in the inquiry's language); the reply
    joins the thread and the inquiry becomes answered. A closed inquiry is reopened first."""
    actor = _require_handler(actor)
    locked = _lock(inquiry)
    errors: dict[str, list[str]] = {}
    if locked.status == Inquiry.Status.CLOSED:
        _add(errors, "body", _("This inquiry is closed; reopen it first."))
    if locked.anonymized_at is not None:
        _add(errors, "body", _("The sender's details were erased: this inquiry can no longer be answered."))
    body = _text(body, "body", errors, required=_("Write the reply."))
    if errors:
        raise ValidationError(errors)
    reply = InquiryMessage.objects.create(
        inquiry=locked, kind=InquiryMessage.Kind.REPLY, author=actor, body=body, delivery=InquiryMessage.Delivery.QUEUED
    )
    if locked.assignee_id is None:
        locked.assignee = actor
    locked.status = Inquiry.Status.ANSWERED
    locked.save(update_fields=["status", "assignee", "updated_at"])
    _enqueue_after_commit(REPLY_TASK, reply.pk)
    return reply


def inquiry_reply_send(*, message_id: int) -> bool:
    """E-mail a queued reply to the sender. Claimed queued → sending first, so a task
    delivered twice sends it once; the outcome (sent, or failed with the reason) shows in the
    thread. Returns whether it was sent."""
    claimed = InquiryMessage.objects.filter(
        pk=message_id, kind=InquiryMessage.Kind.REPLY, delivery=InquiryMessage.Delivery.QUEUED
    ).update(delivery=InquiryMessage.Delivery.SENDING)
    if not claimed:
        return False
    reply = InquiryMessage.objects.select_related("inquiry", "author").get(pk=message_id)
    inquiry = reply.inquiry
    with translation.override(inquiry.language):
        subject = _("Re: your message to CLAC (reference %(reference)s)") % {"reference": inquiry.pk}
        original = inquiry.messages.filter(kind=InquiryMessage.Kind.INCOMING).order_by("created_at", "id").first()
        text = render_to_string(
            "communications/inquiries/email/reply.txt", {"inquiry": inquiry, "reply": reply, "original": original}
        )
    try:
        _send(inquiry=inquiry, subject=subject, body=text)
    except Exception as exc:
        logger.warning("Reply %s to inquiry %s could not be sent: %s", reply.pk, inquiry.pk, exc)
        InquiryMessage.objects.filter(pk=message_id).update(
            delivery=InquiryMessage.Delivery.FAILED, delivery_error=str(exc)[:300] or type(exc).__name__
        )
        return False
    InquiryMessage.objects.filter(pk=message_id).update(
        delivery=InquiryMessage.Delivery.SENT, sent_at=timezone.now(), delivery_error=""
    )
    return True


@transaction.atomic
def inquiry_reply_retry(*, actor: User | None, message: InquiryMessage) -> InquiryMessage:
    """Send a failed reply again (after the mail server came back)."""
    actor = _require_handler(actor)
    requeued = InquiryMessage.objects.filter(
        pk=message.pk, kind=InquiryMessage.Kind.REPLY, delivery=InquiryMessage.Delivery.FAILED
    ).update(delivery=InquiryMessage.Delivery.QUEUED, delivery_error="")
    if not requeued:
        raise ValidationError({"message": _("Only a reply that failed can be sent again.")})
    _enqueue_after_commit(REPLY_TASK, message.pk)
    return InquiryMessage.objects.get(pk=message.pk)


@transaction.atomic
def inquiry_note_add(*, actor: User | None, inquiry: Inquiry, body: str) -> InquiryMessage:
    """An internal note (never sent to the sender)."""
    actor = _require_handler(actor)
    errors: dict[str, list[str]] = {}
    body = _text(body, "body", errors, required=_("Write the note."))
    if errors:
        raise ValidationError(errors)
    locked = _lock(inquiry)
    note = InquiryMessage.objects.create(inquiry=locked, kind=InquiryMessage.Kind.NOTE, author=actor, body=body)
    locked.save(update_fields=["updated_at"])
    return note


@transaction.atomic
def inquiry_close(*, actor: User | None, inquiry: Inquiry, note: str = "") -> Inquiry:
    """Close the inquiry (answered, or needing no answer: say why in the note)."""
    actor = _require_handler(actor)
    locked = _lock(inquiry)
    if locked.status == Inquiry.Status.CLOSED:
        raise ValidationError({"status": _("This inquiry is already closed.")})
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if len(note) > 1000:
        _add(errors, "note", _("Keep the text under %(limit)s characters.") % {"limit": 1000})
    if errors:
        raise ValidationError(errors)
    locked.status = Inquiry.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    _event(locked, actor=actor, status_to=locked.status, body=note)
    return locked


@transaction.atomic
def inquiry_reopen(*, actor: User | None, inquiry: Inquiry) -> Inquiry:
    """Open a closed inquiry again: assigned when it has an assignee, new otherwise."""
    actor = _require_handler(actor)
    locked = _lock(inquiry)
    errors: dict[str, list[str]] = {}
    if locked.status != Inquiry.Status.CLOSED:
        _add(errors, "status", _("Only a closed inquiry can be reopened."))
    if locked.anonymized_at is not None:
        _add(errors, "status", _("The sender's details were erased: this inquiry can no longer be reopened."))
    if errors:
        raise ValidationError(errors)
    locked.status = Inquiry.Status.ASSIGNED if locked.assignee_id is not None else Inquiry.Status.NEW
    locked.closed_at = None
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    _event(locked, actor=actor, status_to=locked.status)
    return locked


def inquiries_relay_unsent(*, now: datetime.datetime | None = None, limit: int = 200) -> int:
    """Enqueue again the acknowledgements and replies still unsent a while after they were
    due (their message lost: broker down at the time): the claims make a duplicate harmless.
    Failed replies wait for staff ("send again"). Returns how many were enqueued."""
    now = now or timezone.now()
    due = now - RELAY_GRACE
    # Not older than two days: an acknowledgement that late would confuse more than help.
    inquiry_ids = list(
        Inquiry.objects.filter(
            acknowledged_at__isnull=True,
            # One that failed is the task's to retry (with backoff), not the relay's every 5 minutes.
            acknowledgement_error="",
            anonymized_at__isnull=True,
            received_at__lt=due,
            received_at__gt=now - datetime.timedelta(days=2),
        ).values_list("pk", flat=True)[:limit]
    )
    reply_ids = list(
        InquiryMessage.objects.filter(
            kind=InquiryMessage.Kind.REPLY, delivery=InquiryMessage.Delivery.QUEUED, created_at__lt=due
        ).values_list("pk", flat=True)[:limit]
    )
    for pk in inquiry_ids:
        celery_app.tasks[ACKNOWLEDGE_TASK].delay(pk)
    for pk in reply_ids:
        celery_app.tasks[REPLY_TASK].delay(pk)
    return len(inquiry_ids) + len(reply_ids)


# --- Retention ------------------------------------------------------------------------------


def retention_days() -> int:
    return _setting("INQUIRY_RETENTION_DAYS", 730)


@transaction.atomic
def inquiries_anonymize_expired(*, now: datetime.datetime | None = None, limit: int = 1000) -> int:
    """Erase the sender's personal data (name, organization, e-mail, phone, and the texts of
    the thread, which quote them) from inquiries closed more than INQUIRY_RETENTION_DAYS
    ago. Category, language, dates, status and who handled it stay, for statistics.
    Idempotent: an erased inquiry is not touched again. Returns how many were erased."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=retention_days())
    ids = list(
        Inquiry.objects.filter(status=Inquiry.Status.CLOSED, closed_at__lt=cutoff, anonymized_at__isnull=True)
        .order_by("closed_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    fields: dict[str, Any] = {
        "name": ERASED,
        "organization": "",
        "email": "",
        "phone": "",
        # A mail server's refusal may quote the address.
        "acknowledgement_error": "",
        "anonymized_at": now,
    }
    Inquiry.objects.filter(pk__in=ids).update(**fields)
    InquiryMessage.objects.filter(inquiry_id__in=ids).filter(~Q(body="") | ~Q(delivery_error="")).update(
        body=Case(When(body="", then=Value("")), default=Value(ERASED)), delivery_error=""
    )
    logger.info("Retention erased the personal data of %d closed inquiries.", len(ids))
    return len(ids)
