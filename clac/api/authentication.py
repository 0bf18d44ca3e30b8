"""API authentication: partner keys (`Api-Key`), staff personal tokens (`Token`), sessions."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from clac.api.keys import key_hash, key_prefix
from clac.models import ApiKey, StaffToken

# last_used_at is written at most once a minute per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class PartnerPrincipal:
    """Stands in for request.user when a partner key authenticates: not a staff member, not
    a portal user; request.auth holds the ApiKey and its scopes."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = None
    id = None

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        self.partner = api_key.partner

    def __str__(self) -> str:
        return f"partner:{self.partner.name}"

    @property
    def groups(self):
        from django.contrib.auth.models import Group

        return Group.objects.none()

    @property
    def portal_accesses(self):
        from members.models import PortalAccess

        return PortalAccess.objects.none()


def _find_key(model, keyword: str, header_value: str):
    raw = header_value.strip()
    prefix = key_prefix(raw)
    if prefix is None:
        raise exceptions.AuthenticationFailed(_("Malformed %(kind)s.") % {"kind": keyword})
    key = model.objects.filter(prefix=prefix, hashed_key=key_hash(raw)).first()
    if key is None:
        raise exceptions.AuthenticationFailed(_("Unknown or wrong key."))
    if key.revoked_at is not None:
        raise exceptions.AuthenticationFailed(_("This key has been revoked."))
    if key.is_expired:
        raise exceptions.AuthenticationFailed(_("This key has expired."))
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        model.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


class _PrefixedHeaderAuthentication(authentication.BaseAuthentication):
    keyword = ""

    def _header_value(self, request) -> str | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        if not value.strip():
            raise exceptions.AuthenticationFailed(_("Malformed %(kind)s.") % {"kind": self.keyword})
        return value

    def authenticate_header(self, request) -> str:
        return self.keyword


class PartnerKeyAuthentication(_PrefixedHeaderAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        value = self._header_value(request)
        if value is None:
            return None
        key = _find_key(ApiKey.objects.select_related("partner").model, self.keyword, value)
        key = ApiKey.objects.select_related("partner").get(pk=key.pk)
        return PartnerPrincipal(key), key


class StaffTokenAuthentication(_PrefixedHeaderAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        value = self._header_value(request)
        if value is None:
            return None
        token = _find_key(StaffToken, self.keyword, value)
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("This user account is disabled."))
        return user, token
