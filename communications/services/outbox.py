"""The outbox: a campaign becomes one Message row per recipient, and the rows are sent batch
after batch by Celery tasks, each message exactly once (docs/decisions/0016-outbox-exactly-once-and-rate-limit.md).

- Dispatch (`campaign_dispatch`): claims a due campaign `scheduled → sending` under a row lock,
  creates its messages in multi-row INSERTs of thousands from the audience's recipients (the
  unique constraints make a second dispatch add nothing), recipients that may not be sent to
  are written `suppressed` with the reason; after commit it enqueues one send task per
  OUTBOX_BATCH_SIZE queued messages, walking them by key.
- Sending (`messages_send_batch`): a task claims the queued messages of its key range (its
  Celery task id and a lease: a conditional update), then hands them to the channel's provider
  on one connection, through the global rate limit; each message moves queued → sent by a
  conditional update as soon as the provider accepted it, before the next one goes out. A
  redelivered or retried task (same id) resumes the unsent ones; a claim whose worker died
  expires and the sweep gives the rest to a new task.
- Finishing: the campaign moves `sending → sent` when nothing is queued any more.
"""

import functools
import logging
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.celery import app as celery_app
from communications import tracking
from communications.models import Campaign, CampaignContent, Message
from communications.providers import Outgoing, ProviderUnavailable, SendResult, provider_for
from communications.providers.phone import is_mobile
from communications.ratelimit import rate_limiter
from communications.selectors.audiences import RECIPIENT_KEYS, audience_recipients
from communications.services.suppressions import suppression_record
from communications.unsubscribe import list_unsubscribe_headers, unsubscribe_url, unsubscribe_url_template

logger = logging.getLogger(__name__)

DISPATCH_TASK = "communications.tasks.campaign_dispatch"
SEND_TASK = "communications.tasks.messages_send_batch"
# How often (in messages) a sending task looks whether its campaign was cancelled meanwhile.
CANCEL_CHECK_EVERY = 50
# Rows per INSERT when a campaign's messages are created (SQLite allows fewer parameters).
INSERT_CHUNK = {"postgresql": 5000}
INSERT_CHUNK_DEFAULT = 1000
# Tries of a message its recipient's server refuses for now (SMTP 4xx) before it is failed.
DEFERRED_MAX_ATTEMPTS = 5
# Tokens asked of the rate limiter at a time (fewer Redis round trips at high rates).
RATE_TOKENS_AT_ONCE = 20

MESSAGE_COLUMNS = (
    "campaign_id",
    "person_id",
    "partner_contact_id",
    "channel",
    "address",
    "language",
    "country_code",
    "status",
    "skip_reason",
    "provider_id",
    "error",
    "attempts",
    "claim_token",
    "created_at",
)


# --- Sending tasks to the broker -------------------------------------------------------------


def _send_task(name: str, *args: object, task_id: str | None = None) -> bool:
    """Hand a task to the broker (or run it, eagerly, without one). A broker that is down is
    logged, not raised: the beat's sweep finds the campaign and its messages again."""
    try:
        celery_app.tasks[name].apply_async(args=args, task_id=task_id)
    except Exception:
        logger.warning("Could not send %s%r to the broker; the sweep will.", name, args, exc_info=True)
        return False
    return True


def campaign_dispatch_soon(*, campaign_id: int) -> None:
    """Call inside the transaction that makes the campaign due: the dispatch is enqueued once
    it commits (nothing happens when it rolls back). The beat dispatches due campaigns every
    minute as well, so a lost message only delays the send."""
    transaction.on_commit(lambda: _send_task(DISPATCH_TASK, campaign_id))


def messages_cancel_queued(*, campaign_id: int) -> int:
    """Queued → cancelled, in one statement (campaign_cancel calls it in its transaction).
    A message a worker is sending at that very moment still becomes `sent`: the record says
    what happened."""
    return Message.objects.filter(campaign_id=campaign_id, status=Message.Status.QUEUED).update(
        status=Message.Status.CANCELLED, claim_token="", claimed_until=None
    )


# --- Dispatch ----------------------------------------------------------------------------------


