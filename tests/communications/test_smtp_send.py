"""The campaign's own SMTP exchange (communications.providers.email.smtp_send) against a real
SMTP server started here (aiosmtpd): messages arrive whole (a line starting with a dot too),
MAIL, RCPT and DATA go in one write when the server offers PIPELINING and one by one when it
does not, a refused recipient is that message's result and the session goes on with the next,
and a temporary refusal is a retry."""

from __future__ import annotations

import base64
import smtplib
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from communications.providers import Outgoing, ProviderUnavailable
from communications.providers.email import EmailProvider


class Handler:
    def __init__(self, *, pipelining: bool) -> None:
        self.pipelining = pipelining
        self.refuse_recipients: dict[str, str] = {}
        self.refuse_sender = ""
        self.refuse_data = ""
        self.received: list[tuple[str, tuple[str, ...], bytes]] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_recipients:
            return self.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        self.received.append((envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 Queued"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=[False, True], ids=["one-by-one", "pipelining"])
def server(request, settings) -> Iterator[Handler]:
    handler = Handler(pipelining=request.param)
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.DEFAULT_FROM_EMAIL = "CLAC <comunicaciones@clac.example.org>"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        yield handler
    finally:
        controller.stop()


def message(key: int, address: str, text: str = "La asamblea es el lunes.") -> Outgoing:
    return Outgoing(key=key, address=address, language="es", subject="Asamblea", text=text, html="<p>Hola</p>")


@pytest.fixture
def writes(monkeypatch) -> list[bytes]:
    """What the client hands to the socket, write by write."""
    sent: list[bytes] = []
    original = smtplib.SMTP.send

    def spy(self, data):  # type: ignore[no-untyped-def]
        sent.append(data.encode() if isinstance(data, str) else data)
        return original(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", spy)
    return sent


def test_messages_arrive_whole_with_the_envelope_and_one_write_per_message_when_pipelining(server, writes):
    text = "Orden del día:\n.punto que empieza con un punto\n..y otro"
    results = list(
        EmailProvider().send_batch([message(1, "ana@coop.example.org", text), message(2, "luis@coop.example.org")])
    )

    assert [(r.key, r.ok) for r in results] == [(1, True), (2, True)]
    assert [(sender, to) for sender, to, _ in server.received] == [
        ("comunicaciones@clac.example.org", ("ana@coop.example.org",)),
        ("comunicaciones@clac.example.org", ("luis@coop.example.org",)),
    ]
    body = server.received[0][2]
    assert b"Content-Language: es" in body and b"Subject: Asamblea" in body
    encoded = body.split(b"Content-Type: text/plain", 1)[1].split(b"\r\n\r\n", 1)[1].split(b"--", 1)[0]
    assert base64.b64decode(encoded).decode() == text
    envelopes = [w for w in writes if w.startswith(b"MAIL FROM:")]
    assert len(envelopes) == 2
    if server.pipelining:  # MAIL, RCPT and DATA in one write
        assert all(b"\r\nRCPT TO:<" in w and w.endswith(b"DATA\r\n") for w in envelopes)
    else:
        assert not any(b"RCPT TO" in w for w in envelopes)


def test_a_refused_recipient_is_its_result_and_the_next_message_still_goes(server):
    server.refuse_recipients["nadie@coop.example.org"] = "550 5.1.1 No such user"

    results = list(
        EmailProvider().send_batch([message(1, "nadie@coop.example.org"), message(2, "ana@coop.example.org")])
    )

    assert not results[0].ok and "550" in results[0].error and not results[0].deferred
    assert results[1].ok
    assert [to for _, to, _ in server.received] == [("ana@coop.example.org",)]


def test_data_refused_for_good_is_a_result_and_for_now_a_retry(server):
    server.refuse_data = "554 5.7.1 Rejected as spam"
    (result,) = EmailProvider().send_batch([message(1, "ana@coop.example.org")])
    assert not result.ok and result.error.startswith("554")

    server.refuse_data = "451 4.3.0 Try again later"
    with pytest.raises(ProviderUnavailable):
        list(EmailProvider().send_batch([message(2, "ana@coop.example.org")]))
    assert server.received == []


def test_a_sender_refused_for_now_is_a_retry_and_nothing_is_received(server):
    server.refuse_sender = "451 4.7.1 Slow down"
    with pytest.raises(ProviderUnavailable):
        list(EmailProvider().send_batch([message(1, "ana@coop.example.org")]))
    assert server.received == []


def test_a_recipient_refused_for_now_is_deferred_and_a_closing_server_is_a_retry(server):
    server.refuse_recipients["ocupado@coop.example.org"] = "450 4.2.1 Mailbox busy, try later"
    server.refuse_recipients["cierre@coop.example.org"] = "421 4.3.2 Shutting down"

    busy, fine = EmailProvider().send_batch(
        [message(1, "ocupado@coop.example.org"), message(2, "ana@coop.example.org")]
    )
    assert not busy.ok and busy.deferred and "450" in busy.error
    assert fine.ok
    with pytest.raises(ProviderUnavailable):
        list(EmailProvider().send_batch([message(3, "cierre@coop.example.org")]))
