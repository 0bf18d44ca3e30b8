"""Second factor (django-otp): an authenticator app (TOTP) plus single-use recovery codes.

A user enrols by scanning the QR code (or typing the secret) and confirming one code; the
recovery codes are then shown once. A user with a confirmed device verifies a code after the
password at every sign-in. With MFA_REQUIRED_FOR_STAFF, a staff member without one is sent to
enrol before anything else (clac.auth.middleware)."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clac.auth.security_log import Kind, security_event
from clac.models import User
from clac.roles import user_is_staff_member

TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"


def mfa_enabled(user) -> bool:
    """True when the user has a confirmed authenticator app."""
    return (
        bool(getattr(user, "is_authenticated", False)) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    )


def mfa_required(user) -> bool:
    """True when the user must have a second factor (staff under MFA_REQUIRED_FOR_STAFF)."""
    return bool(settings.MFA_REQUIRED_FOR_STAFF) and user_is_staff_member(user)


def mfa_needs_verification(user) -> bool:
    """Signed in with the password only, while a second factor is set up."""
    return not user.is_verified() and user_has_device(user, confirmed=True)


def mfa_needs_enrolment(user) -> bool:
    return mfa_required(user) and not user_has_device(user, confirmed=True)


def mfa_pending_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (one per user; the same secret until it is
    confirmed, so reloading the page does not invalidate a scan)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_DEVICE_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def mfa_secret(device: TOTPDevice) -> str:
    """The secret in base32, as authenticator apps take it, in groups of four."""
    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def mfa_qr_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// URL as an inline SVG QR code (no style attribute: CSP-safe)."""
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=4, svgclass="mfa-qr", lineclass=None, title=_("QR code for your authenticator app"))
    return mark_safe(svg)  # segno's own markup; the URL is escaped inside the path data only


def _recovery_codes_create(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(int(settings.MFA_RECOVERY_CODES))]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def mfa_enrol_confirm(*, request: HttpRequest, user: User, code: str) -> list[str]:
    """Confirm the pending authenticator with a code from the app; returns the new recovery
    codes (shown once). The session counts as verified from then on."""
    device = mfa_pending_device(user=user)
    code = (code or "").replace(" ", "")
    if not code.isdigit() or not device.verify_token(code):
        security_event(Kind.MFA_FAILED, user=user, detail="enrolment")
        raise ValidationError(
            {"code": _("That code is not right. Check the time on your phone and try the newest code.")}
        )
    # Any older authenticator is replaced by the one just confirmed.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_create(user)
    otp_login(request, device)
    security_event(Kind.MFA_ENABLED, user=user, detail="totp")
    return codes


def mfa_verify(*, request: HttpRequest, user: User, code: str) -> bool:
    """Check a code from the app or a recovery code at sign-in; on success the session is
    verified. Devices throttle wrong codes themselves (django-otp)."""
    code = (code or "").replace(" ", "").lower()
    device = None
    if code:
        with transaction.atomic():
            for candidate in [
                *TOTPDevice.objects.filter(user=user, confirmed=True),
                *StaticDevice.objects.filter(user=user, confirmed=True),
            ]:
                if candidate.verify_token(code):
                    device = candidate
                    break
    if device is None:
        security_event(Kind.MFA_FAILED, user=user)
        return False
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
        security_event(Kind.MFA_RECOVERY_CODE_USED, user=user, detail=f"codes_left={left}")
    else:
        security_event(Kind.MFA_VERIFIED, user=user)
    return True


@transaction.atomic
def mfa_recovery_codes_regenerate(*, user: User) -> list[str]:
    if not mfa_enabled(user):
        raise ValidationError(_("Set up an authenticator app first."))
    codes = _recovery_codes_create(user)
    security_event(Kind.MFA_CODES_REGENERATED, user=user)
    return codes


def mfa_recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def mfa_disable(*, user: User, actor: User | None = None) -> None:
    """Remove every second factor of a user (their own choice, or an administrator's for a
    lost phone). A staff member under MFA_REQUIRED_FOR_STAFF enrols again at next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    by = f" by={actor.get_username()}" if actor is not None and actor.pk != user.pk else ""
    security_event(Kind.MFA_DISABLED, user=user, detail=f"all devices{by}")