def _recipients(campaign: Campaign) -> QuerySet:
    return audience_recipients(audience=campaign.audience, channel=campaign.channel)


def campaign_dispatch(*, campaign_id: int, now: datetime | None = None) -> int:
    """Start sending a due campaign: `scheduled → sending`, its messages created; returns how
    many messages were created (0 when the campaign was not due or someone else took it)."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update()
            .filter(pk=campaign_id, status=Campaign.Status.SCHEDULED, scheduled_at__lte=now)
            .first()
        )
        if campaign is None:
            return 0
        campaign.status = Campaign.Status.SENDING
        campaign.sending_started_at = now
        campaign.save(update_fields=["status", "sending_started_at", "updated_at"])
        if campaign.channel == Campaign.Channel.PORTAL:
            # An announcement: nothing to send, the portal shows it from now on.
            campaign.status = Campaign.Status.SENT
            campaign.sent_at = now
            campaign.save(update_fields=["status", "sent_at", "updated_at"])
            return 0
        created = _messages_create(campaign=campaign, now=now)
        transaction.on_commit(lambda: messages_enqueue(campaign_id=campaign_id))
    logger.info("Campaign %s: %d messages created.", campaign_id, created)
    return created


def _messages_create(*, campaign: Campaign, now: datetime) -> int:
    """One row per recipient, written by the database itself: INSERT … SELECT over the
    audience's recipients query (no row passes through Python; 100,000 rows in a second or
    two). A row that exists already (a dispatch run twice) is left as it is."""
    recipients = _recipients(campaign)
    if not set(RECIPIENT_KEYS) <= set(recipients.query.annotation_select):
        return _messages_create_in_chunks(campaign=campaign, recipients=recipients, now=now)
    languages = sorted(set(campaign.contents.values_list("language", flat=True))) or [campaign.fallback_language]
    # The fallback must have content too (the campaign's validation sees to it; if not, the
    # first language that has some).
    fallback = campaign.fallback_language if campaign.fallback_language in languages else languages[0]
    select_sql, select_params = recipients.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(Message._meta.db_table)
    columns = ", ".join(quote(column) for column in MESSAGE_COLUMNS)
    skip = "COALESCE(r.skip_reason, '')"
    address = "COALESCE(r.address, '')"
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names from the model, values bound
        f"SELECT %s, CAST(r.person_id AS BIGINT), CAST(r.partner_contact_id AS BIGINT), %s, {address}, "
        f"CASE WHEN r.language IN ({', '.join(['%s'] * len(languages))}) THEN r.language ELSE %s END, "
        "COALESCE(r.country_code, ''), "
        f"CASE WHEN {skip} = '' AND {address} <> '' THEN %s ELSE %s END, "
        f"CASE WHEN {skip} = '' AND {address} = '' THEN %s ELSE {skip} END, "
        "'', '', 0, '', %s "
        f"FROM ({select_sql}) AS r WHERE TRUE ON CONFLICT DO NOTHING"
    )
    params: list[Any] = [
        campaign.pk,
        campaign.channel,
        *languages,
        fallback,
        str(Message.Status.QUEUED),
        str(Message.Status.SUPPRESSED),
        str(Message.SkipReason.NO_ADDRESS),
        now,
    ]
    # The SELECT's own parameters come after those written before it in the statement.
    ordered = params + list(select_params)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner's estimate for this query wakes the JIT compiler, which spends longer
            # compiling than the query takes.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, ordered)
        return max(cursor.rowcount, 0)


def _messages_create_in_chunks(*, campaign: Campaign, recipients: QuerySet, now: datetime) -> int:
    """The portable way, when the recipients query does not name its columns: rows streamed
    and written in multi-row INSERTs of thousands."""
    languages = set(campaign.contents.values_list("language", flat=True))
    fallback = (
        campaign.fallback_language if campaign.fallback_language in languages or not languages else min(languages)
    )
    chunk_size = INSERT_CHUNK.get(connection.vendor, INSERT_CHUNK_DEFAULT)
    table = connection.ops.quote_name(Message._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in MESSAGE_COLUMNS)
    row_sql = "(" + ", ".join(["%s"] * len(MESSAGE_COLUMNS)) + ")"
    created = 0
    rows: list[tuple] = []

    def flush() -> int:
        if not rows:
            return 0
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(rows))} ON CONFLICT DO NOTHING"  # noqa: S608 - names from the model, values bound
        params = [value for row in rows for value in row]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = cursor.rowcount
        rows.clear()
        return max(count, 0)

    for recipient in recipients.iterator(chunk_size=chunk_size):
        skip = recipient["skip_reason"] or ""
        if not skip and not recipient["address"]:
            skip = Message.SkipReason.NO_ADDRESS
        language = recipient["language"] if recipient["language"] in languages else fallback
        rows.append(
            (
                campaign.pk,
                recipient["person_id"],
                recipient["partner_contact_id"],
                campaign.channel,
                recipient["address"] or "",
                language,
                recipient["country_code"] or "",
                Message.Status.SUPPRESSED if skip else Message.Status.QUEUED,
                skip,
                "",
                "",
                0,
                "",
                now,
            )
        )
        if len(rows) >= chunk_size:
            created += flush()
    created += flush()
    return created


def messages_enqueue(*, campaign_id: int, batch_size: int | None = None) -> int:
    """One send task per `batch_size` queued messages of the campaign, by key; returns how
    many tasks were sent. A campaign with nothing queued is finished at once."""
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    table = connection.ops.quote_name(Message._meta.db_table)
    bounds_sql = (
        "SELECT MIN(id), MAX(id) FROM (SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1) / %s AS batch "  # noqa: S608
        f"FROM {table} WHERE campaign_id = %s AND status = %s) AS numbered GROUP BY batch ORDER BY batch"
    )
    with connection.cursor() as cursor:
        cursor.execute(bounds_sql, [batch_size, campaign_id, str(Message.Status.QUEUED)])
        bounds = cursor.fetchall()
    tasks = 0
    for first_id, last_id in bounds:
        _send_task(SEND_TASK, campaign_id, first_id, last_id)
        tasks += 1
    if not tasks:
        campaign_finish(campaign_id=campaign_id)
    return tasks


def campaigns_dispatch_due(*, now: datetime | None = None) -> int:
    """The beat's minute: dispatch every due scheduled campaign; returns how many started."""
    now = now or timezone.now()
    due = Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=now).values_list("pk", flat=True)
    started = 0
    for campaign_id in list(due):
        campaign_dispatch(campaign_id=campaign_id, now=now)
        started += 1
    return started


