"""Email through Django's mailers: SMTP, or any ESP behind django-anymail (settings choose).

ESP backends get Django EmailMultiAlternatives objects (anymail turns them into API calls). The
SMTP backend gets the same message as MIME written here from the message's parts: Python's
email package (which EmailMessage.message() uses) costs several milliseconds per message,
more than the whole send, so a campaign message is written directly (multipart/alternative,
the text and HTML parts in base64, the subject and sender encoded once per batch) and handed to
the SMTP session that Django's backend opened (its host, port, TLS and login from MAILERS)."""

import base64
import contextlib
import functools
import re
import smtplib
import uuid
from collections.abc import Iterable, Iterator
from email import policy
from email.utils import formatdate, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

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
        direct = isinstance(connection, SmtpBackend) and connection.connection is not None
        try:
            for message in messages:
                raw = mime_bytes(message) if direct else None
                if raw is None:
                    yield self._send_one(connection, message)
                else:
                    yield self._send_raw(connection, message, raw)
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):  # the session is gone already
                connection.close()

    def _send_raw(self, connection, message: Outgoing, raw: bytes) -> SendResult:
        return self._send_one(connection, message, raw=raw)

    def _send_one(self, connection, message: Outgoing, raw: bytes | None = None) -> SendResult:
        email = self.build(message) if raw is None else None
        try:
            if raw is None:
                connection.send_messages([email])
            else:
                smtp_send(connection.connection, _envelope_sender(settings.DEFAULT_FROM_EMAIL), message.address, raw)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _reply in error.recipients.values()]
            # A temporary refusal of this recipient (4xx but 421, the server closing): later.
            deferred = bool(codes) and all(400 <= code < 500 and code != 421 for code in codes)
            return SendResult(message.key, ok=False, error=_short(error.recipients), deferred=deferred)
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
        provider_id = getattr(status, "message_id", None) or message.headers.get("Message-ID", "")
        return SendResult(message.key, ok=True, provider_id=str(provider_id or ""))


def _short(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    return str(value)[:480]


# --- MIME written directly (SMTP) --------------------------------------------------------------

# No base64 line contains "-" or "_", so this can never occur inside a part.
_BOUNDARY = f"==_clac_{uuid.uuid4().hex}_=="
_CRLF = b"\r\n"


@functools.lru_cache(maxsize=64)
def _header(name: str, value: str) -> bytes:
    """One header, encoded and folded as Python's email package does (RFC 2047 when needed)."""
    return policy.SMTP.fold_binary(name, policy.SMTP.header_factory(name, value))


@functools.lru_cache(maxsize=4)
def _envelope_sender(from_email: str) -> str:
    return parseaddr(from_email)[1]


_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")


def smtp_send(smtp: smtplib.SMTP, sender: str, recipient: str, raw: bytes) -> None:
    """What smtplib's sendmail() does for one ASCII sender and recipient and a message written
    with CRLF line ends, raising the same exceptions, without parsing both addresses again
    for every message (sendmail's quoteaddr costs more than the rest of the exchange) and, when
    the server offers PIPELINING (RFC 2920), sending MAIL, RCPT and DATA in one write: one round
    trip instead of three before the message, which is what bounds a campaign's rate when the
    relay is not on the same machine."""
    smtp.ehlo_or_helo_if_needed()
    esmtp = bool(smtp.does_esmtp)
    size = f" SIZE={len(raw)}" if esmtp and smtp.has_extn("size") else ""
    commands = (f"MAIL FROM:<{sender}>{size}\r\n", f"RCPT TO:<{recipient}>\r\n", "DATA\r\n")
    expected = ((250,), (250, 251), (354,))
    replies: list[tuple[int, bytes]] = []
    if esmtp and smtp.has_extn("pipelining"):
        smtp.send("".join(commands))
        replies = [smtp.getreply() for _ in commands]
    else:
        for command, codes in zip(commands, expected, strict=True):
            smtp.send(command)
            replies.append(smtp.getreply())
            if replies[-1][0] not in codes:
                break
    (mail_code, mail_reply), *rest = replies
    if mail_code != 250:
        if len(replies) == 3 and replies[2][0] == 354:  # pipelined: the server waits for a body
            _data_abort(smtp)
        _reset(smtp, mail_code)
        raise smtplib.SMTPSenderRefused(mail_code, mail_reply, sender)
    rcpt_code, rcpt_reply = rest[0]
    if rcpt_code not in (250, 251):
        if len(replies) == 3 and replies[2][0] == 354:
            _data_abort(smtp)
        _reset(smtp, rcpt_code)
        if rcpt_code == 421:  # the server is closing the session: the provider, not this address
            raise smtplib.SMTPServerDisconnected(f"421 {_short(rcpt_reply)}")
        raise smtplib.SMTPRecipientsRefused({recipient: (rcpt_code, rcpt_reply)})
    data_code, data_reply = rest[1]
    if data_code != 354:
        _reset(smtp, data_code)
        raise smtplib.SMTPDataError(data_code, data_reply)
    body = _DOT_AT_LINE_START.sub(b"..", raw)
    if not body.endswith(_CRLF):
        body += _CRLF
    smtp.send(body + b"." + _CRLF)
    code, reply = smtp.getreply()
    if code != 250:
        _reset(smtp, code)
        raise smtplib.SMTPDataError(code, reply)


def _data_abort(smtp: smtplib.SMTP) -> None:
    """End a DATA the server accepted after a refused MAIL or RCPT with an empty message (RFC
    2920 §3.1); its reply says nothing about ours."""
    smtp.send(b"." + _CRLF)
    smtp.getreply()


def _reset(smtp: smtplib.SMTP, code: int) -> None:
    """RSET after a refusal, as sendmail() does; a 421 (the server is closing) ends the session."""
    if code == 421:
        smtp.close()
    else:
        with contextlib.suppress(smtplib.SMTPServerDisconnected):
            smtp.rset()


def _part(content_type: str, text: str) -> bytes:
    encoded = base64.encodebytes(text.encode("utf-8")).replace(b"\n", _CRLF)
    return (
        f'--{_BOUNDARY}\r\nContent-Type: {content_type}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    ).encode() + encoded


def mime_bytes(message: Outgoing) -> bytes | None:
    """The message as MIME, or None when it needs the email package (a non-ASCII address or
    header value other than the subject and sender)."""
    if not message.address.isascii() or "\n" in message.address or "\r" in message.address:
        return None
    extra = {"Content-Language": message.language, **message.headers}
    if not all(str(value).isascii() and "\n" not in str(value) and "\r" not in str(value) for value in extra.values()):
        return None
    lines = [
        _header("From", settings.DEFAULT_FROM_EMAIL),
        f"To: {message.address}\r\n".encode(),
        _header("Subject", message.subject),
        f"Date: {formatdate()}\r\n".encode(),
        *(f"{name}: {value}\r\n".encode() for name, value in extra.items()),
        b"MIME-Version: 1.0\r\n",
    ]
    if message.html:
        lines.append(f'Content-Type: multipart/alternative; boundary="{_BOUNDARY}"\r\n\r\n'.encode())
        lines.append(_part("text/plain", message.text))
        lines.append(_part("text/html", message.html))
        lines.append(f"--{_BOUNDARY}--\r\n".encode())
    else:
        lines.append(b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n')
        lines.append(base64.encodebytes(message.text.encode("utf-8")).replace(b"\n", _CRLF))
    return b"".join(lines)
