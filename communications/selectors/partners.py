"""Reads of communications: partner lists and the access helpers of partners and their keys.
Partner pages are for administrators only; anyone else is refused before a row is read."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from clac.roles import StaffRole, user_has_any_role
from communications.models import ApiKey, ExternalPartner

# Who manages partners and their keys.
PARTNER_MANAGERS = frozenset({StaffRole.ADMIN})


def external_partner_list() -> QuerySet[ExternalPartner]:
    """Partners by name, each with its number of keys and of keys that still work."""
    now = timezone.now()
    not_expired = Q(api_keys__expires_at__isnull=True) | Q(api_keys__expires_at__gt=now)
    usable = Q(api_keys__revoked_at__isnull=True) & not_expired
    return ExternalPartner.objects.annotate(
        key_count=Count("api_keys"), usable_key_count=Count("api_keys", filter=usable)
    ).order_by("name")


def _require_partner_manager(user) -> None:
    if not user_has_any_role(user, PARTNER_MANAGERS):
        raise PermissionDenied


def external_partner_get_for_user(*, user, pk: int) -> ExternalPartner:
    """A partner for an administrator; 403 for other users, 404 for an unknown partner."""
    _require_partner_manager(user)
    partner = ExternalPartner.objects.filter(pk=pk).first()
    if partner is None:
        raise Http404
    return partner


def api_key_get_for_user(*, user, partner_pk: int, pk: int) -> ApiKey:
    """One key of a partner for an administrator; 404 when the key is not that partner's."""
    _require_partner_manager(user)
    key = ApiKey.objects.filter(pk=pk, partner_id=partner_pk).first()
    if key is None:
        raise Http404
    return key
