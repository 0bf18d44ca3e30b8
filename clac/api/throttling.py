from rest_framework.throttling import SimpleRateThrottle

from clac.models import ApiKey, StaffToken


class PerKeyRateThrottle(SimpleRateThrottle):
    """One budget per partner key or staff token; sessions per user; anonymous per address."""

    scope = "per_key"

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.pk}"
        elif isinstance(request.auth, StaffToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
