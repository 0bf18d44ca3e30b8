"""A local SMTP server that keeps what it receives (aiosmtpd), for the outbox's integration
tests and the campaign sending benchmark: the "real SMTP server" messages are delivered to.

It records each accepted message's Message-ID, recipients, Content-Language and subject (or only
counts them, for the benchmark), and can be told to hold the n-th message before accepting it:
a test kills the sending worker while the sink holds a message, so the kill lands at a known
point of the send (that message is then not accepted: the SMTP client died before the reply)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    message_id: str
    to: tuple[str, ...]
    language: str
    subject: str


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope) -> str:
        sink = self.sink
        with sink.lock:
            hold = sink.hold_at is not None and sink.accepted >= sink.hold_at
        if hold:
            sink.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, sink.release.wait, 60)
            return "451 4.3.0 Held by the test; try again later"
        content = envelope.original_content or envelope.content
        if sink.keep_details:
            headers = BytesHeaderParser(policy=default_policy).parsebytes(content)
            record = Received(
                message_id=str(headers.get("Message-ID", "")),
                to=tuple(envelope.rcpt_tos),
                language=str(headers.get("Content-Language", "")),
                subject=str(headers.get("Subject", "")),
            )
        with sink.lock:
            sink.accepted += 1
            if sink.keep_details:
                sink.received.append(record)
            sink.last_at = time.monotonic()
        return "250 2.0.0 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    def __init__(self, *, keep_details: bool = True) -> None:
        self.keep_details = keep_details
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.accepted = 0
        self.last_at = 0.0
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.port = free_port()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, data_size_limit=0)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._controller.stop()

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.accepted = 0
            self.hold_at = None
        self.holding.clear()
        self.release.clear()

    def hold(self, *, after: int) -> None:
        """Hold the message that comes after `after` accepted ones (until release.set())."""
        with self.lock:
            self.hold_at = after

    def message_id_counts(self) -> Counter[str]:
        with self.lock:
            return Counter(record.message_id for record in self.received)
