"""Background work of networks: thin Celery wrappers around the services."""

from celery import shared_task
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from networks.services.networks import network_memberships_reconcile
from networks.services.reviews import consultation_reminders_send as reminders_send

TRANSIENT_ERRORS = (DatabaseOperationalError, InterfaceError, BrokerOperationalError)


@shared_task(
    acks_late=True,
    soft_time_limit=15 * 60,
    time_limit=20 * 60,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def memberships_reconcile() -> dict[str, int]:
    """Every organization's network memberships in line with the registry. Idempotent, so a
    redelivery (acks_late) or a run right after an import's changes nothing more."""
    return network_memberships_reconcile()


def on_registry_imported(**payload: object) -> None:
    """After a registry import: reconcile once the import's transaction has committed."""
    # DjangoTask (clac.celery) gives delay_on_commit(); the celery stubs' Task does not know it.
    memberships_reconcile.delay_on_commit()  # type: ignore[attr-defined]


# --- Reviews: reminders before a consultation round closes -------------------------------------


@shared_task(
    acks_late=True,
    soft_time_limit=10 * 60,
    time_limit=15 * 60,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=60,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def consultation_reminders_send() -> dict[str, int]:
    """Daily (beat): one reminder per invited organization that has not answered, some days
    before its round closes. Idempotent: each reminder is claimed on its invitation first."""
    return reminders_send()
