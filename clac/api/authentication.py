"""API authentication: partner keys (`Api-Key`), staff personal tokens (`Token`), sessions.

A key is found by its visible prefix and then compared by hash in constant time; the raw key
never touches the database."""

import hmac
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from clac import plugins
from clac.api.keys import key_hash, key_prefix
from clac.auth.lockout import throttle_hit, throttle_wait
from clac.auth.security_log import Kind, client_ip, security_event
from clac.models import KeyBase, PartnerKeyBase, StaffToken, User

# last_used_at is written at most once a minute per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class PartnerPrincipal:
    """Stands in for request.user when a partner key authenticates: not a staff member, not
    a portal user; request.auth holds the partner key and its scopes."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = None
    id = None

    def __init__(self, api_key: PartnerKeyBase) -> None:
        self.api_key = api_key
        # The concrete key model (named by a plugin) has the `partner` it belongs to.
        self.partner = getattr(api_key, "partner", None)

    def __str__(self) -> str:
        return f"partner:{getattr(self.partner, 'name', '?')}"

    @property
    def groups(self) -> QuerySet:
        return Group.objects.none()


def partner_key_model() -> type[PartnerKeyBase]:
    """The concrete partner key model, named by the plugin of the app that owns partners."""
    label = plugins.partner_key_model_label()
    if label is None:
        raise ImproperlyConfigured("No installed app provides partner keys (AppPlugin.partner_key_model).")
    return apps.get_model(label)


def _find_key[K: KeyBase](queryset: QuerySet[K], raw: str, *, unknown_ok: bool = False) -> K | None:
    """The key `raw` names, or AuthenticationFailed. With unknown_ok, a key of this kind that
    does not exist is None instead (a bearer key may be of the other kind)."""
    raw = raw.strip()
    prefix = key_prefix(raw)
    if prefix is None:
        raise exceptions.AuthenticationFailed(_("Malformed key: it should read <prefix>.<secret>."))
    key = queryset.filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.hashed_key, key_hash(raw)):
        if unknown_ok:
            return None
        raise exceptions.AuthenticationFailed(_("Unknown or wrong key."))
    if key.revoked_at is not None:
        raise exceptions.AuthenticationFailed(_("This key has been revoked."))
    if key.is_expired:
        raise exceptions.AuthenticationFailed(_("This key has expired."))
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        # Conditional: concurrent requests of one key write the timestamp once, not each.
        queryset.model._default_manager.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        key.last_used_at = now
    return key


API_AUTH_THROTTLE_SCOPE = "api-auth"
# The standard scheme, which the docs' "Authorize" box sends with the bare key pasted in:
# either kind of key, told apart by looking it up (partner keys first, then staff tokens).
BEARER = "Bearer"


class _PrefixedHeaderAuthentication(authentication.BaseAuthentication):
    """Refused keys and tokens count per client address: past API_AUTH_FAILURE_LIMIT in the
    throttle window, the address gets 429 (with the seconds to wait) before any key lookup."""

    keyword = ""

    def _find_guarded[K: KeyBase](
        self, request: Request, queryset: QuerySet[K], value: str, *, unknown_ok: bool = False
    ) -> K | None:
        ip_address = client_ip(request) or "-"
        wait = throttle_wait(API_AUTH_THROTTLE_SCOPE, ip_address, int(settings.API_AUTH_FAILURE_LIMIT))
        if wait:
            raise exceptions.Throttled(wait=wait, detail=_("Too many refused keys or tokens from this address."))
        try:
            return _find_key(queryset, value, unknown_ok=unknown_ok)
        except exceptions.AuthenticationFailed as exc:
            throttle_hit(API_AUTH_THROTTLE_SCOPE, ip_address)
            # The Django request: reading the DRF request's user here would authenticate again.
            security_event(Kind.API_AUTH_FAILED, request=request._request, detail=f"{self.keyword}: {exc.detail}")
            raise

    def _header_value(self, request: Request) -> tuple[str, bool] | None:
        """(the key, whether it came as a Bearer) when the header uses this class's keyword or
        Bearer; None otherwise."""
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() not in (self.keyword.lower(), BEARER.lower()):
            return None
        if not value.strip():
            raise exceptions.AuthenticationFailed(
                _("The Authorization header has no key after %(keyword)s.") % {"keyword": scheme}
            )
        return value, scheme.lower() == BEARER.lower()

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class PartnerKeyAuthentication(_PrefixedHeaderAuthentication):
    """`Authorization: Api-Key <key>` (or `Bearer <key>`): a Fairtrade partner's key, limited by
    its scopes."""

    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[PartnerPrincipal, PartnerKeyBase] | None:
        header = self._header_value(request)
        if header is None:
            return None
        value, bearer = header
        # The concrete model (a plugin's) has the partner: the stubs only see the abstract base.
        queryset = partner_key_model()._default_manager.select_related("partner")  # type: ignore[misc]
        key = self._find_guarded(request, queryset, value, unknown_ok=bearer)
        if key is None:
            return None  # a Bearer that is no partner key: StaffTokenAuthentication decides
        return PartnerPrincipal(key), key


class StaffTokenAuthentication(_PrefixedHeaderAuthentication):
    """`Authorization: Token <token>` (or `Bearer <token>`): a staff member's personal token;
    acts with their roles."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, StaffToken] | None:
        header = self._header_value(request)
        if header is None:
            return None
        token = self._find_guarded(request, StaffToken.objects.select_related("user"), header[0])
        assert token is not None  # unknown_ok is off: an unknown token raised
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This user account is disabled."))
        return token.user, token
