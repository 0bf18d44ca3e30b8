"""The outbox with real processes: a Celery worker (a separate process, as operators run it)
on the real Redis sends campaigns to a real SMTP server started here (aiosmtpd, bench.smtp_sink).

- A campaign to a few hundred people in four languages: each receives exactly one message, in
  their language.
- The worker killed (-9) in the middle of a batch, another started: every message ends sent
  exactly once, counted at the SMTP server by Message-ID. The sink holds a message before
  accepting it and the test kills the worker then, so the kill lands mid-send every time.
- A transaction that scheduled a campaign and rolled back sends nothing.

This module is also imported by the worker (--include). The test plays the beat: it calls the
sweep that the beat runs every minute in production."""

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from bench.smtp_sink import SmtpSink
from communications.models import Campaign, Message
from communications.services.outbox import campaign_dispatch_soon, message_id_header, outbox_sweep
from tests.clac.conftest import (  # noqa: F401 - fixtures
    celery_over_redis,
    purge_queue,
    redis_url,
    start_celery_worker,
    stop_celery_worker,
    worker_database_url,
)
from tests.communications.outbox_support import LANGUAGES, audience_members, make_campaign

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

RECIPIENTS = 300
BATCH_SIZE = 40
TIMEOUT = 60
SUBJECT_START = {"es": "Asamblea", "en": "Assembly", "pt-br": "Assembleia", "fr": "Assemblée"}


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    try:
        yield server
    finally:
        server.stop()


class Workers:
    def __init__(self, *, database_url: str, broker_url: str, sink: SmtpSink, directory: Path) -> None:
        self.database_url = database_url
        self.redis_url = broker_url
        self.directory = directory
        self.env = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(sink.port),
            "OUTBOX_BATCH_SIZE": str(BATCH_SIZE),
            # Through the Redis token bucket, at a rate that does not slow the test.
            "OUTBOX_RATE_EMAIL": "5000",
        }
        self.current: subprocess.Popen | None = None
        self.started = 0

    def start(self) -> subprocess.Popen:
        self.started += 1
        self.current = start_celery_worker(
            module=__name__,
            database_url=self.database_url,
            redis_url=self.redis_url,
            media_root=self.directory,
            log_path=self.directory / "worker.log",
            extra_env=self.env,
        )
        return self.current

    def ensure(self) -> subprocess.Popen:
        if self.current is None or self.current.poll() is not None:
            return self.start()
        return self.current

    def log(self) -> str:
        path = self.directory / "worker.log"
        return path.read_text()[-6000:] if path.exists() else ""


@pytest.fixture(scope="module")
def workers(worker_database_url: str, redis_url: str, sink: SmtpSink, tmp_path_factory) -> Iterator[Workers]:  # noqa: F811
    purge_queue(redis_url)
    pool = Workers(
        database_url=worker_database_url, broker_url=redis_url, sink=sink, directory=tmp_path_factory.mktemp("outbox")
    )
    try:
        yield pool
    finally:
        if pool.current is not None:
            stop_celery_worker(pool.current)
        purge_queue(redis_url)


