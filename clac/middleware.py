"""Language: a signed-in user's chosen language wins over the browser's Accept-Language."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import get_user
from django.http import HttpRequest, HttpResponse
from django.utils.translation import check_for_language


class UserLanguageMiddleware:
    """Runs after SessionMiddleware and before LocaleMiddleware: puts the user's saved language
    in the language cookie slot LocaleMiddleware reads, so the choice follows the user across
    devices and browsers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a session that carries a user costs a query; AuthenticationMiddleware's
        # get_user() caches the user on the request, so request.user reuses this lookup.
        if request.session.get(SESSION_KEY) is not None:
            user = get_user(request)
            language = getattr(user, "language", "")
            if user.is_authenticated and language and check_for_language(language):
                request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = language
        return self.get_response(request)
