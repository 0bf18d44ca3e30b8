"""A Job runs on a real Celery worker over the real Redis, reports progress while it runs, and
its failure is recorded. This module is also imported by the worker (--include), which is how
the runners below exist there."""

import time

import pytest
from django.db import transaction

from clac.jobs import JobProgress, job_enqueue, job_runner
from clac.models import Job

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# How long a runner waits for the test to let it finish before giving up.
RUNNER_PATIENCE_SECONDS = 30


@job_runner("tests.integration.counted")
def counted(job: Job, progress: JobProgress) -> dict:
    """Counts to params["rows"], then waits until the test sets params["go"]: the test sees
    the progress written while the job is still running."""
    rows = job.params["rows"]
    progress.set_total(rows)
    progress.advance(rows - 1)
    progress.flush()
    deadline = time.monotonic() + RUNNER_PATIENCE_SECONDS
    while not Job.objects.filter(pk=job.pk, params__go=True).exists():
        if time.monotonic() > deadline:
            raise TimeoutError("The test never let the job finish.")
        time.sleep(0.05)
    progress.advance()
    return {"counted": rows}


@job_runner("tests.integration.broken")
def broken(job: Job, progress: JobProgress) -> dict:
    progress.set_total(4)
    progress.add_error("Unknown country", row=3, column="country")
    progress.advance(2)
    raise ValueError("the spreadsheet has no header row")


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


def test_job_runs_on_a_real_worker_and_reports_progress(celery_worker, celery_over_redis, wait_for, admin_user):
    with transaction.atomic():
        job = job_enqueue(kind="tests.integration.counted", requested_by=admin_user, params={"rows": 5})

    # The job is still running (it waits for "go") and its progress is already visible.
    wait_for(lambda: _job(job.pk).progress_done == 4)
    running = _job(job.pk)
    assert running.status == Job.Status.RUNNING
    assert running.progress_total == 5
    assert running.started_at is not None

    Job.objects.filter(pk=job.pk).update(params={"rows": 5, "go": True})
    wait_for(lambda: _job(job.pk).is_finished, timeout=RUNNER_PATIENCE_SECONDS)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert (job.progress_done, job.progress_total) == (5, 5)
    assert job.result == {"counted": 5}
    assert job.finished_at >= job.started_at


def test_failing_job_on_a_real_worker_is_recorded_as_failed(celery_worker, celery_over_redis, wait_for, admin_user):
    job = job_enqueue(kind="tests.integration.broken", requested_by=admin_user)

    wait_for(lambda: _job(job.pk).is_finished)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.finished_at is not None
    assert job.progress_done == 2
    messages = [error["message"] for error in job.errors]
    assert messages[0] == "Unknown country"
    assert job.errors[0]["row"] == 3
    assert "the spreadsheet has no header row" in messages[-1]
    assert "ValueError" in messages[-1]
