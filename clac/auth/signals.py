"""Sign-in, sign-out, failures and lockouts into the security log; the second-step state and
the re-authentication time of a new session. Connected by ClacConfig.ready()."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from clac.auth.lockout import lockout_recorded
from clac.auth.mfa import mfa_required
from clac.auth.middleware import MFA_ENROL, MFA_OK, MFA_VERIFY, mfa_state_set
from clac.auth.reauth import reauth_mark
from clac.auth.security_log import Kind, client_ip, security_event


@receiver(user_logged_in, dispatch_uid="clac_security_logged_in")
def _logged_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    from django_otp import user_has_device

    verified = bool(getattr(request.user, "is_verified", lambda: False)()) if hasattr(request, "user") else False
    if user_has_device(user, confirmed=True) and not verified:
        state = MFA_VERIFY
    elif mfa_required(user) and not user_has_device(user, confirmed=True):
        state = MFA_ENROL
    else:
        state = MFA_OK
    mfa_state_set(request, state)
    reauth_mark(request)
    security_event(Kind.SIGN_IN, user=user, request=request, detail="" if state == MFA_OK else f"next_step={state}")


@receiver(user_logged_out, dispatch_uid="clac_security_logged_out")
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None and request is not None:
        security_event(Kind.SIGN_OUT, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="clac_security_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", "") or "")
    security_event(Kind.SIGN_IN_FAILED, username=username, request=request)


@receiver(user_locked_out, dispatch_uid="clac_security_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
    lockout_recorded(username=username, ip_address=ip_address or (client_ip(request) if request else None))
