"""Account security pages: sign-in (with the demo's note on two-step sign-in), the throttled
password reset, two-step sign-in (enrol, verify, recovery codes, turn off), re-authentication,
the 403 page (logged once, one line), and the administrators' security log and lockouts."""

from __future__ import annotations

import logging
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clac.access import request_user, staff_required
from clac.auth import lockout
from clac.auth.forms import CodeForm, EnrolForm, ReauthForm, SecurityEventFilterForm
from clac.auth.mfa import (
    mfa_disable,
    mfa_enabled,
    mfa_enrol_confirm,
    mfa_pending_device,
    mfa_qr_svg,
    mfa_recovery_codes_left,
    mfa_recovery_codes_regenerate,
    mfa_required,
    mfa_secret,
    mfa_verify,
)
from clac.auth.middleware import MFA_ENROL, MFA_OK, mfa_state_set
from clac.auth.reauth import reauth_is_fresh, reauth_mark, reauth_redirect, safe_redirect_target
from clac.auth.security_log import Kind, client_ip, security_event
from clac.forms import add_service_errors
from clac.models import SecurityEvent
from clac.roles import StaffRole

logger = logging.getLogger("clac.security")


def _next(request: HttpRequest, default: str = "home") -> str:
    return safe_redirect_target(request, request.POST.get("next") or request.GET.get("next")) or reverse(default)


# --- Sign-in and password reset -------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's sign-in, saying on the page whether staff need two-step sign-in here."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["mfa_required_for_staff"] = settings.MFA_REQUIRED_FOR_STAFF
        return context


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset-by-email, limited per client address and per email address
    (PASSWORD_RESET_RATE requests per THROTTLE_WINDOW_MINUTES): more answers 429."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = int(settings.PASSWORD_RESET_RATE)
        email = (request.POST.get("email") or "").strip().lower()[:254]
        idents = [("reset-ip", client_ip(request) or "-"), ("reset-email", email or "-")]
        wait = max(lockout.throttle_wait(scope, ident, limit) for scope, ident in idents)
        if wait:
            security_event(Kind.THROTTLED, username=email, request=request, detail="password reset")
            reason = _("Too many password reset requests from this connection or for this email address.")
            return lockout.too_many_requests(request, seconds=wait, reason=reason)
        for scope, ident in idents:
            lockout.throttle_hit(scope, ident)
        return super().post(request, *args, **kwargs)


# --- Two-step sign-in -----------------------------------------------------------------------


@never_cache
def mfa_manage(request: HttpRequest) -> HttpResponse:
    """The user's two-step sign-in: on or off, recovery codes left, what they can do."""
    if not request.user.is_authenticated:
        return redirect_to_login_page(request)
    user = request_user(request)
    return render(
        request,
        "registration/mfa_manage.html",
        {
            "enabled": mfa_enabled(user),
            "required": mfa_required(user),
            "codes_left": mfa_recovery_codes_left(user),
        },
    )


