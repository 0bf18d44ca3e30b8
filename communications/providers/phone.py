"""SMS and WhatsApp: a console provider for development and Twilio (the same API sends
WhatsApp with the "whatsapp:" prefix). Only mobile numbers are sent to: phonenumbers tells."""

import logging
import sys
import uuid
from collections.abc import Iterable, Iterator

import phonenumbers
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from communications.providers import Outgoing, ProviderUnavailable, SendResult

logger = logging.getLogger(__name__)

MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
# Twilio's error codes that mean the number will never receive this channel.
TWILIO_UNREACHABLE_CODES = {21211, 21214, 21265, 21408, 21612, 21614, 63003}


def is_mobile(address: str) -> bool:
    """Whether `address` (E.164) is a valid mobile number (or one its country does not tell)."""
    try:
        number = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in MOBILE_TYPES


def _not_mobile(message: Outgoing) -> SendResult:
    return SendResult(message.key, ok=False, error="Not a mobile number", skip_reason="not_mobile")


class ConsolePhoneProvider:
    """Writes each message to standard output (development, the demo)."""

    def __init__(self, *, channel: str, stream=None) -> None:
        self.channel = channel
        self.stream = stream

    def send_batch(self, messages: Iterable[Outgoing]) -> Iterator[SendResult]:
        stream = self.stream or sys.stdout
        for message in messages:
            if not is_mobile(message.address):
                yield _not_mobile(message)
                continue
            stream.write(f"--- {self.channel} to {message.address} [{message.language}]\n{message.text}\n")
            stream.flush()
            yield SendResult(message.key, ok=True, provider_id=f"console-{uuid.uuid4().hex}")


class TwilioProvider:
    """Twilio's Messages API; one HTTP session for the batch. Delivery reports come back to
    the status callback (communications.webhooks.twilio_status) at SITE_URL."""

    def __init__(self, *, channel: str, client=None) -> None:
        self.channel = channel
        self._client = client

    def _sender(self) -> str:
        sender = settings.TWILIO_SMS_FROM if self.channel == "sms" else settings.TWILIO_WHATSAPP_FROM
        if not sender:
            raise ImproperlyConfigured(f"Twilio needs TWILIO_{self.channel.upper()}_FROM.")
        return sender if self.channel == "sms" else f"whatsapp:{sender}"

    def client(self):
        if self._client is None:
            from twilio.rest import Client

            if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
                raise ImproperlyConfigured("Twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.")
            self._client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
        return self._client

    def send_batch(self, messages: Iterable[Outgoing]) -> Iterator[SendResult]:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        client = self.client()
        sender = self._sender()
        callback = f"{settings.SITE_URL}{reverse('communications_public:twilio_status')}"
        for message in messages:
            if not is_mobile(message.address):
                yield _not_mobile(message)
                continue
            to = message.address if self.channel == "sms" else f"whatsapp:{message.address}"
            try:
                sent = client.messages.create(to=to, from_=sender, body=message.text, status_callback=callback)
            except TwilioRestException as error:
                if error.status == 429 or error.status >= 500:
                    raise ProviderUnavailable(f"Twilio {error.status}: {error.msg}") from error
                skip = "not_mobile" if error.code in TWILIO_UNREACHABLE_CODES else ""
                yield SendResult(
                    message.key, ok=False, error=f"Twilio {error.code}: {error.msg}"[:480], skip_reason=skip
                )
                continue
            except (TwilioException, OSError) as error:
                raise ProviderUnavailable(f"Twilio: {error}") from error
            yield SendResult(message.key, ok=True, provider_id=sent.sid)
