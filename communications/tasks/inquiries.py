"""Tasks of the inquiries area: the acknowledgement and reply e-mails (each claimed before it
is sent, so a redelivered task sends nothing twice), the relay of e-mails left unsent, and the
nightly retention. Thin: ids in, a service call."""

from celery import shared_task
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError

from communications.services import inquiries as services

TRANSIENT_ERRORS = (DatabaseOperationalError, InterfaceError, OSError)


@shared_task(
    name="communications.tasks.inquiry_acknowledge_task",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    # A mail server that refuses or times out (OSError, smtplib's errors among them): the
    # service released its claim, so the retry sends the one acknowledgement.
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def inquiry_acknowledge_task(inquiry_id: int) -> bool:
    return services.inquiry_acknowledge(inquiry_id=inquiry_id)


@shared_task(
    name="communications.tasks.inquiry_reply_send_task",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    max_retries=5,
)
def inquiry_reply_send_task(message_id: int) -> bool:
    # A failed send is recorded on the reply (shown in the thread, "send again"), not retried
    # blindly: the claim moved it out of "queued".
    return services.inquiry_reply_send(message_id=message_id)


@shared_task(name="communications.tasks.inquiries_relay_unsent", acks_late=True, soft_time_limit=120, time_limit=180)
def inquiries_relay_unsent() -> int:
    return services.inquiries_relay_unsent()


@shared_task(
    name="communications.tasks.inquiries_anonymize_expired", acks_late=True, soft_time_limit=600, time_limit=900
)
def inquiries_anonymize_expired() -> int:
    return services.inquiries_anonymize_expired()