@never_cache
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the secret), confirm one code; the recovery codes are then
    shown once, in this response only."""
    if not request.user.is_authenticated:
        return redirect_to_login_page(request)
    user = request_user(request)
    if mfa_enabled(user) and request.session.get("clac_mfa_state") != MFA_ENROL:
        messages.info(request, _("Two-step sign-in is already on. Turn it off first to use another phone."))
        return redirect("mfa_manage")
    device = mfa_pending_device(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa_enrol_confirm(request=request, user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            mfa_state_set(request, MFA_OK)
            reauth_mark(request)
            return render(
                request,
                "registration/mfa_codes.html",
                {"codes": codes, "next": _next(request), "enrolled": True},
            )
    return render(
        request,
        "registration/mfa_enrol.html",
        {
            "form": form,
            "qr_svg": mfa_qr_svg(device),
            "secret": mfa_secret(device),
            "forced": mfa_required(user),
            "next": request.GET.get("next") or request.POST.get("next") or "",
        },
    )


@never_cache
def mfa_verify_view(request: HttpRequest) -> HttpResponse:
    """The second step of signing in."""
    if not request.user.is_authenticated:
        return redirect_to_login_page(request)
    user = request_user(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa_verify(request=request, user=user, code=form.cleaned_data["code"]):
            mfa_state_set(request, MFA_OK)
            reauth_mark(request)
            left = mfa_recovery_codes_left(user)
            if left <= 2:
                messages.warning(request, _("Few recovery codes left: make new ones from your account menu."))
            return redirect(_next(request))
        form.add_error("code", _("That code is not right. Try the newest code from the app, or a recovery code."))
    return render(
        request,
        "registration/mfa_verify.html",
        {"form": form, "next": request.GET.get("next") or request.POST.get("next") or ""},
    )


@never_cache
@require_POST
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown once."""
    if not request.user.is_authenticated:
        return redirect_to_login_page(request)
    if not reauth_is_fresh(request):
        return reauth_redirect(request)
    user = request_user(request)
    try:
        codes = mfa_recovery_codes_regenerate(user=user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("mfa_manage")
    return render(
        request,
        "registration/mfa_codes.html",
        {"codes": codes, "next": reverse("mfa_manage"), "enrolled": False},
    )


@require_POST
def mfa_disable_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login_page(request)
    if not reauth_is_fresh(request):
        return reauth_redirect(request)
    user = request_user(request)
    mfa_disable(user=user, actor=user)
    if mfa_required(user):
        mfa_state_set(request, MFA_ENROL)
        messages.warning(request, _("Two-step sign-in is off. Staff must use it: set it up again now."))
        return redirect("mfa_enrol")
    messages.success(request, _("Two-step sign-in is off."))
    return redirect("mfa_manage")


# --- Re-authentication ----------------------------------------------------------------------


@never_cache
def reauth(request: HttpRequest) -> HttpResponse:
    """Confirm it is you (password or a code) before a sensitive action."""
    if not request.user.is_authenticated:
        return redirect_to_login_page(request)
    user = request_user(request)
    with_code = mfa_enabled(user)
    form = ReauthForm(request.POST or None, with_code=with_code)
    if request.method == "POST" and form.is_valid():
        ok = False
        if form.cleaned_data.get("password"):
            ok = authenticate(request, username=user.get_username(), password=form.cleaned_data["password"]) is not None
        elif with_code:
            ok = mfa_verify(request=request, user=user, code=form.cleaned_data["code"])
        if ok:
            reauth_mark(request)
            security_event(Kind.REAUTHENTICATED, user=user)
            return redirect(_next(request))
        security_event(Kind.REAUTH_FAILED, user=user)
        form.add_error(None, _("That did not match. Try again."))
    return render(
        request,
        "registration/reauth.html",
        {
            "form": form,
            "next": request.GET.get("next") or request.POST.get("next") or "",
            "minutes": settings.REAUTH_MAX_AGE_MINUTES,
        },
    )


# --- 403 ------------------------------------------------------------------------------------


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the refusal page, logged once on one line (user, path), no traceback, and
    kept in the security log."""
    security_event(Kind.PERMISSION_DENIED, request=request, detail=request.method or "")
    return render(request, "403.html", status=403)


# --- Administrators' pages ------------------------------------------------------------------


@staff_required(StaffRole.ADMIN)
def security_event_list(request: HttpRequest) -> HttpResponse:
    """The security log, filtered by kind, user and dates; newest first, paginated, two
    queries a page."""
    form = SecurityEventFilterForm(request.GET or None)
    events = SecurityEvent.objects.select_related("user").order_by("-created_at", "-id")
    status = 200
    if form.is_bound and not form.is_valid():
        events = events.none()
        status = 400
    elif form.is_bound:
        events = form.apply(events)
    page_obj = Paginator(events, settings.SECURITY_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "dashboard/security/event_list.html", {"form": form, "page_obj": page_obj}, status=status)


@staff_required(StaffRole.ADMIN)
def lockout_list_view(request: HttpRequest) -> HttpResponse:
    """Recent failed sign-ins per account and address, which of them lock, until when."""
    page_obj = Paginator(lockout.lockout_list(), 50).get_page(request.GET.get("page"))
    rows = lockout.lockout_rows(list(page_obj.object_list))
    return render(
        request,
        "dashboard/security/lockout_list.html",
        {
            "page_obj": page_obj,
            "rows": rows,
            "limits": {
                "account": settings.AXES_FAILURE_LIMIT,
                "address": settings.LOCKOUT_IP_FAILURE_LIMIT,
                "user": settings.LOCKOUT_USER_FAILURE_LIMIT,
            },
            "cooloff_minutes": int(lockout.cool_off().total_seconds() // 60),
        },
    )


@staff_required(StaffRole.ADMIN)
@require_POST
def lockout_clear_view(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(AccessAttempt, pk=pk)
    lockout.lockout_clear(attempt=attempt, actor=request_user(request))
    messages.success(
        request,
        _("Lockout cleared for %(account)s from %(address)s: they can sign in again now.")
        % {"account": attempt.username or "—", "address": attempt.ip_address or "—"},
    )
    return redirect("dashboard:lockout_list")


# --- helpers --------------------------------------------------------------------------------


def redirect_to_login_page(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path())


dashboard_urlpatterns = [
    path("security/", security_event_list, name="security_event_list"),
    path("security/lockouts/", lockout_list_view, name="lockout_list"),
    path("security/lockouts/<int:pk>/clear/", lockout_clear_view, name="lockout_clear"),
]
