"""Email through Django's mailers: SMTP, or any ESP behind django-anymail (settings choose)."""

import contextlib
import smtplib
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers

from communications.providers import Outgoing, ProviderUnavailable, SendResult

try:  # anymail is installed; its errors are told apart from SMTP's
    from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
except ImportError:  # pragma: no cover
    AnymailAPIError = AnymailRecipientsRefused = None


def _is_permanent(error: smtplib.SMTPResponseException) -> bool:
    return 500 <= error.smtp_code < 600


class EmailProvider:
    channel = "email"

    def __init__(self, *, mailer: str = "default") -> None:
        self.mailer = mailer

    def build(self, message: Outgoing) -> EmailMultiAlternatives:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            headers={"Content-Language": message.language, **message.headers},
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        return email

    def send_batch(self, messages: Iterable[Outgoing]) -> Iterator[SendResult]:
        connection = mailers[self.mailer]
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as error:
            raise ProviderUnavailable(f"Cannot open the mail connection: {error}") from error
        try:
            for message in messages:
                yield self._send_one(connection, message)
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):  # the session is gone already
                connection.close()

    def _send_one(self, connection, message: Outgoing) -> SendResult:
        email = self.build(message)
        try:
            connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            return SendResult(message.key, ok=False, error=_short(error.recipients))
        except smtplib.SMTPResponseException as error:
            if _is_permanent(error):
                return SendResult(message.key, ok=False, error=f"{error.smtp_code} {_short(error.smtp_error)}")
            raise ProviderUnavailable(f"{error.smtp_code} {_short(error.smtp_error)}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise ProviderUnavailable(str(error)) from error
        except Exception as error:
            if AnymailRecipientsRefused is not None and isinstance(error, AnymailRecipientsRefused):
                return SendResult(message.key, ok=False, error=_short(str(error)))
            if AnymailAPIError is not None and isinstance(error, AnymailAPIError):
                status = getattr(error, "status_code", None) or 500
                if 400 <= status < 500 and status != 429:
                    return SendResult(message.key, ok=False, error=_short(str(error)))
                raise ProviderUnavailable(_short(str(error))) from error
            raise
        status = getattr(email, "anymail_status", None)
        provider_id = getattr(status, "message_id", None) or email.extra_headers.get("Message-ID", "")
        return SendResult(message.key, ok=True, provider_id=str(provider_id or ""))


def _short(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    return str(value)[:480]
