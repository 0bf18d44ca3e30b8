"""Language: a signed-in user's chosen language wins over the browser's Accept-Language."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class UserLanguageMiddleware:
    """Runs before LocaleMiddleware: copies the user's saved language into the language
    cookie slot LocaleMiddleware reads, so the choice follows the user across devices."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The session is loaded lazily; the user is looked up from it only when needed.
        from django.contrib.auth import get_user

        user = get_user(request)
        if getattr(user, "is_authenticated", False) and user.language:
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = user.language
        return self.get_response(request)