def campaign_finish(*, campaign_id: int, now: datetime | None = None) -> bool:
    """`sending → sent` once nothing is queued; returns whether it moved now."""
    if Message.objects.filter(campaign_id=campaign_id, status=Message.Status.QUEUED).exists():
        return False
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_id, status=Campaign.Status.SENDING).first()
        if campaign is None or Message.objects.filter(campaign_id=campaign_id, status=Message.Status.QUEUED).exists():
            return False
        campaign.status = Campaign.Status.SENT
        campaign.sent_at = now or timezone.now()
        campaign.save(update_fields=["status", "sent_at", "updated_at"])
    return True


def outbox_sweep(*, now: datetime | None = None) -> int:
    """The beat's other half: in campaigns still sending, queued messages whose claim expired
    (their worker died) or that nobody claimed for OUTBOX_RESEND_AFTER_SECONDS (their task was
    lost) are given to new tasks, by key; campaigns with nothing queued are finished. Returns
    how many tasks were sent."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    tasks = 0
    sending = Campaign.objects.filter(status=Campaign.Status.SENDING).values_list("pk", "sending_started_at")
    for campaign_id, started_at in list(sending):
        stale = Q(claimed_until__lt=now)
        if started_at and started_at < now - timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS):
            stale |= Q(claimed_until__isnull=True)
        ids = list(
            Message.objects.filter(campaign_id=campaign_id, status=Message.Status.QUEUED)
            .filter(stale)
            .order_by("id")
            .values_list("id", flat=True)
        )
        if not ids:
            campaign_finish(campaign_id=campaign_id, now=now)
            continue
        for start in range(0, len(ids), settings.OUTBOX_BATCH_SIZE):
            chunk = ids[start : start + settings.OUTBOX_BATCH_SIZE]
            # The new task's id is its claim: until it runs, the sweep leaves these alone.
            task_id = str(uuid.uuid4())
            Message.objects.filter(pk__in=chunk, status=Message.Status.QUEUED).filter(stale).update(
                claim_token=task_id, claimed_until=now + lease
            )
            _send_task(SEND_TASK, campaign_id, chunk[0], chunk[-1], task_id=task_id)
            tasks += 1
    return tasks


# --- Sending -----------------------------------------------------------------------------------


@functools.cache
def _message_id_domain(from_email: str) -> str:
    return parseaddr(from_email)[1].rpartition("@")[2] or "clac.local"


def message_id_header(*, campaign_id: int, message_id: int) -> str:
    """The Message-ID of a campaign message: the same on every attempt, so a receiver that
    deduplicates by Message-ID shows a message sent twice once."""
    return f"<campaign-{campaign_id}.message-{message_id}@{_message_id_domain(settings.DEFAULT_FROM_EMAIL)}>"


class _Composer:
    """Builds each message of a campaign from its content in the message's language."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.contents: dict[str, CampaignContent] = {content.language: content for content in campaign.contents.all()}
        self.unsubscribe_template = unsubscribe_url_template()

    def content(self, language: str) -> CampaignContent | None:
        return (
            self.contents.get(language)
            or self.contents.get(self.campaign.fallback_language)
            or next(iter(self.contents.values()), None)
        )

    def compose(self, message: Message) -> Outgoing:
        content = self.content(message.language)
        if content is None:
            raise ValidationError(_("The campaign has no content in this language."))
        if self.campaign.channel != Campaign.Channel.EMAIL:
            return Outgoing(
                key=message.pk, address=message.address, language=message.language, subject="", text=content.body_text
            )
        # The signed unsubscribe link and its List-Unsubscribe headers (RFC 8058).
        url = unsubscribe_url(message=message, template=self.unsubscribe_template)
        headers = list_unsubscribe_headers(message=message, url=url)
        html = content.body_html
        if self.campaign.track_clicks:
            html = tracking.links_rewrite(html, message_id=message.pk)
        text_footer, html_footer = tracking.footers(language=message.language, unsubscribe_url=url)
        html = f"{html}{html_footer}"
        if self.campaign.track_opens:
            html += tracking.pixel_html(message_id=message.pk)
        return Outgoing(
            key=message.pk,
            address=message.address,
            language=message.language,
            subject=content.subject,
            text=f"{content.body_text}{text_footer}",
            html=html,
            headers={"Message-ID": message_id_header(campaign_id=self.campaign.pk, message_id=message.pk), **headers},
        )


