"""The security log: `security_event(...)` writes one SecurityEvent row (who, what, when, from
where) and one log line. Any app calls it for what touches accounts, access or personal data;
inside a web request the address, path and user come from the request by themselves (the
AccountSecurityMiddleware keeps the current request), so services can call it without a request.

    from clac.auth.security_log import security_event
    security_event(SecurityEvent.Kind.PERSONAL_DATA_EXPORTED, user=actor, detail="organizations.csv")
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from axes.helpers import get_client_ip_address

from clac.models import SecurityEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger("clac.security")

# The request being answered by this thread or task (set by clac.auth.middleware).
current_request: ContextVar[HttpRequest | None] = ContextVar("clac_current_request", default=None)

Kind = SecurityEvent.Kind


def client_ip(request: Any) -> str | None:
    """The client's address as the lockout sees it (REMOTE_ADDR, or the trusted proxy header
    in production settings). Takes a Django or a DRF request."""
    django_request = getattr(request, "_request", request)
    try:
        return get_client_ip_address(django_request)
    except Exception:  # a malformed header must not break a refusal
        return django_request.META.get("REMOTE_ADDR")


def _signed_in_user(request: Any) -> Any:
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and getattr(user, "is_authenticated", False) and getattr(user, "pk", None) is not None:
        return user
    return None


def security_event(
    kind: str,
    *,
    user: Any = None,
    username: str = "",
    request: HttpRequest | None = None,
    detail: str = "",
) -> SecurityEvent:
    """Record one security event. `user` defaults to the request's signed-in user; `username`
    names who was meant when there is no user row (a failed sign-in); `detail` is one short
    line (never a secret). The row joins the caller's transaction: a change that rolls back
    leaves no entry claiming it happened."""
    request = request if request is not None else current_request.get()
    if user is None:
        user = _signed_in_user(request)
    if user is not None and getattr(user, "pk", None) is None:
        user = None  # a partner principal or an unsaved user
    if not username and user is not None:
        username = user.get_username()
    ip_address = client_ip(request) if request is not None else None
    path = request.path[:255] if request is not None else ""
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or "")[:150],
        ip_address=ip_address or None,
        path=path,
        detail=(detail or "")[:500],
    )
    # One line, no traceback: what, who, from where, on which path.
    logger.info("security %s user=%s ip=%s path=%s %s", kind, username or "-", ip_address or "-", path or "-", detail)
    return event