@pytest.fixture
def live(workers: Workers, sink: SmtpSink, celery_over_redis, settings) -> Iterator[Workers]:  # noqa: F811
    """A running worker, an empty sink, and this process sending tasks to Redis."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sink.reset()
    workers.ensure()
    yield workers
    sink.release.set()


def wait_until(
    condition: Callable[[], bool], workers: Workers, *, timeout: float = TIMEOUT, beat: bool = False
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    statuses = list(Message.objects.values_list("status").order_by().distinct())
    pytest.fail(f"Not done within {timeout}s. Message statuses: {statuses}\nWorker log:\n{workers.log()}")


def campaign_sent(campaign: Campaign) -> Callable[[], bool]:
    return lambda: Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT


def schedule_now(campaign: Campaign) -> None:
    """What "send now" does: scheduled at now, dispatched once the transaction commits."""
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SCHEDULED, scheduled_at=timezone.now())
        campaign_dispatch_soon(campaign_id=campaign.pk)


def assert_each_received_exactly_once(campaign: Campaign, sink: SmtpSink) -> None:
    messages = list(Message.objects.filter(campaign=campaign).select_related("person"))
    assert len(messages) == RECIPIENTS
    assert {m.status for m in messages} == {Message.Status.SENT}
    counts = sink.message_id_counts()
    expected = {message_id_header(campaign_id=campaign.pk, message_id=m.pk): m for m in messages}
    duplicates = {key: n for key, n in counts.items() if n > 1}
    assert duplicates == {}
    assert set(counts) == set(expected)
    by_id = {record.message_id: record for record in sink.received}
    for key, message in expected.items():
        record = by_id[key]
        assert record.to == (message.person.email,)
        assert record.language == message.person.preferred_language == message.language
        assert record.subject.startswith(SUBJECT_START[message.language])


def test_a_campaign_reaches_each_of_a_few_hundred_people_once_in_their_language(live, sink):
    audience, _ = audience_members(RECIPIENTS, languages=list(LANGUAGES))
    campaign = make_campaign(status=Campaign.Status.DRAFT, audience=audience)

    schedule_now(campaign)

    wait_until(campaign_sent(campaign), live)
    assert_each_received_exactly_once(campaign, sink)
    assert {m.language for m in Message.objects.filter(campaign=campaign)} == set(LANGUAGES)


def test_a_worker_killed_mid_send_and_another_started_sends_every_message_exactly_once(live, sink, settings):
    audience, _ = audience_members(RECIPIENTS, languages=list(LANGUAGES))
    campaign = make_campaign(status=Campaign.Status.DRAFT, audience=audience)
    sink.hold(after=BATCH_SIZE + 15)  # in the middle of the second batch

    schedule_now(campaign)
    assert sink.holding.wait(TIMEOUT), live.log()
    assert live.current is not None
    live.current.send_signal(signal.SIGKILL)
    live.current.wait(10)
    sink.release.set()  # the held message was never accepted: its sender is dead
    sent_before = Message.objects.filter(campaign=campaign, status=Message.Status.SENT).count()
    assert sent_before == BATCH_SIZE + 15
    with sink.lock:
        sink.hold_at = None

    # The beat, once the dead worker's claim has expired (and before the messages nobody
    # claimed yet count as lost): the dead task's unsent messages go to one new task.
    claimed_by_dead = set(
        Message.objects.filter(campaign=campaign, status=Message.Status.QUEUED)
        .exclude(claim_token="")
        .values_list("pk", flat=True)
    )
    assert len(claimed_by_dead) == BATCH_SIZE - 15
    assert outbox_sweep(now=timezone.now() + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS + 60)) == 1
    reassigned = set(Message.objects.filter(pk__in=claimed_by_dead).values_list("claim_token", flat=True))
    assert len(reassigned) == 1
    live.start()

    wait_until(campaign_sent(campaign), live)
    assert_each_received_exactly_once(campaign, sink)
    assert not Message.objects.filter(campaign=campaign).exclude(attempts=1).exists()


def test_a_rolled_back_transaction_that_scheduled_a_campaign_sends_nothing(live, sink):
    audience, _ = audience_members(RECIPIENTS, languages=list(LANGUAGES))
    rolled_back = make_campaign(status=Campaign.Status.DRAFT, audience=audience)
    committed = make_campaign(status=Campaign.Status.DRAFT, audience=audience)

    with pytest.raises(RuntimeError), transaction.atomic():
        Campaign.objects.filter(pk=rolled_back.pk).update(status=Campaign.Status.SCHEDULED, scheduled_at=timezone.now())
        campaign_dispatch_soon(campaign_id=rolled_back.pk)
        raise RuntimeError("the request failed after scheduling")
    # The worker takes tasks in order: once the campaign scheduled after it is sent, anything
    # the rolled-back transaction had enqueued would have been sent before.
    schedule_now(committed)

    wait_until(campaign_sent(committed), live)
    assert Campaign.objects.get(pk=rolled_back.pk).status == Campaign.Status.DRAFT
    assert not Message.objects.filter(campaign=rolled_back).exists()
    assert len(sink.received) == RECIPIENTS
    assert all(f"campaign-{committed.pk}." in record.message_id for record in sink.received)


ACKNOWLEDGEMENT_SUBJECT = {
    "pt-br": "Recebemos sua mensagem (referência {pk})",
    "fr": "Nous avons reçu votre message (référence {pk})",
}


@pytest.mark.parametrize("language", sorted(ACKNOWLEDGEMENT_SUBJECT))
def test_a_contact_form_message_is_acknowledged_once_by_the_worker_in_the_senders_language(live, sink, language):
    from communications.models import Inquiry
    from communications.services.inquiries import ACKNOWLEDGE_TASK, inquiry_submit

    with transaction.atomic():  # the form's request: the task goes to Redis when it commits
        inquiry = inquiry_submit(
            category=Inquiry.Category.values[0],
            language=language,
            name="Marie Dupont",
            email=f"marie.{language}@example.org",
            message="Comment devenir membre ?",
            consent=True,
        )

    wait_until(lambda: sink.accepted == 1 and Inquiry.objects.get(pk=inquiry.pk).acknowledged_at is not None, live)
    # A second delivery of the task (a redelivery, the relay) sends nothing more.
    from clac.celery import app as celery_app

    celery_app.tasks[ACKNOWLEDGE_TASK].delay(inquiry.pk)
    time.sleep(2)
    [received] = sink.received
    assert received.to == (f"marie.{language}@example.org",)
    assert received.subject == ACKNOWLEDGEMENT_SUBJECT[language].format(pk=inquiry.pk)
    assert sink.accepted == 1
