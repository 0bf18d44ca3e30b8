"""Language: a signed-in user's chosen language wins over the browser's Accept-Language."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import get_user
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import check_for_language

from clac.i18n import language_cookie_set


class UserLanguageMiddleware:
    """Runs after SessionMiddleware and before LocaleMiddleware: puts the user's saved language
    in the language cookie slot LocaleMiddleware reads, so the choice follows the user across
    devices and browsers. The cookie is also written back, so the pages seen after signing
    out (the login page first) stay in the user's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookie_name = settings.LANGUAGE_COOKIE_NAME
        sent_language = request.COOKIES.get(cookie_name)
        language = ""
        # Only a session that carries a user costs a query; AuthenticationMiddleware's
        # get_user() caches the user on the request, so request.user reuses this lookup.
        if request.session.get(SESSION_KEY) is not None:
            user = get_user(request)
            saved = getattr(user, "language", "")
            if user.is_authenticated and saved and check_for_language(saved):
                language = saved
                request.COOKIES[cookie_name] = language
        response = self.get_response(request)
        # A view that set the cookie itself (the language switch) knows better.
        if language and language != sent_language and cookie_name not in response.cookies:
            language_cookie_set(response, language)
        return response


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header from settings.PERMISSIONS_POLICY (feature → list of
    allowed origins; an empty list switches the feature off everywhere). Django has the other
    security headers built in (SecurityMiddleware, the CSP middleware) but not this one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = permissions_policy_header(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response.headers["Permissions-Policy"] = self.header
        return response


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` → `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


# The API's language when the client names none: English, the language of its reference.
API_DEFAULT_LANGUAGE = "en"


class ApiLanguageMiddleware:
    """Runs right after LocaleMiddleware: under /api/, a request that names no language (no
    Accept-Language header, no language cookie) is answered in English, not in the site's
    default language (Spanish, right for the staff and member pages). A client that sends
    Accept-Language still gets its own language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.path_info.startswith("/api/")
            and not request.headers.get("Accept-Language", "").strip()
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(API_DEFAULT_LANGUAGE)
            request.LANGUAGE_CODE = API_DEFAULT_LANGUAGE
        return self.get_response(request)