# Raw SQL on the hot path: one short statement per message, recorded before the next is sent.
_SENT_SQL = (
    "UPDATE communications_message SET status = 'sent', sent_at = %s, provider_id = %s, error = '', "
    "attempts = attempts + 1, claim_token = '', claimed_until = NULL "
    "WHERE id = %s AND status IN ('queued', 'cancelled')"
)
# Held back (claimed by nobody until `claimed_until`, which the sweep then finds expired) for
# 5, 10, 20, 40 minutes after the 1st, 2nd, 3rd and later refusals.
_DEFERRED_SQL = (
    "UPDATE communications_message SET attempts = attempts + 1, error = %s, claim_token = '', "
    "claimed_until = CASE WHEN attempts = 0 THEN %s WHEN attempts = 1 THEN %s WHEN attempts = 2 THEN %s ELSE %s END, "
    "status = CASE WHEN attempts + 1 >= %s THEN 'failed' ELSE status END "
    "WHERE id = %s AND status = 'queued'"
)
DEFERRED_BACKOFF_MINUTES = (5, 10, 20, 40)
_FAILED_SQL = (
    "UPDATE communications_message SET status = %s, skip_reason = %s, error = %s, attempts = attempts + 1, "
    "claim_token = '', claimed_until = NULL WHERE id = %s AND status = 'queued'"
)


