"""Background work of communications: thin Celery wrappers around the outbox services
(communications.services.outbox). Every task is idempotent: dispatch claims the campaign with a
locked conditional update, a send batch claims its messages and moves each queued → sent by a
conditional update, so a redelivery, a retry or a second worker never sends a message twice."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from communications.providers import ProviderUnavailable
from communications.services.outbox import (
    campaign_dispatch as campaign_dispatch_service,
)
from communications.services.outbox import (
    campaigns_dispatch_due,
    outbox_sweep,
)
from communications.services.outbox import (
    messages_send_batch as messages_send_batch_service,
)

TRANSIENT_ERRORS = (DatabaseOperationalError, InterfaceError, BrokerOperationalError)


@shared_task(
    name="communications.tasks.campaign_dispatch",
    acks_late=True,
    soft_time_limit=10 * 60,
    time_limit=12 * 60,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=10,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def campaign_dispatch(campaign_id: int) -> int:
    """A due campaign: `scheduled → sending`, its messages created, its send tasks enqueued."""
    return campaign_dispatch_service(campaign_id=campaign_id)


@shared_task(
    name="communications.tasks.messages_send_batch",
    bind=True,
    acks_late=True,
    soft_time_limit=settings.OUTBOX_SEND_SOFT_TIME_LIMIT,
    time_limit=settings.OUTBOX_SEND_TIME_LIMIT,
    autoretry_for=(ProviderUnavailable, *TRANSIENT_ERRORS),
    retry_backoff=15,
    retry_backoff_max=240,
    retry_jitter=True,
    max_retries=8,
)
def messages_send_batch(self, campaign_id: int, first_id: int, last_id: int) -> dict[str, int]:
    """Send a campaign's queued messages with ids in [first_id, last_id]. The task's id is its
    claim: the same task retried or redelivered resumes the messages still queued."""
    return messages_send_batch_service(
        campaign_id=campaign_id, first_id=first_id, last_id=last_id, claim_token=self.request.id or ""
    )


@shared_task(
    name="communications.tasks.outbox_minute",
    acks_late=True,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def outbox_minute() -> dict[str, int]:
    """The beat's minute: dispatch due campaigns; give the messages of dead or lost send tasks
    to new ones; finish campaigns with nothing queued."""
    return {"dispatched": campaigns_dispatch_due(), "resent_batches": outbox_sweep()}
