"""Writes on external partners and their API keys.

A raw key is returned once by api_key_create and never stored: the database keeps its SHA-256
hash and a short visible prefix (the platform's key machinery, clac.services)."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.auth.security_log import Kind, security_event
from clac.models import User
from clac.services import key_expiry_clean, key_insert, key_name_clean, scopes_validate
from communications.models import ApiKey, ExternalPartner

logger = logging.getLogger(__name__)


@transaction.atomic
def external_partner_create(
    *,
    name: str,
    kind: str = ExternalPartner.Kind.OTHER,
    country: str = "",
    website: str = "",
    email: str = "",
    notes: str = "",
) -> ExternalPartner:
    name = key_name_clean(name)
    if ExternalPartner.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A partner with this name already exists.")})
    partner = ExternalPartner(
        name=name, kind=kind, country=country.strip().upper(), website=website.strip(), email=email.strip(), notes=notes
    )
    partner.full_clean()
    partner.save()
    return partner


@transaction.atomic
def api_key_create(
    *,
    partner: ExternalPartner,
    name: str,
    scopes: list[str],
    expires_at: datetime.datetime | None = None,
    created_by: User | None = None,
) -> tuple[ApiKey, str]:
    """Create a partner key; returns the key row and the raw key, which is shown once."""
    name = key_name_clean(name)
    scopes = scopes_validate(scopes)
    expires_at = key_expiry_clean(expires_at)
    key, raw_key = key_insert(
        ApiKey, partner=partner, name=name, scopes=scopes, expires_at=expires_at, created_by=created_by
    )
    logger.info("API key %s… created for partner %s (scopes %s) by %s", key.prefix, partner.pk, scopes, created_by)
    security_event(
        Kind.KEY_CREATED,
        user=created_by,
        detail=f"partner key {key.prefix}… partner={partner.pk} scopes={','.join(scopes)}",
    )
    return key, raw_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: User | None) -> ApiKey:
    """Revoke a key. Revoking twice keeps the first revocation time."""
    # Conditional update: two admins revoking at once both succeed and the first time stays.
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    logger.info("API key %s… revoked by %s", api_key.prefix, actor)
    security_event(Kind.KEY_REVOKED, user=actor, detail=f"partner key {api_key.prefix}… partner={api_key.partner_id}")
    return api_key
