"""Background jobs under faults, with real workers on the real Redis (issue 13): a worker killed
with -9 in the middle of an import, a worker stopped with SIGTERM and then SIGKILL (what
`docker compose stop` does after its grace period), a broker that refuses connections when a
job is enqueued, and the same file uploaded twice at once. In each, the registry must end as
a single clean import of the file leaves it.

The workers run with a heartbeat of one second, a stale window of three and batches of ten
rows written slowly (CLAC_TEST_SLOW_WRITES, below), so a kill lands mid-import and the whole
module takes well under a minute. The test plays the beat: it calls the sweep and the relay
that the beat schedule runs every minute in production."""

import io
import itertools
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from clac import outbox
from clac.celery import app as celery_app
from clac.jobs import jobs_relay, jobs_sweep
from clac.models import Job
from members.importing import COMBINED_COLUMNS, registry_import
from members.importing.writer import RegistryWriter
from members.models import Organization, Person
from members.tasks import IMPORT_JOB_KIND
from tests.clac.conftest import purge_queue, start_celery_worker, stop_celery_worker
from tests.members.test_import import combined_row, csv_bytes, org_row

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# In the worker (which imports this module): each batch's write takes this long, so that the
# import is still running when the test kills the worker.
_slow_writes = float(os.environ.get("CLAC_TEST_SLOW_WRITES") or 0)
if _slow_writes:
    _write = RegistryWriter.write

    def _slow_write(self, plan):  # type: ignore[no-untyped-def]
        time.sleep(_slow_writes)
        return _write(self, plan)

    RegistryWriter.write = _slow_write  # type: ignore[method-assign]

HEARTBEAT_SECONDS = 1
STALE_AFTER_SECONDS = 3
BATCH_SIZE = 10
WORKER_ENV = {
    "JOBS_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
    "JOBS_STALE_AFTER_SECONDS": str(STALE_AFTER_SECONDS),
    "IMPORT_BATCH_SIZE": str(BATCH_SIZE),
    "CLAC_TEST_SLOW_WRITES": "0.4",
}
ROWS = 40
TIMEOUT = 40


class Workers:
    """Starts workers sharing one database, broker, media directory and log."""

    def __init__(self, *, database_url: str, redis_url: str, media_root: Path, log_dir: Path) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.media_root = media_root
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []
        self._numbers = itertools.count(1)

    def start(self) -> subprocess.Popen:
        worker = start_celery_worker(
            module=__name__,
            database_url=self.database_url,
            redis_url=self.redis_url,
            media_root=self.media_root,
            log_path=self.log_dir / f"worker-{next(self._numbers)}.log",
            extra_env=WORKER_ENV,
        )
        self.running.append(worker)
        return worker

    def ensure(self, count: int) -> list[subprocess.Popen]:
        """At least `count` live workers (those of an earlier test are kept), the missing
        ones started side by side."""
        self.running = [worker for worker in self.running if worker.poll() is None]
        missing = count - len(self.running)
        if missing > 0:
            starters = [threading.Thread(target=self.start) for _ in range(missing)]
            for starter in starters:
                starter.start()
            for starter in starters:
                starter.join()
        assert len(self.running) >= count, self.log()
        return self.running[:count]

    def stop_all(self) -> None:
        for worker in self.running:
            stop_celery_worker(worker)
        self.running.clear()

    def log(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text()[-3000:]}" for path in sorted(self.log_dir.glob("*.log")))


@pytest.fixture(scope="module")
def workers(worker_database_url: str, redis_url: str, tmp_path_factory) -> Iterator[Workers]:
    purge_queue(redis_url)
    pool = Workers(
        database_url=worker_database_url,
        redis_url=redis_url,
        media_root=tmp_path_factory.mktemp("media"),
        log_dir=tmp_path_factory.mktemp("celery"),
    )
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def worker_setup(workers: Workers, settings, celery_over_redis, monkeypatch) -> Iterator[Workers]:
    """This process as the web side: files stored where the workers read them, the shortened
    heartbeat window for the sweep, and the relay sending at once."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(workers.media_root)},
        },
    }
    settings.JOBS_HEARTBEAT_SECONDS = HEARTBEAT_SECONDS
    settings.JOBS_STALE_AFTER_SECONDS = STALE_AFTER_SECONDS
    settings.IMPORT_BATCH_SIZE = BATCH_SIZE
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(outbox, "RELAY_GRACE", timedelta(0))
    try:
        yield workers
    finally:
        purge_queue(workers.redis_url)


def wait_until(
    condition: Callable[[], bool], workers: Workers, *, timeout: float = TIMEOUT, beat: bool = False
) -> None:
    """Poll `condition`; with `beat`, run the sweep and the relay between polls as the beat
    would (every minute in production; here at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if beat:
            jobs_sweep()
            jobs_relay()
        time.sleep(0.2 if beat else 0.05)
    pytest.fail(f"Condition not met within {timeout}s. Jobs: {list(Job.objects.values())}\nLog:\n{workers.log()}")


def registry_file(prefix: str, *, flo_ids: bool = True, rows: int = ROWS) -> bytes:
    """`rows` organizations with one person each (and the person's consent, certification,
    membership), named after `prefix`; with or without FLO IDs (then matched by name and
    country, the people by email)."""
    base = 4000 if prefix == "A" else 6000 if prefix == "B" else 8000
    lines = []
    for index in range(rows):
        org = org_row(
            flo_id=str(base + index) if flo_ids else "",
            name=f"Cooperativa {prefix} {index}",
            tax_id="",
            email=f"info{index}@coop-{prefix.lower()}.example.org",
            phone="",
        )
        lines.append(combined_row(org, email=f"gerencia{index}@coop-{prefix.lower()}.example.org", phone=""))
    return csv_bytes(lines, COMBINED_COLUMNS)


def registry_counts() -> dict[str, int]:
    """Rows in every table of the registry (and their history)."""
    return {model._meta.label: model._base_manager.count() for model in apps.get_app_config("members").get_models()}


def clean_import_delta(content: bytes) -> dict[str, int]:
    """What a clean, uninterrupted import of `content` adds to each table (run here)."""
    before = registry_counts()
    result = registry_import(file=io.BytesIO(content), filename="reference.csv", import_format="combined")
    result.close()
    assert result.rows_with_errors == 0, result.errors
    after = registry_counts()
    return {label: after[label] - before[label] for label in after}


def upload(client: Client, content: bytes, name: str = "registry.csv"):
    return client.post(
        reverse("members:import_upload"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "format": "combined"},
    )


def import_jobs() -> list[Job]:
    return list(Job.objects.filter(kind=IMPORT_JOB_KIND).order_by("pk"))


def _kill_mid_import(worker_setup: Workers, admin_user, kill: Callable[[subprocess.Popen], None]) -> None:
    """Start an import, kill its worker once a batch is committed, start another worker: the
    job must finish by itself and the registry equal a clean import of the same rows."""
    expected = clean_import_delta(registry_file("A"))
    content = registry_file("B")
    # One worker only, so the job runs on the one killed.
    worker_setup.stop_all()
    worker = worker_setup.start()
    client = Client()
    client.force_login(admin_user)
    before = registry_counts()

    assert upload(client, content).status_code == 302
    (job,) = import_jobs()
    wait_until(lambda: Job.objects.get(pk=job.pk).progress_done >= BATCH_SIZE, worker_setup)
    kill(worker)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    assert job.worker.endswith(f":{worker.pid}")
    assert 0 < job.progress_done < ROWS, "killed mid-import"
    assert Organization.objects.filter(name__startswith="Cooperativa B").count() < ROWS

    worker_setup.start()
    wait_until(lambda: Job.objects.get(pk=job.pk).is_finished, worker_setup, beat=True)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.attempts == 2
    assert (job.progress_done, job.progress_total) == (ROWS, ROWS)
    assert "attempt 2" in job.errors[0]["message"]
    after = registry_counts()
    assert {label: after[label] - before[label] for label in after} == expected


def test_worker_killed_with_sigkill_mid_import_resumes_and_lands_exactly_once(worker_setup, admin_user):
    def kill(worker: subprocess.Popen) -> None:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()

    _kill_mid_import(worker_setup, admin_user, kill)


def test_worker_stopped_with_sigterm_then_sigkill_mid_import_resumes(worker_setup, admin_user):
    """`docker compose stop` with a grace period shorter than the job: SIGTERM, then SIGKILL."""

    def kill(worker: subprocess.Popen) -> None:
        os.kill(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()

    _kill_mid_import(worker_setup, admin_user, kill)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_job_enqueued_while_the_broker_is_down_runs_once_it_is_back(worker_setup, admin_user):
    expected = clean_import_delta(registry_file("A", rows=20))
    content = registry_file("B", rows=20)
    worker_setup.ensure(1)
    client = Client()
    client.force_login(admin_user)
    before = registry_counts()
    redis_url = celery_app.conf.broker_url

    # The broker refuses connections (a port nobody listens on: a real refused connection).
    celery_app.conf.broker_url = f"redis://127.0.0.1:{_closed_port()}/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        response = upload(client, content)
    finally:
        celery_app.conf.broker_url = redis_url
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    assert response.status_code == 302
    (job,) = import_jobs()
    assert job.status == Job.Status.QUEUED
    assert job.sent_at is None
    page = client.get(response["Location"])
    assert "it starts when the background service is available" in page.content.decode()

    # The broker is back: the relay (on the beat) sends the job, a worker runs it.
    wait_until(lambda: Job.objects.get(pk=job.pk).is_finished, worker_setup, beat=True)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.sent_at is not None
    assert job.attempts == 1
    after = registry_counts()
    assert {label: after[label] - before[label] for label in after} == expected


@pytest.mark.parametrize("flo_ids", [True, False], ids=["with-flo-ids", "without-flo-ids"])
def test_same_file_uploaded_twice_at_once_makes_one_job_and_no_duplicates(worker_setup, admin_user, flo_ids):
    expected = clean_import_delta(registry_file("A", flo_ids=flo_ids, rows=30))
    content = registry_file("B", flo_ids=flo_ids, rows=30)
    worker_setup.ensure(2)  # two workers: two jobs would run at the same time
    before = registry_counts()
    barrier = threading.Barrier(2)
    responses: list = []

    def double_click() -> None:
        client = Client()
        client.force_login(admin_user)
        barrier.wait()
        try:
            responses.append(upload(client, content))
        finally:
            connection.close()  # this thread's own connection

    clicks = [threading.Thread(target=double_click) for _ in range(2)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()

    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    (job,) = import_jobs()
    wait_until(lambda: Job.objects.get(pk=job.pk).is_finished, worker_setup)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    after = registry_counts()
    assert {label: after[label] - before[label] for label in after} == expected


def test_two_imports_of_the_same_records_never_interleave(worker_setup, admin_user):
    """Two different files (a dry run is not involved) naming the same organizations without
    FLO IDs, run by two workers at once: the lock runs one after the other, so the second
    matches what the first created instead of creating it again."""
    expected = clean_import_delta(registry_file("A", flo_ids=False, rows=30))
    content = registry_file("B", flo_ids=False, rows=30)
    # The same rows with the line breaks of another spreadsheet program: another content.
    other = content.replace(b"\n", b"\r\n")
    worker_setup.ensure(2)
    client = Client()
    client.force_login(admin_user)
    before = registry_counts()

    upload(client, content, "first.csv")
    upload(client, other, "second.csv")

    jobs = import_jobs()
    assert len(jobs) == 2
    wait_until(lambda: all(Job.objects.get(pk=j.pk).is_finished for j in jobs), worker_setup)
    for job in jobs:
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED, job.errors
        assert job.result["rows_with_errors"] == 0
    after = registry_counts()
    assert {label: after[label] - before[label] for label in after} == expected
    assert Person.objects.filter(email__endswith="@coop-b.example.org").count() == 30
