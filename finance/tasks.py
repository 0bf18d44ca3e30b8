"""Background work of finance: thin Celery wrappers around the services."""

from celery import shared_task
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.utils import timezone

from finance.selectors.donors import REPORTING_REMINDER_DAYS
from finance.services.donors import deadline_reminders_send

TRANSIENT_ERRORS = (DatabaseOperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    soft_time_limit=5 * 60,
    time_limit=10 * 60,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    max_retries=5,
)
def reporting_deadlines_remind() -> int:
    """Daily: e-mail finance staff about donor reports coming due. Idempotent (one reminder
    per deadline, marked before sending)."""
    return deadline_reminders_send(today=timezone.localdate(), days=REPORTING_REMINDER_DAYS)
