"""Brute-force defences: the tiered sign-in lockout (django-axes with our handler), the 429
answers, the lockouts page's reads and the clear action, and a small per-address throttle for
the password-reset form and for refused API keys and tokens.

Tiers (settings): an account from one address is locked after AXES_FAILURE_LIMIT failures;
an address, across accounts, after LOCKOUT_IP_FAILURE_LIMIT; an account, across addresses,
after LOCKOUT_USER_FAILURE_LIMIT. Failures older than the cool-off (AXES_COOLOFF_TIME) no
longer count, so a lock ends a cool-off after the last failure. While locked, even the right
password is refused."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.auth.security_log import Kind, client_ip, security_event
from clac.models import SecurityEvent

TIER_ACCOUNT = "account"
TIER_ADDRESS = "address"
TIER_USER = "user"


def cool_off() -> datetime.timedelta:
    return get_cool_off() or datetime.timedelta(minutes=15)


def _recent_attempts() -> QuerySet[AccessAttempt]:
    return AccessAttempt.objects.filter(attempt_time__gt=timezone.now() - cool_off())


def _tier_limits() -> dict[str, int]:
    return {
        TIER_ACCOUNT: int(settings.AXES_FAILURE_LIMIT),
        TIER_ADDRESS: int(settings.LOCKOUT_IP_FAILURE_LIMIT),
        TIER_USER: int(settings.LOCKOUT_USER_FAILURE_LIMIT),
    }


def _username_q(username: str | None) -> Q:
    return Q(username=username) if username is not None else Q(username__isnull=True)


def tier_failures(*, username: str | None, ip_address: str | None) -> dict[str, int]:
    """Recent failures counted by each tier, in one query."""
    account = _username_q(username) & Q(ip_address=ip_address)
    totals = (
        _recent_attempts()
        .filter(_username_q(username) | Q(ip_address=ip_address))
        .aggregate(
            account=Sum("failures_since_start", filter=account),
            address=Sum("failures_since_start", filter=Q(ip_address=ip_address)),
            user=Sum("failures_since_start", filter=_username_q(username)),
        )
    )
    counts = {tier: int(totals[tier] or 0) for tier in (TIER_ACCOUNT, TIER_ADDRESS, TIER_USER)}
    if username is None:
        counts[TIER_USER] = 0  # failures without a name are not one account
    return counts


def locking_tier(counts: dict[str, int]) -> str | None:
    limits = _tier_limits()
    for tier in (TIER_ACCOUNT, TIER_ADDRESS, TIER_USER):
        if counts[tier] >= limits[tier]:
            return tier
    return None


class TieredAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler with three tiers instead of one parameter set. Axes
    compares `get_failures` with AXES_FAILURE_LIMIT: past any tier's own limit it answers at
    least that limit (locked); below every limit it answers the account tier's count."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        ip_address = getattr(request, "axes_ip_address", None) or client_ip(request)
        counts = tier_failures(username=username, ip_address=ip_address)
        if locking_tier(counts) is not None:
            return max(counts[TIER_ACCOUNT], int(settings.AXES_FAILURE_LIMIT))
        return counts[TIER_ACCOUNT]


def lockout_seconds_left(*, username: str | None, ip_address: str | None) -> int:
    """Seconds until the lock on this account or address ends (the cool-off after the last
    counted failure)."""
    last = (
        _recent_attempts()
        .filter(_username_q(username) | Q(ip_address=ip_address))
        .aggregate(last=Max("attempt_time"))["last"]
    )
    if last is None:
        return 0
    return max(0, math.ceil((last + cool_off() - timezone.now()).total_seconds()))


def minutes_to_wait(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def too_many_requests(request: HttpRequest, *, seconds: int, reason: str) -> HttpResponse:
    """The translated 429 page, with the wait in minutes and a Retry-After header."""
    response = render(
        request,
        "registration/too_many_attempts.html",
        {"minutes": minutes_to_wait(seconds), "reason": reason},
        status=429,
    )
    response["Retry-After"] = str(max(1, seconds))
    return response


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: dict | None = None):
    """AXES_LOCKOUT_CALLABLE: the sign-in form of a locked account or address answers 429."""
    username = get_client_username(request, credentials)
    ip_address = getattr(request, "axes_ip_address", None) or client_ip(request)
    seconds = lockout_seconds_left(username=username, ip_address=ip_address)
    return too_many_requests(
        request,
        seconds=seconds or int(cool_off().total_seconds()),
        reason=_("Too many failed sign-in attempts for this account or from this connection."),
    )


def lockout_recorded(*, username: str | None, ip_address: str | None) -> None:
    """Log a lockout once per lock: not again for each refused attempt while it lasts."""
    since = timezone.now() - cool_off()
    already = SecurityEvent.objects.filter(
        kind=Kind.LOCKOUT, username=(username or "")[:150], ip_address=ip_address, created_at__gt=since
    ).exists()
    if not already:
        counts = tier_failures(username=username, ip_address=ip_address)
        tier = locking_tier(counts) or TIER_ACCOUNT
        security_event(Kind.LOCKOUT, username=username or "", detail=f"tier={tier} failures={counts[tier]}")


# --- The lockouts page ----------------------------------------------------------------------


@dataclass
class LockoutRow:
    attempt: AccessAttempt
    failures: int
    locked: bool
    tier: str | None
    ends_at: datetime.datetime


def lockout_rows(attempts: list[AccessAttempt]) -> list[LockoutRow]:
    """The attempts of a page with their lock state, in two more queries for the page (the
    address and account totals), whatever its length."""
    ips = {a.ip_address for a in attempts if a.ip_address}
    names = {a.username for a in attempts if a.username is not None}
    recent = _recent_attempts()
    by_ip = dict(
        recent.filter(ip_address__in=ips)
        .values("ip_address")
        .annotate(total=Sum("failures_since_start"))
        .values_list("ip_address", "total")
    )
    by_user = dict(
        recent.filter(username__in=names)
        .values("username")
        .annotate(total=Sum("failures_since_start"))
        .values_list("username", "total")
    )
    limits = _tier_limits()
    rows = []
    for attempt in attempts:
        counts = {
            TIER_ACCOUNT: attempt.failures_since_start,
            TIER_ADDRESS: int(by_ip.get(attempt.ip_address, 0) or 0),
            TIER_USER: int(by_user.get(attempt.username, 0) or 0) if attempt.username is not None else 0,
        }
        tier = next((t for t in (TIER_ACCOUNT, TIER_ADDRESS, TIER_USER) if counts[t] >= limits[t]), None)
        rows.append(
            LockoutRow(
                attempt=attempt,
                failures=attempt.failures_since_start,
                locked=tier is not None,
                tier=tier,
                ends_at=attempt.attempt_time + cool_off(),
            )
        )
    return rows


def lockout_list() -> QuerySet[AccessAttempt]:
    """Recent failed sign-ins (one row per account and address), newest first."""
    return _recent_attempts().order_by("-attempt_time", "-id")


@transaction.atomic
def lockout_clear(*, attempt: AccessAttempt, actor) -> int:
    """Clear a lock: the failures counted against the row's account (from every address) and
    against its address (for every account). Returns how many rows went."""
    condition = Q(ip_address=attempt.ip_address)
    if attempt.username is not None:
        condition |= Q(username=attempt.username)
    deleted, _detail = AccessAttempt.objects.filter(condition).delete()
    security_event(
        Kind.LOCKOUT_CLEARED,
        user=actor,
        detail=f"account={attempt.username or '-'} address={attempt.ip_address or '-'}",
    )
    return deleted


# --- Per-address throttle (password reset, API keys and tokens) -----------------------------


def _window() -> int:
    return int(settings.THROTTLE_WINDOW_MINUTES) * 60


def _keys(scope: str, ident: str) -> tuple[str, str]:
    return f"clac:throttle:{scope}:{ident}", f"clac:throttle:{scope}:{ident}:start"


def throttle_wait(scope: str, ident: str, limit: int) -> int:
    """Seconds to wait when `ident` has used up `limit` in the current window; 0 otherwise."""
    count_key, start_key = _keys(scope, ident)
    count = cache.get(count_key) or 0
    if count < limit:
        return 0
    start = cache.get(start_key) or timezone.now().timestamp()
    return max(1, math.ceil(start + _window() - timezone.now().timestamp()))


def throttle_hit(scope: str, ident: str) -> int:
    """Count one more use in the window (which starts at the first); returns the count."""
    count_key, start_key = _keys(scope, ident)
    window = _window()
    cache.add(start_key, timezone.now().timestamp(), window)
    cache.add(count_key, 0, window)
    try:
        return cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, window)
        return 1
