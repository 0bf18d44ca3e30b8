from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from clac.models import PartnerKeyBase, StaffToken

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class PerKeyRateThrottle(SimpleRateThrottle):
    """One budget per partner key or staff token; sessions per user; anonymous per address.
    The rate is `DEFAULT_THROTTLE_RATES["per_key"]` (env API_THROTTLE_RATE)."""

    scope = "per_key"

    def get_rate(self) -> str | None:
        # Read at request time (DRF binds the rates at import), so settings overrides apply.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate is not None else None

    def get_cache_key(self, request: Request, view: APIView) -> str:
        if isinstance(request.auth, PartnerKeyBase):
            ident = f"key:{request.auth.pk}"
        elif isinstance(request.auth, StaffToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
