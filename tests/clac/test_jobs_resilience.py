"""Jobs that survive faults (issue 13), without a worker: the outbox (a send that fails is
kept for the relay), the relay, the sweep (re-queue resumable jobs up to the attempt limit,
fail the others), the attempt counter, the heartbeat thread, duplicate jobs, "run again",
the deep health check and the jobs page's warning when no worker is alive."""

import datetime
import socket
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clac import jobs, outbox
from clac.celery import app as celery_app
from clac.jobs import (
    JobAborted,
    JobProgress,
    job_enqueue,
    job_enqueue_once,
    job_execute,
    job_runner,
    jobs_relay,
    jobs_sweep,
    worker_seen,
)
from clac.models import Job, WorkerBeat
from clac.roles import StaffRole
from clac.tasks import JOB_TIME_LIMIT, job_run
from tests.factories import staff_user

calls: list[tuple[int, int]] = []


@job_runner("tests.resilience.resumable", resumable=True)
def resumable(job: Job, progress: JobProgress) -> dict:
    calls.append((job.pk, job.attempts))
    progress.set_total(2)
    progress.advance(2)
    return {"done": 2}


@job_runner("tests.resilience.once")
def once(job: Job, progress: JobProgress) -> dict:
    calls.append((job.pk, job.attempts))
    return {}


@job_runner("tests.resilience.slow")
def slow(job: Job, progress: JobProgress) -> dict:
    """Writes no progress for a while, then tries to: the heartbeat alone keeps it alive."""
    deadline = time.monotonic() + job.params.get("seconds", 0.5)
    while time.monotonic() < deadline:
        time.sleep(0.02)
    progress.set_total(1)
    return {}