def _record(cursor, result: SendResult, now: datetime) -> str:
    if result.ok:
        cursor.execute(_SENT_SQL, [now, result.provider_id[:200], result.key])
        return "sent"
    if result.deferred:
        # Still queued, held back a while (longer at each try): the beat's sweep then gives it
        # to a new task; after DEFERRED_MAX_ATTEMPTS tries it is failed for good.
        retry_at = [now + timedelta(minutes=minutes) for minutes in DEFERRED_BACKOFF_MINUTES]
        cursor.execute(_DEFERRED_SQL, [result.error[:500], *retry_at, DEFERRED_MAX_ATTEMPTS, result.key])
        return "deferred"
    status = Message.Status.SUPPRESSED if result.skip_reason else Message.Status.FAILED
    cursor.execute(_FAILED_SQL, [str(status), result.skip_reason, result.error[:500], result.key])
    return str(status)


def messages_send_batch(*, campaign_id: int, first_id: int, last_id: int, claim_token: str) -> dict[str, int]:
    """Send the queued messages of a campaign with ids in [first_id, last_id]. `claim_token`
    is the task's id: a retried or redelivered task takes its own claim back. Raises
    ProviderUnavailable (the task retries; what was sent stays sent). Returns counts."""
    counts = {"sent": 0, "failed": 0, "suppressed": 0, "deferred": 0}
    now = timezone.now()
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.SENDING:
        return counts
    in_range = Message.objects.filter(
        campaign_id=campaign_id, status=Message.Status.QUEUED, pk__gte=first_id, pk__lte=last_id
    )
    claimable = Q(claim_token=claim_token) | Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    claimed = in_range.filter(claimable).update(
        claim_token=claim_token, claimed_until=now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    )
    if claimed:
        messages = list(
            in_range.filter(claim_token=claim_token)
            .order_by("pk")
            .only("pk", "campaign_id", "person_id", "partner_contact_id", "channel", "address", "language")
        )
        _deliver(campaign=campaign, messages=messages, counts=counts)
    campaign_finish(campaign_id=campaign_id)
    return counts


def _outgoing(campaign: Campaign, composer: _Composer, messages: list[Message]) -> Iterator[Outgoing]:
    """The batch's messages, composed one by one as the provider asks for them, through the
    channel's rate limit; stops early when the campaign was cancelled meanwhile."""
    limiter = rate_limiter()
    allowance = 0
    for position, message in enumerate(messages):
        cancel_check = position and position % CANCEL_CHECK_EVERY == 0
        if cancel_check and not Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).exists():
            return
        if allowance == 0:
            allowance = limiter.acquire(campaign.channel, min(RATE_TOKENS_AT_ONCE, len(messages) - position))
        allowance -= 1
        yield composer.compose(message)


def _deliver(*, campaign: Campaign, messages: list[Message], counts: dict[str, int]) -> None:
    composer = _Composer(campaign)
    provider = provider_for(campaign.channel)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            # Each "sent" is its own short commit; not waiting for the disk flush makes them
            # cheap. A worker killed loses nothing committed; only a crash of PostgreSQL itself
            # could lose the last fraction of a second of them (ADR: the residual window).
            cursor.execute("SET synchronous_commit TO OFF")
        try:
            for result in provider.send_batch(_outgoing(campaign, composer, messages)):
                counts[_record(cursor, result, timezone.now())] += 1
        finally:
            if postgres:
                cursor.execute("RESET synchronous_commit")


# --- Test send ---------------------------------------------------------------------------------


