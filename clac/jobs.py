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
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop

from clac.celery import app as celery_app
from clac.models import Job, User
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
# A running job that has written nothing for this long lost its worker (the task's hard time
# limit is far shorter); a queued job that never started lost its broker message.
STALE_RUNNING_AFTER = timedelta(hours=2)
STALE_QUEUED_AFTER = timedelta(days=1)


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
    # Labels of coded values, per result key (an import's "format": organizations → Organizations).
    result_value_labels: Mapping[str, Mapping[Any, str | Promise]] = field(default_factory=dict)


_REGISTRY: dict[str, JobKind] = {}


def job_runner(
    kind: str,
    *,
    label: str | Promise | None = None,
    result_labels: Mapping[str, str | Promise] | None = None,
    result_value_labels: Mapping[str, Mapping[Any, str | Promise]] | None = None,
) -> Callable[[Runner], Runner]:
    """Register `fn(job, progress) -> dict` as the runner of `kind`; the dict becomes job.result."""

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

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.omitted_errors

    def set_total(self, n: int) -> None:
        if n < 0:
            raise ValueError("A job's total cannot be negative.")
        self.total = n
        self._dirty = True
        self.flush()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._dirty = True
        self._flush_if_due()

    def add_error(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        if len(self.errors) < MAX_ERRORS:
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

    def _update(self, **fields: Any) -> None:
        self._last_write = self._clock()
        # updated_at doubles as the heartbeat jobs_mark_stale reads; .update() skips auto_now.
        updated = Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING).update(
            updated_at=timezone.now(), **fields
        )
        if not updated:
            raise JobAborted(f"Job {self.job.pk} is no longer running.")

    def _finish(self, status: str, *, result: dict | None = None) -> bool:
        fields = self._progress_fields()
        if result is not None:
            fields["result"] = result
        now = timezone.now()
        updated = Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING).update(
            status=status, finished_at=now, updated_at=now, **fields
        )
        return bool(updated)


@transaction.atomic
def job_enqueue(
    *,
    kind: str,
    requested_by: User | None = None,
    params: dict | None = None,
    input_file: File | None = None,
) -> Job:
    """Create a queued job and send it to a worker once the surrounding transaction commits
    (a job created in a transaction that rolls back is never run)."""
    if kind not in _REGISTRY:
        raise ValueError(f"Unknown job kind {kind!r}: register a runner with @job_runner in <app>/tasks.py.")
    job = Job(kind=kind, requested_by=requested_by, params=_json_safe(params or {}))
    if input_file is not None:
        job.input_file.save(os.path.basename(input_file.name or "input"), input_file, save=False)
    job.save()
    # Looked up by name in Celery's registry (clac.tasks imports this module, not the reverse).
    celery_app.tasks[JOB_RUN_TASK].delay_on_commit(job.pk)  # type: ignore[attr-defined]  # DjangoTask
    return job


def _job_language(job: Job) -> str:
    requester = job.requested_by
    return (requester.language if requester else "") or settings.LANGUAGE_CODE


def job_execute(*, job_id: int) -> None:
    """Run a queued job once. Deliberately not atomic: the runner commits as it goes so that
    its progress shows while it runs. Any failure of the runner is recorded on the job."""
    now = timezone.now()
    # The conditional update is the claim: a second delivery of the same task (late
    # acknowledgement, a retry) finds the job no longer queued and does nothing.
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, updated_at=now
    )
    if not claimed:
        logger.info("Job %s is not queued (already run, running or deleted): nothing to do.", job_id)
        return

    job = Job.objects.select_related("requested_by").get(pk=job_id)
    progress = JobProgress(job)
    # Messages a runner writes (errors, result labels) come out in the requester's language.
    with translation.override(_job_language(job)):
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


def jobs_fail_stale(*, now: datetime | None = None) -> int:
    """Mark as failed the jobs whose worker died (running, silent for hours) or whose message
    was lost (queued for a day). Returns how many were marked."""
    now = now or timezone.now()
    marked = 0
    candidates = [
        (
            Job.Status.RUNNING,
            now - STALE_RUNNING_AFTER,
            gettext_noop("The job stopped reporting progress and was marked as failed; its worker probably stopped."),
        ),
        (
            Job.Status.QUEUED,
            now - STALE_QUEUED_AFTER,
            gettext_noop("The job was never started by a worker and was marked as failed."),
        ),
    ]
    for status, cutoff, message in candidates:
        stale = Job.objects.filter(status=status, updated_at__lt=cutoff).values_list("pk", "errors")
        for job_id, errors in stale:
            # Translated when read, in the reader's language (job_error_message).
            error = job_error_entry(message)
            # Conditional on the same state: a job that moved meanwhile is left alone.
            marked += Job.objects.filter(pk=job_id, status=status, updated_at__lt=cutoff).update(
                status=Job.Status.FAILED, finished_at=now, updated_at=now, errors=[*errors, error]
            )
    if marked:
        logger.warning("Marked %d stale jobs as failed.", marked)
    return marked


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
