"""Writes on the platform's own records: staff tokens, and the key machinery that the app
owning partner keys builds on (communications.services).

A raw key is returned once by the create functions and never stored: the database keeps its
SHA-256 hash and a short visible prefix (see clac.api.keys)."""

import datetime
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.api.keys import key_generate
from clac.api.scopes import SCOPES
from clac.auth.security_log import Kind, security_event
from clac.models import KeyBase, StaffToken, User
from clac.roles import user_is_staff_member

logger = logging.getLogger(__name__)

# A prefix is 32 random bits: a clash is rare but possible, so creation retries a few times.
_PREFIX_ATTEMPTS = 5


def key_name_clean(name: str, *, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({field: _("Give it a name.")})
    return name


def key_expiry_clean(expires_at: datetime.datetime | None) -> datetime.datetime | None:
    if expires_at is None:
        return None
    if timezone.is_naive(expires_at):
        raise ValidationError({"expires_at": _("The expiry needs a time zone.")})
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    return expires_at


def scopes_validate(scopes: list[str] | tuple[str, ...]) -> list[str]:
    """Known scopes, without repeats, in the order given."""
    cleaned = list(dict.fromkeys(s.strip() for s in scopes if s and s.strip()))
    if not cleaned:
        raise ValidationError({"scopes": _("Choose at least one scope.")})
    unknown = [s for s in cleaned if s not in SCOPES]
    if unknown:
        raise ValidationError(
            {
                "scopes": _("Unknown scope(s): %(unknown)s. Known scopes: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(SCOPES)}
            }
        )
    return cleaned


def key_insert[K: KeyBase](model: type[K], **fields: Any) -> tuple[K, str]:
    """Insert a key row with a fresh random key; returns the row and the raw key."""
    for attempt in range(_PREFIX_ATTEMPTS):
        raw_key, prefix, hashed_key = key_generate()
        try:
            # A savepoint, so a prefix clash does not break the caller's transaction.
            with transaction.atomic():
                key = model._default_manager.create(prefix=prefix, hashed_key=hashed_key, **fields)
        except IntegrityError:
            if attempt == _PREFIX_ATTEMPTS - 1:
                raise
            continue
        return key, raw_key
    raise AssertionError("unreachable")


@transaction.atomic
def staff_token_create(*, user: User, name: str, expires_at: datetime.datetime | None = None) -> tuple[StaffToken, str]:
    """Create a personal token for a staff member's scripts; it acts with the user's roles."""
    name = key_name_clean(name)
    expires_at = key_expiry_clean(expires_at)
    if not user.is_active or not user_is_staff_member(user):
        raise ValidationError({"user": _("Only active staff members can have API tokens.")})
    token, raw_key = key_insert(StaffToken, user=user, name=name, expires_at=expires_at)
    logger.info("Staff token %s… created for user %s", token.prefix, user.pk)
    security_event(Kind.KEY_CREATED, user=user, detail=f"staff token {token.prefix}… {name}")
    return token, raw_key


@transaction.atomic
def staff_token_revoke(*, token: StaffToken, actor: User | None) -> StaffToken:
    StaffToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    logger.info("Staff token %s… revoked by %s", token.prefix, actor)
    security_event(Kind.KEY_REVOKED, user=actor, detail=f"staff token {token.prefix}… of user {token.user_id}")
    return token