def campaign_test_send(*, campaign: Campaign, language: str, address: str) -> None:
    """Send the campaign's content in `language` to one address now, through the campaign's
    channel provider (no Message row, no rate limit). Raises ValidationError, translated."""
    if campaign.channel == Campaign.Channel.PORTAL:
        raise ValidationError(_("A portal announcement is not sent to an address."), code="portal")
    content = campaign.contents.filter(language=language).first()
    if content is None:
        raise ValidationError(_("The campaign has no content in this language."), code="no_content")
    address = (address or "").strip()
    if campaign.channel == Campaign.Channel.EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(_("Enter a valid email address."), code="invalid_address") from None
        address = address.lower()
        message = Outgoing(
            key=None,
            address=address,
            language=language,
            subject=content.subject,
            text=content.body_text,
            html=content.body_html,
            headers={"Content-Language": language},
        )
    else:
        if not is_mobile(address):
            raise ValidationError(
                _("Enter a mobile phone number in international format, e.g. +51987654321."), code="invalid_address"
            )
        message = Outgoing(key=None, address=address, language=language, subject="", text=content.body_text)
    try:
        results: Iterable[SendResult] = list(provider_for(campaign.channel).send_batch([message]))
    except ProviderUnavailable as error:
        raise ValidationError(
            _("The test message could not be sent: %(error)s"), code="provider", params={"error": str(error)}
        ) from error
    for result in results:
        if not result.ok:
            raise ValidationError(
                _("The test message could not be sent: %(error)s"), code="provider", params={"error": result.error}
            )


# --- What the providers report back ------------------------------------------------------------


class DeliveryEvent:
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    FAILED = "failed"
    OPENED = "opened"
    CLICKED = "clicked"
    UNSUBSCRIBED = "unsubscribed"


def _suppress(*, message: Message, reason: str, detail: str) -> None:
    if message.address and message.channel != Campaign.Channel.PORTAL:
        suppression_record(
            channel=message.channel, address=message.address, reason=reason, detail=detail[:500], message=message
        )


@transaction.atomic
def message_event_record(
    *, provider_id: str, event: str, detail: str = "", at: datetime | None = None
) -> Message | None:
    """A provider's report on a message it sent (webhooks): delivered, bounced (a hard bounce
    suppresses the address), complained (suppresses it), failed, opened, clicked, unsubscribed.
    Each field is set once (conditional updates: a report delivered twice changes nothing more).
    Returns the message, or None when no message has that provider id."""
    at = at or timezone.now()
    message = Message.objects.select_for_update().filter(provider_id=provider_id).exclude(provider_id="").first()
    if message is None:
        return None
    rows = Message.objects.filter(pk=message.pk)
    if event == DeliveryEvent.DELIVERED:
        rows.filter(status=Message.Status.SENT).update(status=Message.Status.DELIVERED, delivered_at=at)
    elif event == DeliveryEvent.BOUNCED:
        rows.filter(status__in=[Message.Status.SENT, Message.Status.DELIVERED]).update(
            status=Message.Status.BOUNCED, bounced_at=at, error=detail[:500]
        )
        _suppress(message=message, reason="hard_bounce", detail=detail)
    elif event == DeliveryEvent.COMPLAINED:
        _suppress(message=message, reason="complaint", detail=detail)
    elif event == DeliveryEvent.FAILED:
        rows.filter(status__in=[Message.Status.SENT, Message.Status.DELIVERED]).update(
            status=Message.Status.FAILED, error=detail[:500]
        )
    elif event == DeliveryEvent.OPENED:
        rows.filter(opened_at__isnull=True).update(opened_at=at)
    elif event == DeliveryEvent.CLICKED:
        rows.filter(clicked_at__isnull=True).update(clicked_at=at)
        rows.filter(opened_at__isnull=True).update(opened_at=at)
    elif event == DeliveryEvent.UNSUBSCRIBED:
        _suppress(message=message, reason="unsubscribed", detail=detail)
    message.refresh_from_db()
    return message


def message_opened(*, message_id: int, at: datetime | None = None) -> bool:
    """The open pixel was fetched: set opened_at once. Returns whether it was set now."""
    return bool(Message.objects.filter(pk=message_id, opened_at__isnull=True).update(opened_at=at or timezone.now()))


def message_clicked(*, message_id: int, at: datetime | None = None) -> bool:
    """A tracked link was followed: set clicked_at once (and opened_at: a click is an open)."""
    at = at or timezone.now()
    Message.objects.filter(pk=message_id, opened_at__isnull=True).update(opened_at=at)
    return bool(Message.objects.filter(pk=message_id, clicked_at__isnull=True).update(clicked_at=at))
