"""Language helpers shared by the language switch and the middleware that restores a user's
saved language."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext_noop


def language_cookie_set(response: HttpResponse, language: str) -> None:
    """Sets Django's language cookie with every LANGUAGE_COOKIE_* setting."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


# Django 6.1's label for a select's blank choice (django.db.models.fields.BLANK_CHOICE_LABEL) is
# not translated in Django's own Spanish and Brazilian Portuguese catalogues: it showed in English
# on every form. Listed here so that our catalogues (which take precedence) carry it.
DJANGO_MSGIDS_WE_TRANSLATE = (gettext_noop("- Select an option -"),)
