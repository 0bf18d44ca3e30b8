"""Tracked jobs: long work (imports, fan-out, reports, recomputes) that runs on a Celery worker
and reports its progress, errors and result where staff can see them (DESIGN §7).

A module registers a runner in its `tasks.py`:

    @job_runner("members.import_registry", label=_("Registry import"))
    def import_registry(job: Job, progress: JobProgress) -> dict:
        progress.set_total(len(rows))
        for number, row in enumerate(rows, start=2):
            ...
            progress.add_error("Unknown country", row=number, column="country")
            progress.advance()
        return {"created": created}

and starts it with `job_enqueue(kind="members.import_registry", requested_by=user, ...)`.
The runner is not wrapped in a transaction: it commits as it goes (per row or per batch),
so its progress writes are visible to the dashboard while it runs.
"""

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop

from clac.celery import app as celery_app
from clac.models import Job, User, WorkerBeat
from clac.outbox import outbox_relay, outbox_send
from clac.roles import StaffRole, user_has_any_role

logger = logging.getLogger(__name__)

Runner = Callable[[Job, "JobProgress"], dict]

# The Celery task that runs a job (clac.tasks.job_run).
JOB_RUN_TASK = "clac.tasks.job_run"

# Above this many detailed errors a job keeps only a count: an import of a broken 50,000-row
# file must not write a multi-megabyte JSON document on every progress update.
MAX_ERRORS = 1000
# Progress is written at most this often (seconds); set_total, errors past the first and the
# end of the job write regardless.
PROGRESS_WRITE_INTERVAL = 0.5
# The timings (heartbeat, stale window, attempts, resend, expiry) are settings, all in one
# place: clac/settings/base.py "Background jobs", explained in docs/operations.md.

# Sending a job from a web request must not hang it when the broker is down: one quick retry,
# then the outbox relay takes over.
SEND_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

# Statuses in which a job is not finished: a second request for the same work joins it.
UNFINISHED = (Job.Status.QUEUED, Job.Status.RUNNING)


def worker_name() -> str:
    """This process as "host:pid", recorded on the jobs it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


class JobError(Exception):
    """Raise from a runner with a message for the staff member who reads the job page.

    `JobError(gettext_noop("Unknown format %(format)s."), params={"format": name})` stores the
    English source and its parameters, so each reader sees it in their own language
    (job_error_message); a plain `JobError(text)` stores the text as it is."""

    def __init__(self, message: str, *, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message % params if params else message)
        self.message_id = message if params is not None else None
        self.params = dict(params) if params else {}


# --- Messages in the reader's language -------------------------------------------------------
# A job's errors are read later, by any staff member, in their own language: they are stored as
# the English source (a msgid marked with gettext_noop) and its parameters, and translated when
# a page shows them. `message` keeps the English text for logs, exports and older rows.


def job_error_entry(
    message_id: str, params: Mapping[str, Any] | None = None, *, row: int | None = None, column: str | None = None
) -> dict[str, Any]:
    """An error of a job, stored with its msgid and parameters (JSON-safe values)."""
    safe_params = {
        key: value if isinstance(value, int | float) else str(value) for key, value in (params or {}).items()
    }
    return {
        "message": message_id % safe_params if safe_params else message_id,
        "message_id": message_id,
        "params": safe_params,
        "row": row,
        "column": column,
    }


def job_error_message(error: Mapping[str, Any]) -> str:
    """An error's message in the active language (the reader's); stored text when it has no msgid."""
    message_id = error.get("message_id")
    if not message_id:
        return str(error.get("message", ""))
    params = error.get("params") or {}
    translated = gettext(message_id)
    try:
        return translated % params if params else translated
    except (KeyError, TypeError, ValueError):  # a catalogue entry that lost a placeholder
        return str(error.get("message", message_id))


class JobAborted(BaseException):
    """The job stopped being ours while it ran (marked stale, or deleted): stop quietly.
    A BaseException, like asyncio.CancelledError, so that a runner's per-row
    `except Exception` does not swallow it and carry on."""


@dataclass(frozen=True)
class JobKind:
    kind: str
    runner: Runner
    label: str | Promise
    # Readable, translatable names for the keys of the runner's result dict.
    result_labels: Mapping[str, str | Promise] = field(default_factory=dict)
    # Whether running the job again from the start after its worker died is safe and finishes
    # the work (a re-run of the registry import lands exactly once). A resumable job is
    # re-queued by the sweep; any other is failed, with a "run again" button.
    resumable: bool = False
    # Labels of coded values, per result key (an import's "format": organizations → Organizations).
    result_value_labels: Mapping[str, Mapping[Any, str | Promise]] = field(default_factory=dict)


_REGISTRY: dict[str, JobKind] = {}


def job_runner(
    kind: str,
    *,
    label: str | Promise | None = None,
    result_labels: Mapping[str, str | Promise] | None = None,
    resumable: bool = False,
    result_value_labels: Mapping[str, Mapping[Any, str | Promise]] | None = None,
) -> Callable[[Runner], Runner]:
    """Register `fn(job, progress) -> dict` as the runner of `kind`; the dict becomes job.result.
    `resumable=True` declares that running it again from the start is safe (see JobKind)."""

    def decorator(fn: Runner) -> Runner:
        existing = _REGISTRY.get(kind)
        # The same function imported twice (autodiscovery, a test re-import) is harmless; two
        # different functions for one kind would make which one runs depend on import order.
        if existing is not None and _qualified_name(existing.runner) != _qualified_name(fn):
            raise ImproperlyConfigured(
                f"Job kind {kind!r} is registered twice: {_qualified_name(existing.runner)} and {_qualified_name(fn)}."
            )
        _REGISTRY[kind] = JobKind(
            kind=kind,
            runner=fn,
            label=label or kind,
            result_labels=result_labels or {},
            result_value_labels=result_value_labels or {},
            resumable=resumable,
        )
        return fn

    return decorator


def _qualified_name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def job_kind_get(kind: str) -> JobKind | None:
    return _REGISTRY.get(kind)


def job_result_items(job: Job) -> list[tuple[str | Promise, Any]]:
    """The job's result as (label, value) rows, named and ordered by the runner's
    result_labels; keys without a label follow, sorted (PostgreSQL's jsonb keeps no order)."""
    if not isinstance(job.result, dict):
        return []
    kind = _REGISTRY.get(job.kind)
    labels = kind.result_labels if kind is not None else {}
    value_labels = kind.result_value_labels if kind is not None else {}

    def shown(key: str) -> Any:
        # Labels, not codes or Python reprs: a coded value by its label, yes/no, a list joined.
        value = job.result[key]
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if isinstance(value, list):
            return ", ".join(str(value_labels.get(key, {}).get(item, item)) for item in value)
        if isinstance(value, str | int) and value in value_labels.get(key, {}):
            return value_labels[key][value]
        return value

    known = [(label, shown(key)) for key, label in labels.items() if key in job.result]
    unknown = [(key, shown(key)) for key in sorted(job.result) if key not in labels]
    return known + unknown


def job_kind_label(kind: str) -> str | Promise:
    registered = _REGISTRY.get(kind)
    return registered.label if registered else kind


def _json_safe(value: Any) -> Any:
    """Decimals, dates and lazy strings become JSON the database accepts, so that saving a
    result can never fail after the work is done."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


class JobProgress:
    """What a runner uses to report. Writes are throttled and conditional on the job still
    running, so a job marked stale by the beat task is not brought back to life."""

    def __init__(
        self,
        job: Job,
        *,
        write_interval: float = PROGRESS_WRITE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.job = job
        self.done = job.progress_done
        self.total = job.progress_total
        self.errors: list[dict] = list(job.errors)
        self.omitted_errors = 0
        self._write_interval = write_interval
        self._clock = clock
        self._last_write = clock()
        self._dirty = False
        # The import reports committed batches from its writing thread.
        self._lock = threading.RLock()
        # Set when the heartbeat found the job no longer ours: the next write stops the runner.
        self.lost = False

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.omitted_errors

    def set_total(self, n: int) -> None:
        if n < 0:
            raise ValueError("A job's total cannot be negative.")
        with self._lock:
            self.total = n
            self._dirty = True
            self.flush()

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            self._dirty = True
            self._flush_if_due()

    def add_error(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """Record an error for the job page. With `params` (even empty), `message` is a msgid
        marked with gettext_noop, stored with its parameters and shown in each reader's
        language (job_error_entry, as JobError); without, the text is stored as it is."""
        with self._lock:
            if len(self.errors) < MAX_ERRORS:
                if params is not None:
                    self.errors.append(job_error_entry(message, params, row=row, column=column))
                else:
                    self.errors.append({"message": str(message), "row": row, "column": column})
            else:
                self.omitted_errors += 1
            self._dirty = True
            self._flush_if_due()

    def set_result_file(self, name: str, content: bytes) -> None:
        """Store a file for staff to download (a report, an error listing)."""
        self.job.result_file.save(os.path.basename(name), ContentFile(content), save=False)
        self._update(result_file=self.job.result_file.name)

    def flush(self) -> None:
        """Write the progress now (runners rarely need this; the job's end writes it too)."""
        with self._lock:
            self._update(**self._progress_fields())
            self._dirty = False

    def _flush_if_due(self) -> None:
        if self._dirty and self._clock() - self._last_write >= self._write_interval:
            self.flush()

    def _stored_errors(self) -> list[dict]:
        if not self.omitted_errors:
            return self.errors
        summary = job_error_entry(gettext_noop("%(count)d more errors were not kept."), {"count": self.omitted_errors})
        return [*self.errors, {**summary, "omitted": self.omitted_errors}]

    def _progress_fields(self) -> dict[str, Any]:
        return {"progress_done": self.done, "progress_total": self.total, "errors": self._stored_errors()}

    def _ours(self) -> QuerySet[Job]:
        # Conditional on this attempt: a job re-queued by the sweep and started again by
        # another worker is no longer ours, even if this process wakes up again.
        return Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING, attempts=self.job.attempts)

    def _update(self, **fields: Any) -> None:
        self._last_write = self._clock()
        if self.lost:
            raise JobAborted(f"Job {self.job.pk} is no longer ours.")
        now = timezone.now()
        # .update() skips auto_now; a progress write is a heartbeat too.
        updated = self._ours().update(updated_at=now, heartbeat_at=now, **fields)
        if not updated:
            raise JobAborted(f"Job {self.job.pk} is no longer running.")

    def _finish(self, status: str, *, result: dict | None = None) -> bool:
        with self._lock:
            fields = self._progress_fields()
        if result is not None:
            fields["result"] = result
        now = timezone.now()
        updated = self._ours().update(status=status, finished_at=now, updated_at=now, heartbeat_at=now, **fields)
        return bool(updated)


class Heartbeat:
    """Writes the job's heartbeat every `interval` seconds from a thread of its own, however
    long the runner spends between progress writes (a slow batch, a lock wait). Stops when
    the job ends; notices when the job is no longer ours (re-queued or failed by the sweep)
    and tells the progress, whose next write stops the runner."""

    def __init__(self, progress: JobProgress, *, interval: float, worker: str) -> None:
        self.progress = progress
        self.interval = interval
        self.worker = worker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{progress.job.pk}-heartbeat", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)

    def _run(self) -> None:
        from django.db import connections

        try:
            while not self._stop.wait(self.interval):
                try:
                    now = timezone.now()
                    if not self.progress._ours().update(heartbeat_at=now):
                        # Re-queued, failed or started again elsewhere. (A row this thread
                        # cannot see at all — deleted, or not committed yet — is left to the
                        # runner's own next write.)
                        if Job.objects.filter(pk=self.progress.job.pk).exists():
                            self.progress.lost = True
                            return
                        continue
                    worker_seen(self.worker, now=now)
                except Exception:
                    # The database restarting: try again at the next beat.
                    logger.warning("Job %s: could not write its heartbeat.", self.progress.job.pk, exc_info=True)
                    connections["default"].close()
        finally:
            connections["default"].close()


def worker_seen(name: str | None = None, *, now: datetime | None = None) -> None:
    """Record that a worker is alive (read by /healthz?deep=1 and the jobs page)."""
    WorkerBeat.objects.update_or_create(name=name or worker_name(), defaults={"seen_at": now or timezone.now()})


def worker_last_seen() -> datetime | None:
    beat = WorkerBeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    return beat


def workers_alive(*, now: datetime | None = None) -> bool | None:
    """Whether a worker was seen recently; None when jobs run in the web process (no broker)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    now = now or timezone.now()
    last = worker_last_seen()
    return last is not None and now - last < timedelta(seconds=settings.JOBS_WORKER_SILENT_AFTER_SECONDS)


def jobs_oldest_queued_age(*, now: datetime | None = None) -> timedelta | None:
    oldest = Job.objects.filter(status=Job.Status.QUEUED).order_by("updated_at").values_list("updated_at", flat=True)
    first = oldest.first()
    return None if first is None else (now or timezone.now()) - first


def job_enqueue(
    *,
    kind: str,
    requested_by: User | None = None,
    params: dict | None = None,
    input_file: File | None = None,
    dedupe_key: str = "",
) -> Job:
    """Create a queued job and send it to a worker once the surrounding transaction commits
    (a job created in a transaction that rolls back is never run). The job row is the outbox:
    when the broker cannot be reached the request still succeeds, the job stays unsent
    (job.sent_at None) and the relay (jobs_relay, on the beat) sends it later.

    With a `dedupe_key`, an unfinished job of the same kind and key is returned instead of a
    new one, with `job.deduplicated` True (the same file uploaded twice)."""
    job, _created = job_enqueue_once(
        kind=kind, requested_by=requested_by, params=params, input_file=input_file, dedupe_key=dedupe_key
    )
    return job


def job_enqueue_once(
    *,
    kind: str,
    requested_by: User | None = None,
    params: dict | None = None,
    input_file: File | None = None,
    dedupe_key: str = "",
) -> tuple[Job, bool]:
    """job_enqueue, telling whether a new job was created (False: an unfinished job with the
    same dedupe_key exists and is returned). The database's partial unique constraint decides,
    so two requests at the same moment still make one job."""
    if kind not in _REGISTRY:
        raise ValueError(f"Unknown job kind {kind!r}: register a runner with @job_runner in <app>/tasks.py.")
    if dedupe_key:
        existing = _unfinished_duplicate(kind, dedupe_key)
        if existing is not None:
            return existing, False
    job = Job(kind=kind, requested_by=requested_by, params=_json_safe(params or {}), dedupe_key=dedupe_key)
    if input_file is not None:
        job.input_file.save(os.path.basename(input_file.name or "input"), input_file, save=False)
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        # Another request created the same job meanwhile (the constraint); use that one.
        existing = _unfinished_duplicate(kind, dedupe_key) if dedupe_key else None
        if existing is None:
            raise
        if job.input_file:
            job.input_file.delete(save=False)
        return existing, False
    job.deduplicated = False  # type: ignore[attr-defined]
    transaction.on_commit(lambda: job_send(job))
    return job, True


def _unfinished_duplicate(kind: str, dedupe_key: str) -> Job | None:
    job = Job.objects.filter(kind=kind, dedupe_key=dedupe_key, status__in=UNFINISHED).first()
    if job is not None:
        job.deduplicated = True  # type: ignore[attr-defined]
    return job


def job_send(job: Job) -> bool:
    """Hand the job to the broker now (the outbox's send); False, and nothing raised, when
    the broker cannot be reached: the relay sends it later. A second send is harmless."""

    def send() -> None:
        # Looked up by name in Celery's registry (clac.tasks imports this module, not the reverse).
        celery_app.tasks[JOB_RUN_TASK].apply_async(args=(job.pk,), retry=True, retry_policy=SEND_RETRY_POLICY)

    return outbox_send(instance=job, send=send)


def jobs_relay(*, now: datetime | None = None) -> int:
    """Send the queued jobs that were never sent (the broker was down) or were sent long ago
    and still wait (their message was lost); returns how many were sent. Run by the beat."""
    return outbox_relay(
        Job.objects.filter(status=Job.Status.QUEUED),
        send=lambda job: celery_app.tasks[JOB_RUN_TASK].apply_async(
            args=(job.pk,), retry=True, retry_policy=SEND_RETRY_POLICY
        ),
        resend_after=timedelta(seconds=settings.JOBS_RESEND_AFTER_SECONDS),
        now=now,
    )


def job_run_again(*, job: Job, requested_by: User | None) -> Job:
    """A new job doing the same work as a failed one (same kind, parameters and input file)."""
    if job.status != Job.Status.FAILED:
        raise JobError(gettext("Only a failed job can be run again."))
    if job.kind not in _REGISTRY:
        raise JobError(gettext("No runner is registered for jobs of kind %(kind)s.") % {"kind": job.kind})
    again, _created = job_enqueue_once(
        kind=job.kind, requested_by=requested_by, params=job.params, dedupe_key=job.dedupe_key
    )
    if _created and job.input_file:
        # The same stored file, not a copy (job files are never deleted with their job).
        Job.objects.filter(pk=again.pk).update(input_file=job.input_file.name)
        again.input_file.name = job.input_file.name
    return again


def _job_language(job: Job) -> str:
    requester = job.requested_by
    return (requester.language if requester else "") or settings.LANGUAGE_CODE


def job_execute(*, job_id: int) -> None:
    """Run a queued job once. Deliberately not atomic: the runner commits as it goes so that
    its progress shows while it runs. Any failure of the runner is recorded on the job."""
    now = timezone.now()
    worker = worker_name()
    # The conditional update is the claim: a second delivery of the same task (late
    # acknowledgement, a relay's resend, the broker's redelivery) finds the job no longer
    # queued and does nothing.
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        started_at=now,
        updated_at=now,
        heartbeat_at=now,
        worker=worker,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        logger.info("Job %s is not queued (already run, running or deleted): nothing to do.", job_id)
        return
    worker_seen(worker, now=now)

    job = Job.objects.select_related("requested_by").get(pk=job_id)
    with translation.override(_job_language(job)):
        if job.attempts > 1:
            _start_over(job)
    progress = JobProgress(job)
    heartbeat = Heartbeat(progress, interval=settings.JOBS_HEARTBEAT_SECONDS, worker=worker)
    # Messages a runner writes (errors, result labels) come out in the requester's language.
    with translation.override(_job_language(job)), heartbeat:
        try:
            registered = _REGISTRY.get(job.kind)
            if registered is None:
                raise JobError(
                    gettext_noop("No runner is registered for jobs of kind %(kind)s."), params={"kind": job.kind}
                )
            result = registered.runner(job, progress)
            if result is None:
                result = {}
            if not isinstance(result, dict):
                raise JobError(
                    gettext_noop("The job returned %(type)s instead of a result."),
                    params={"type": type(result).__name__},
                )
            result = _json_safe(result)
        except JobAborted:
            logger.warning("Job %s (%s) stopped: it is no longer marked as running.", job.pk, job.kind)
            return
        except Exception as exc:
            logger.exception("Job %s (%s) failed.", job.pk, job.kind)
            progress.errors.append(_failure_entry(exc))
            if not progress._finish(Job.Status.FAILED):
                logger.warning("Job %s failed after it stopped being marked as running.", job.pk)
            return

        if not progress._finish(Job.Status.SUCCEEDED, result=result):
            logger.warning("Job %s finished after it stopped being marked as running.", job.pk)


def _start_over(job: Job) -> None:
    """A resumable job started again after its worker died runs from the start (its runner
    skips or matches what is already committed): its progress and errors start afresh, with a
    note saying so."""
    note = job_error_entry(
        gettext_noop(
            "Started again (attempt %(attempt)d of %(max)d) because the worker running it stopped; "
            "what was already saved is not saved twice."
        ),
        {"attempt": job.attempts, "max": settings.JOBS_MAX_ATTEMPTS},
    )
    job.progress_done = 0
    job.errors = [note]
    Job.objects.filter(pk=job.pk, attempts=job.attempts).update(progress_done=0, errors=job.errors)


def _failure_entry(exc: Exception) -> dict[str, Any]:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, JobError):
        if exc.message_id is not None:
            return job_error_entry(exc.message_id, exc.params)
        return {"message": str(exc), "row": None, "column": None}
    if isinstance(exc, SoftTimeLimitExceeded):
        return job_error_entry(gettext_noop("The job took longer than its time limit and was stopped."))
    return job_error_entry(
        gettext_noop("Unexpected error (%(type)s): %(message)s"),
        {"type": type(exc).__name__, "message": str(exc) or "-"},
    )


def jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Deal with the jobs whose worker died and those no worker ever took (run by the beat
    every JOBS_SWEEP_SECONDS):

    - running, with a heartbeat older than JOBS_STALE_AFTER_SECONDS: a resumable kind below
      JOBS_MAX_ATTEMPTS is queued again (unsent, so the relay sends it at once); any other is
      failed with a message saying why and that it can be run again;
    - queued for JOBS_QUEUED_EXPIRE_SECONDS: failed (no worker for that long).

    Every change is conditional on the state read, so a job that moved meanwhile is left
    alone. Returns the counts {"requeued": …, "failed": …}."""
    now = now or timezone.now()
    stale_cutoff = now - timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS)
    counts = {"requeued": 0, "failed": 0}
    silent = Q(heartbeat_at__lt=stale_cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=stale_cutoff)
    stale = Job.objects.filter(silent, status=Job.Status.RUNNING).values_list(
        "pk", "kind", "attempts", "errors", "requested_by__language"
    )
    for job_id, kind, attempts, errors, _language in stale:
        still_stale = Job.objects.filter(silent, pk=job_id, status=Job.Status.RUNNING, attempts=attempts)
        registered = _REGISTRY.get(kind)
        if registered is not None and registered.resumable and attempts < settings.JOBS_MAX_ATTEMPTS:
            counts["requeued"] += still_stale.update(
                status=Job.Status.QUEUED, sent_at=None, heartbeat_at=None, updated_at=now
            )
            continue
        # Stored with its msgid: shown in the language of whoever reads it (job_error_message).
        if registered is not None and registered.resumable:
            error = job_error_entry(
                gettext_noop(
                    "The job stopped %(attempts)d times because its worker stopped (restarted, or out of "
                    "memory); it was not started again. Once the cause is fixed, use “Run again”."
                ),
                {"attempts": attempts},
            )
        else:
            error = job_error_entry(
                gettext_noop(
                    "The job did not finish: its worker stopped while running it (restarted, or out of "
                    "memory). Use “Run again” to start it again."
                )
            )
        counts["failed"] += still_stale.update(
            status=Job.Status.FAILED, finished_at=now, updated_at=now, errors=[*errors, error]
        )

    expired_cutoff = now - timedelta(seconds=settings.JOBS_QUEUED_EXPIRE_SECONDS)
    expired = Job.objects.filter(status=Job.Status.QUEUED, updated_at__lt=expired_cutoff).values_list(
        "pk", "errors", "requested_by__language"
    )
    for job_id, errors, _language in expired:
        error = job_error_entry(
            gettext_noop(
                "No background worker started the job for a day, so it was marked as failed. "
                "Use “Run again” once the background service works."
            )
        )
        counts["failed"] += Job.objects.filter(
            pk=job_id, status=Job.Status.QUEUED, updated_at__lt=expired_cutoff
        ).update(status=Job.Status.FAILED, finished_at=now, updated_at=now, errors=[*errors, error])
    # Workers that stopped long ago (each restart is a new host:pid) are forgotten.
    WorkerBeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    if counts["requeued"] or counts["failed"]:
        logger.warning("Job sweep: %(requeued)d re-queued, %(failed)d failed.", counts)
    return counts


# --- Reads for the dashboard ---------------------------------------------------------------


def jobs_visible_to(user: User | AnonymousUser) -> QuerySet[Job]:
    """Administrators see every job; other staff see the jobs they started."""
    jobs = Job.objects.select_related("requested_by")
    if user_has_any_role(user, [StaffRole.ADMIN]):
        return jobs
    return jobs.filter(requested_by_id=user.pk)


def job_get_for_user(*, user: User | AnonymousUser, pk: int) -> Job:
    """A job the user may see; 404 otherwise (another staff member's job is not revealed)."""
    job = jobs_visible_to(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job
