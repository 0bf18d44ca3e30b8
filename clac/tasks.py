"""Celery tasks of the project itself: running tracked jobs, and the beat's sweep (jobs whose
worker died) and outbox relay (jobs never sent). Thin wrappers: they take ids and call
clac.jobs."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from clac.jobs import job_execute, jobs_relay, jobs_sweep, worker_seen

# Errors that pass on their own (a database restart, a broker hiccup): retry with backoff.
# A runner's own errors never get here: job_execute records them on the job.
TRANSIENT_ERRORS = (DatabaseOperationalError, InterfaceError, BrokerOperationalError)

# Below the broker's visibility timeout, so Redis does not deliver a job that is still
# running to a second worker (the second would find it claimed anyway). All the timings are
# settings: clac/settings/base.py "Background jobs".
JOB_SOFT_TIME_LIMIT = settings.JOBS_SOFT_TIME_LIMIT
JOB_TIME_LIMIT = settings.JOBS_TIME_LIMIT


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
def jobs_mark_stale() -> dict[str, int]:
    """The sweep: re-queue or fail the jobs whose worker died (see clac.jobs.jobs_sweep)."""
    worker_seen()
    return jobs_sweep()


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def jobs_relay_unsent() -> int:
    """The outbox relay: send the jobs that never reached the broker (see clac.jobs.jobs_relay)."""
    worker_seen()
    return jobs_relay()


@worker_ready.connect
def _worker_ready(**kwargs: object) -> None:
    """A worker that starts says so at once (the jobs page and /healthz?deep=1 read it)."""
    try:
        worker_seen()
    except Exception:  # the database not up yet: the sweep records the worker later
        logging.getLogger(__name__).warning("Could not record the worker as alive.", exc_info=True)
