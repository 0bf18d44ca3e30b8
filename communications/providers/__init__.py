"""Providers: how a message leaves the platform, one small interface per channel.

`provider_for(channel).send_batch(messages)` opens one connection (an SMTP session, an HTTP
session) for the whole batch and yields one `SendResult` per message, in order, as soon as the
provider has answered for it: the caller records each result before the next message goes
out, so a worker that dies mid-batch knows exactly what was sent. A failure of the provider
itself (connection refused, timeout, 5xx) raises `ProviderUnavailable`: the sending task
retries later with what is left; a failure of one message (an address refused) is a result.

Settings choose the provider: email through Django's mailers (SMTP, or any ESP behind
django-anymail: OUTBOX_EMAIL_MAILER); SMS and WhatsApp through OUTBOX_SMS_PROVIDER and
OUTBOX_WHATSAPP_PROVIDER ("console" or "twilio")."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Outgoing:
    """One message ready to go: `key` is the outbox Message's id (None for a test send)."""

    key: int | None
    address: str
    language: str
    subject: str
    text: str
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    key: int | None
    ok: bool
    provider_id: str = ""
    error: str = ""
    # Set when the address cannot receive this channel at all (e.g. a landline for SMS): the
    # message is recorded as suppressed with this Message.SkipReason instead of failed.
    skip_reason: str = ""
    # The provider refused this one message for now (an SMTP 4xx to the recipient: greylisting,
    # a full mailbox): it stays queued and is tried again later; the batch goes on.
    deferred: bool = False


class ProviderUnavailable(Exception):
    """The provider could not be reached or refused for now: try the rest of the batch later."""


class Provider(Protocol):
    channel: str

    def send_batch(self, messages: Iterable[Outgoing]) -> Iterator[SendResult]: ...


def provider_for(channel: str) -> Provider:
    """The provider that settings choose for `channel` ("email", "sms", "whatsapp")."""
    from communications.providers.email import EmailProvider
    from communications.providers.phone import ConsolePhoneProvider, TwilioProvider

    if channel == "email":
        return EmailProvider(mailer=settings.OUTBOX_EMAIL_MAILER)
    if channel in ("sms", "whatsapp"):
        name = settings.OUTBOX_SMS_PROVIDER if channel == "sms" else settings.OUTBOX_WHATSAPP_PROVIDER
        if name == "console":
            return ConsolePhoneProvider(channel=channel)
        if name == "twilio":
            return TwilioProvider(channel=channel)
        raise ImproperlyConfigured(f"Unknown provider {name!r} for {channel} (console or twilio).")
    raise ImproperlyConfigured(f"No provider sends the {channel!r} channel.")
