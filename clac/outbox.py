"""The outbox: work that must reach the broker is first recorded in the database, in the
transaction that creates it, and only then sent; a failed send is not an error, because a
periodic relay sends whatever was not sent (or waited too long) later.

A model takes part by having a nullable "sent" timestamp (empty: not sent yet) and a
`created_at`; the receiving side must make a second delivery harmless (a tracked job's claim
does: clac.jobs.job_execute). Tracked jobs use it (clac.jobs.job_send, jobs_relay); campaign
messages can use the same two functions with their own model and send function."""

import functools
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)

# The same message sent quickly twice would be harmless, but the relay leaves alone what was
# created moments ago: its own on-commit send is still on its way.
RELAY_GRACE = timedelta(seconds=10)


def outbox_send(*, instance: Model, send: Callable[[], object], sent_field: str = "sent_at") -> bool:
    """Call `send()`; on success record when on the row (and the instance). Any failure (the
    broker refuses the connection, times out, …) is logged and swallowed: the row stays
    unsent and the relay will send it. Returns whether it was sent."""
    try:
        send()
    except Exception:
        logger.warning(
            "Could not send %s %s to the broker; the relay will send it later.",
            type(instance).__name__,
            instance.pk,
            exc_info=True,
        )
        return False
    now = timezone.now()
    type(instance)._default_manager.filter(pk=instance.pk).update(**{sent_field: now})
    setattr(instance, sent_field, now)
    return True


def outbox_pending(
    queryset: QuerySet, *, resend_after: timedelta, sent_field: str = "sent_at", now: datetime | None = None
) -> QuerySet:
    """The rows of `queryset` (already narrowed to those still waiting for a receiver) that
    were never sent, or were sent longer than `resend_after` ago, oldest first."""
    now = now or timezone.now()
    never_sent = Q(**{f"{sent_field}__isnull": True, "created_at__lt": now - RELAY_GRACE})
    waited_too_long = Q(**{f"{sent_field}__lt": now - resend_after})
    return queryset.filter(never_sent | waited_too_long).order_by("created_at", "pk")


def outbox_relay(
    queryset: QuerySet,
    *,
    send: Callable[[Model], object],
    resend_after: timedelta,
    sent_field: str = "sent_at",
    now: datetime | None = None,
    limit: int = 500,
) -> int:
    """Send the pending rows (see outbox_pending) with `send(row)`; returns how many were
    sent. Stops at the first failure: the broker is still down, the next run goes on."""
    sent = 0
    for instance in outbox_pending(queryset, resend_after=resend_after, sent_field=sent_field, now=now)[:limit]:
        if not outbox_send(instance=instance, send=functools.partial(send, instance), sent_field=sent_field):
            break
        sent += 1
    if sent:
        logger.info("Outbox relay sent %d %s.", sent, queryset.model._meta.verbose_name_plural)
    return sent