@pytest.fixture(autouse=True)
def _forget_calls():
    calls.clear()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down(settings):
    """Sends go to a port nobody listens on: the broker refuses the connection."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=f"redis://127.0.0.1:{_closed_port()}/0", task_always_eager=False)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def _ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


# --- outbox and relay -----------------------------------------------------------------------


def test_a_sent_job_records_when(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="tests.resilience.once")

    job.refresh_from_db()
    assert job.sent_at is not None
    assert job.status == Job.Status.SUCCEEDED  # eager in tests: sending runs it


def test_broker_down_at_enqueue_keeps_the_job_unsent_and_raises_nothing(
    db, broker_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="tests.resilience.once")

    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert job.sent_at is None
    assert "the relay will send it later" in caplog.text


def test_relay_sends_unsent_and_long_waiting_jobs_only(db, monkeypatch, settings):
    settings.JOBS_RESEND_AFTER_SECONDS = 600
    sent: list[int] = []
    monkeypatch.setattr(job_run, "apply_async", lambda args, **options: sent.append(args[0]))
    unsent = Job.objects.create(kind="tests.resilience.once")
    waited = Job.objects.create(kind="tests.resilience.once", sent_at=_ago(minutes=11))
    fresh_send = Job.objects.create(kind="tests.resilience.once", sent_at=_ago(minutes=1))
    just_created = Job.objects.create(kind="tests.resilience.once")
    running = Job.objects.create(kind="tests.resilience.once", status=Job.Status.RUNNING)
    Job.objects.filter(pk__in=[unsent.pk, running.pk]).update(created_at=_ago(minutes=5))

    assert jobs_relay() == 2

    assert sorted(sent) == sorted([unsent.pk, waited.pk])
    assert all(Job.objects.get(pk=pk).sent_at > _ago(minutes=1) for pk in sent)
    assert Job.objects.get(pk=fresh_send.pk).sent_at < _ago(seconds=30)
    assert just_created.pk not in sent, "its own on-commit send is on its way"
    assert jobs_relay() == 0, "nothing left to send"


def test_relay_stops_at_the_first_failure_while_the_broker_is_down(db, broker_down, monkeypatch):
    monkeypatch.setattr(outbox, "RELAY_GRACE", datetime.timedelta(0))
    attempts: list[int] = []
    real_send = outbox.outbox_send

    def counting_send(**kwargs):
        attempts.append(kwargs["instance"].pk)
        return real_send(**kwargs)

    monkeypatch.setattr(outbox, "outbox_send", counting_send)
    for _ in range(3):
        Job.objects.create(kind="tests.resilience.once")

    assert jobs_relay() == 0
    assert len(attempts) == 1
    assert not Job.objects.filter(sent_at__isnull=False).exists()


def test_relay_task_is_on_the_beat_schedule_with_the_sweep(settings):
    schedule = celery_app.conf.beat_schedule
    assert schedule["jobs-relay"]["task"] == "clac.tasks.jobs_relay_unsent"
    assert schedule["jobs-mark-stale"]["schedule"] == settings.JOBS_SWEEP_SECONDS
    assert settings.JOBS_SWEEP_SECONDS < settings.JOBS_STALE_AFTER_SECONDS


# --- the sweep and the attempt counter ------------------------------------------------------


def test_sweep_requeues_a_resumable_job_whose_heartbeat_stopped(db, settings):
    settings.JOBS_STALE_AFTER_SECONDS = 180
    settings.JOBS_MAX_ATTEMPTS = 3
    dead = Job.objects.create(
        kind="tests.resilience.resumable",
        status=Job.Status.RUNNING,
        attempts=1,
        heartbeat_at=_ago(minutes=4),
        sent_at=_ago(minutes=10),
        worker="old-host:123",
    )
    alive = Job.objects.create(
        kind="tests.resilience.resumable", status=Job.Status.RUNNING, attempts=1, heartbeat_at=_ago(seconds=20)
    )

    assert jobs_sweep() == {"requeued": 1, "failed": 0}

    dead.refresh_from_db()
    assert dead.status == Job.Status.QUEUED
    assert dead.sent_at is None, "the relay sends it again"
    assert Job.objects.get(pk=alive.pk).status == Job.Status.RUNNING


def test_requeued_job_runs_again_from_the_start_and_counts_its_attempts(db, settings):
    settings.JOBS_MAX_ATTEMPTS = 3
    job = Job.objects.create(
        kind="tests.resilience.resumable",
        attempts=1,
        progress_done=7,
        errors=[{"message": "Row 3 is wrong", "row": 3, "column": "email"}],
    )

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.attempts == 2
    assert calls == [(job.pk, 2)]
    assert job.progress_done == 2, "progress starts afresh"
    assert len(job.errors) == 1
    assert "attempt 2 of 3" in job.errors[0]["message"]
    assert job.worker.endswith(":" + str(__import__("os").getpid()))


def test_sweep_fails_a_resumable_job_after_the_last_attempt(db, settings):
    settings.JOBS_MAX_ATTEMPTS = 3
    user = staff_user(StaffRole.ADMIN, language="en")
    job = Job.objects.create(
        kind="tests.resilience.resumable",
        status=Job.Status.RUNNING,
        attempts=3,
        heartbeat_at=_ago(hours=1),
        requested_by=user,
    )

    assert jobs_sweep() == {"requeued": 0, "failed": 1}

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.finished_at is not None
    assert "stopped 3 times" in job.errors[-1]["message"]


def test_sweep_fails_a_job_that_is_not_resumable_at_once(db):
    user = staff_user(StaffRole.ADMIN, language="es")
    job = Job.objects.create(
        kind="tests.resilience.once",
        status=Job.Status.RUNNING,
        attempts=1,
        heartbeat_at=_ago(hours=1),
        requested_by=user,
    )

    assert jobs_sweep() == {"requeued": 0, "failed": 1}

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "its worker stopped while running it" in job.errors[-1]["message"]
    assert "Run again" in job.errors[-1]["message"]


def test_writes_of_an_attempt_that_was_replaced_stop_its_runner(db):
    job = Job.objects.create(kind="tests.resilience.resumable", status=Job.Status.RUNNING, attempts=1)
    progress = JobProgress(job)
    # The sweep re-queued it and another worker started it again meanwhile.
    Job.objects.filter(pk=job.pk).update(attempts=2)

    with pytest.raises(JobAborted):
        progress.flush()
    assert not progress._finish(Job.Status.SUCCEEDED)
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING


# --- the heartbeat --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_heartbeat_is_written_while_the_runner_writes_nothing(settings):
    settings.JOBS_HEARTBEAT_SECONDS = 0.05
    job = Job.objects.create(kind="tests.resilience.slow", params={"seconds": 0.6})
    beats: list[datetime.datetime] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            beat = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).values_list("heartbeat_at", flat=True)
            if beat and beat[0] and beat[0] not in beats:
                beats.append(beat[0])
            time.sleep(0.02)
        connection.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        job_execute(job_id=job.pk)
    finally:
        stop.set()
        watcher.join()

    assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED
    assert len(beats) >= 4, "a heartbeat every 50 ms while the runner wrote nothing"
    assert WorkerBeat.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_heartbeat_notices_the_job_was_taken_away_and_the_runner_stops(settings):
    settings.JOBS_HEARTBEAT_SECONDS = 0.05
    job = Job.objects.create(kind="tests.resilience.slow", params={"seconds": 0.5})
    # What the sweep does when it thinks the worker died: the job is no longer this run's.
    timer = threading.Timer(
        0.1, lambda: (Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED), connection.close())
    )
    timer.start()

    job_execute(job_id=job.pk)
    timer.join()

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.progress_total is None, "the runner's write after the loss was refused"


# --- duplicates -----------------------------------------------------------------------------


def test_the_same_work_while_one_is_unfinished_is_one_job(db, django_capture_on_commit_callbacks):
    first, created = job_enqueue_once(kind="tests.resilience.once", dedupe_key="abc")
    second, created_again = job_enqueue_once(kind="tests.resilience.once", dedupe_key="abc")
    other, other_created = job_enqueue_once(kind="tests.resilience.once", dedupe_key="xyz")

    assert created and not created_again and other_created
    assert second.pk == first.pk
    assert other.pk != first.pk

    Job.objects.filter(pk=first.pk).update(status=Job.Status.SUCCEEDED)
    third, created_after = job_enqueue_once(kind="tests.resilience.once", dedupe_key="abc")
    assert created_after and third.pk != first.pk, "a finished job does not hold its key"


def test_two_requests_racing_past_the_check_still_make_one_job(db, monkeypatch):
    first, _ = job_enqueue_once(kind="tests.resilience.once", dedupe_key="race")
    real_lookup = jobs._unfinished_duplicate
    lookups: list[str] = []

    def late_lookup(kind: str, key: str):
        lookups.append(key)
        # The first look finds nothing (the other request has not committed yet).
        return None if len(lookups) == 1 else real_lookup(kind, key)

    monkeypatch.setattr(jobs, "_unfinished_duplicate", late_lookup)
    second, created = job_enqueue_once(kind="tests.resilience.once", dedupe_key="race")

    assert not created
    assert second.pk == first.pk
    assert Job.objects.filter(dedupe_key="race").count() == 1


# --- time limits and settings ---------------------------------------------------------------


def test_timings_are_consistent(settings):
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert job_run.soft_time_limit < job_run.time_limit == JOB_TIME_LIMIT < visibility
    assert settings.JOBS_HEARTBEAT_SECONDS * 3 <= settings.JOBS_STALE_AFTER_SECONDS
    assert settings.CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS is False
    assert settings.CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP is True


def test_compose_worker_waits_longer_than_the_hard_time_limit(settings):
    import re

    compose = (settings.BASE_DIR / "docker-compose.yml").read_text()
    worker = compose[compose.index("\n  worker:") :]
    grace = re.search(r"stop_grace_period: \$\{[A-Z_]+:-(\d+)m\}", worker)
    assert grace, "the worker service sets stop_grace_period"
    assert int(grace.group(1)) * 60 > JOB_TIME_LIMIT


# --- dashboard: import upload, run again, worker warning --------------------------------------


def _upload(client, content: bytes = b"name,country\nCoop,PE\n", *, dry_run: bool = True):
    data = {"file": SimpleUploadedFile("registry.csv", content, content_type="text/csv"), "format": "organizations"}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("members:import_upload"), data, follow=True)


def test_the_same_file_uploaded_while_its_import_is_queued_leads_to_that_job(client, admin_user, broker_down):
    client.force_login(admin_user)

    first = _upload(client)
    second = _upload(client)

    assert Job.objects.count() == 1
    assert first.redirect_chain == second.redirect_chain
    assert "Queued; it starts when the background service is available." in first.content.decode()
    assert "This file is already being imported: here is that import." in second.content.decode()
    # Another file, or the same file imported for real after a dry run, is another job.
    _upload(client, b"name,country\nOther coop,PE\n")
    _upload(client, dry_run=False)
    assert Job.objects.count() == 3


def test_a_failed_job_can_be_run_again_by_whoever_may_see_it(
    client, admin_user, finance_user, django_capture_on_commit_callbacks
):
    failed = Job.objects.create(
        kind="tests.resilience.once", status=Job.Status.FAILED, params={"rows": 3}, requested_by=finance_user
    )
    client.force_login(finance_user)

    page = client.get(reverse("dashboard:job_detail", args=[failed.pk]))
    assert reverse("dashboard:job_run_again", args=[failed.pk]) in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:job_run_again", args=[failed.pk]))

    again = Job.objects.exclude(pk=failed.pk).get()
    assert response["Location"] == reverse("dashboard:job_detail", args=[again.pk])
    assert again.params == {"rows": 3}
    assert again.requested_by == finance_user
    assert again.status == Job.Status.SUCCEEDED  # eager in tests


def test_run_again_is_refused_for_a_job_that_did_not_fail_and_to_other_staff(client, admin_user, finance_user):
    done = Job.objects.create(kind="tests.resilience.once", status=Job.Status.SUCCEEDED, requested_by=admin_user)
    failed = Job.objects.create(kind="tests.resilience.once", status=Job.Status.FAILED, requested_by=admin_user)

    client.force_login(admin_user)
    client.post(reverse("dashboard:job_run_again", args=[done.pk]))
    assert Job.objects.count() == 2
    assert (
        reverse("dashboard:job_run_again", args=[done.pk])
        not in client.get(reverse("dashboard:job_detail", args=[done.pk])).content.decode()
    )

    client.force_login(finance_user)
    assert client.post(reverse("dashboard:job_run_again", args=[failed.pk])).status_code == 404
    assert client.get(reverse("dashboard:job_run_again", args=[failed.pk])).status_code == 405
    assert Job.objects.count() == 2


def test_jobs_page_warns_when_no_worker_is_alive(client, admin_user, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client.force_login(admin_user)
    warning = "No background worker has reported"

    assert warning in client.get(reverse("dashboard:job_list")).content.decode()

    worker_seen("host:1")
    assert warning not in client.get(reverse("dashboard:job_list")).content.decode()

    WorkerBeat.objects.update(seen_at=_ago(hours=1))
    assert warning in client.get(reverse("dashboard:job_list")).content.decode()

    settings.CELERY_TASK_ALWAYS_EAGER = True  # no broker: jobs run in the web process
    assert warning not in client.get(reverse("dashboard:job_list")).content.decode()


# --- deep health ----------------------------------------------------------------------------


def test_deep_health_reports_the_worker_and_the_oldest_queued_job(client, db, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr("clac.health.broker_status", lambda: "ok")
    queued = Job.objects.create(kind="tests.resilience.once")
    Job.objects.filter(pk=queued.pk).update(updated_at=_ago(minutes=7))

    silent = client.get(reverse("healthz"), {"deep": "1"})
    assert silent.status_code == 503
    assert silent.json()["worker"] == "silent"
    assert silent.json()["worker_seen_seconds_ago"] is None
    assert 419 <= silent.json()["oldest_queued_job_seconds"] <= 425

    worker_seen("host:1", now=_ago(seconds=30))
    alive = client.get(reverse("healthz"), {"deep": "1"})
    assert alive.status_code == 200
    assert alive.json()["worker"] == "ok"
    assert 29 <= alive.json()["worker_seen_seconds_ago"] <= 35

    # Plain /healthz keeps its contract: no worker check.
    assert set(client.get(reverse("healthz")).json()) == {"status", "database", "broker"}
