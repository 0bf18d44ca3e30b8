"""Celery tasks of the project itself: running tracked jobs and the beat task that cleans up
after dead workers. Thin wrappers: they take ids and call clac.jobs."""

from celery import shared_task
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from clac.jobs import job_execute, jobs_fail_stale

# Errors that pass on their own (a database restart, a broker hiccup): retry with backoff.
# A runner's own errors never get here: job_execute records them on the job.
TRANSIENT_ERRORS = (DatabaseOperationalError, InterfaceError, BrokerOperationalError)

# Below the broker's visibility timeout (settings: one hour), so Redis does not deliver a
# job that is still running to a second worker; the second would find it claimed anyway.
JOB_SOFT_TIME_LIMIT = 50 * 60
JOB_TIME_LIMIT = 55 * 60


@shared_task(
    acks_late=True,
    soft_time_limit=JOB_SOFT_TIME_LIMIT,
    time_limit=JOB_TIME_LIMIT,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def job_run(job_id: int) -> None:
    job_execute(job_id=job_id)


@shared_task(
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def jobs_mark_stale() -> int:
    return jobs_fail_stale()
