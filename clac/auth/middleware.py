"""AccountSecurityMiddleware (after django-otp's OTPMiddleware): keeps the current request for the
security log, and holds a signed-in session at the second step until it is done:

- a user with a second factor who signed in with the password only is sent to enter a code;
- with MFA_REQUIRED_FOR_STAFF, a staff member without one is sent to enrol.

Until then nothing else answers: pages redirect to that step, the API answers 403 in its own
error format. The state is decided at sign-in and kept in the session (no query per request)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from clac.auth.mfa import mfa_needs_enrolment, mfa_needs_verification
from clac.auth.security_log import current_request

MFA_STATE_KEY = "clac_mfa_state"
MFA_OK = "ok"
MFA_VERIFY = "verify"
MFA_ENROL = "enrol"

# Pages a session at the second step may still open (the step itself, leaving, language).
_OPEN_ROUTES = ("mfa_verify", "mfa_enrol", "logout", "language_switch", "set_language", "healthz", "login")


def mfa_state_decide(request: HttpRequest, user) -> str:
    if mfa_needs_verification(user):
        return MFA_VERIFY
    if mfa_needs_enrolment(user):
        return MFA_ENROL
    return MFA_OK


def mfa_state_set(request: HttpRequest, state: str) -> None:
    request.session[MFA_STATE_KEY] = state


class AccountSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in _OPEN_ROUTES)
        return path in self._open_paths or path.startswith(f"/{settings.STATIC_URL.lstrip('/')}")

    def _gate(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        state = request.session.get(MFA_STATE_KEY)
        if state is None:  # a session from before this feature, or a login without the signal
            state = mfa_state_decide(request, user)
            mfa_state_set(request, state)
        if state == MFA_OK or self._is_open(request.path):
            return None
        if request.path.startswith("/api/"):
            message = (
                _("Enter the code from your authenticator app first.")
                if state == MFA_VERIFY
                else _("Set up two-step sign-in first.")
            )
            return JsonResponse({"error": {"code": "mfa_required", "message": message}}, status=403)
        target = reverse("mfa_verify" if state == MFA_VERIFY else "mfa_enrol")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            return self._gate(request) or self.get_response(request)
        finally:
            current_request.reset(token)
