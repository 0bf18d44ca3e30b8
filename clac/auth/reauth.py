"""Re-authentication before sensitive actions: the user must have typed their password or a
second-factor code within the last REAUTH_MAX_AGE_MINUTES. Signing in counts.

    from clac.auth.reauth import reauth_required

    @staff_required(...)
    @require_POST
    @reauth_required
    def person_erase(request, pk): ...

A GET without a fresh confirmation goes to the confirmation page and comes back; a POST (its
data cannot be replayed safely) goes there and comes back to the page the form was on, where
the user submits again."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

REAUTH_SESSION_KEY = "clac_reauth_at"


def reauth_mark(request: HttpRequest) -> None:
    """The user just proved who they are (password or code)."""
    request.session[REAUTH_SESSION_KEY] = int(time.time())


def reauth_is_fresh(request: HttpRequest) -> bool:
    proved_at = request.session.get(REAUTH_SESSION_KEY)
    if not isinstance(proved_at, int):
        return False
    return time.time() - proved_at <= int(settings.REAUTH_MAX_AGE_MINUTES) * 60


def safe_redirect_target(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def reauth_redirect(request: HttpRequest) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        back = request.get_full_path()
    else:
        back = safe_redirect_target(request, request.META.get("HTTP_REFERER")) or reverse("home")
        messages.info(request, _("Confirm it is you, then submit again."))
    return HttpResponseRedirect(f"{reverse('reauth')}?{urlencode({'next': back})}")


def reauth_required(view: Callable) -> Callable:
    """Decorator for views (place it innermost, right above the def, so the access decorators
    refuse outsiders first): holds the action until the user has proved their identity within
    REAUTH_MAX_AGE_MINUTES."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not reauth_is_fresh(request):
            return reauth_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper
