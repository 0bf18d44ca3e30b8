"""The site's front door: where `/` sends each kind of user, and the language switch."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clac.access import user_has_portal_access
from clac.accounts import user_set_language
from clac.i18n import language_cookie_set
from clac.roles import user_is_staff_member


def home(request: HttpRequest) -> HttpResponse:
    """Staff land on the dashboard (also when they have portal access: they switch from its
    user menu), portal users on the portal, anonymous visitors on the login page."""
    if not request.user.is_authenticated:
        return redirect("login")
    if user_is_staff_member(request.user):
        return redirect("dashboard:home")
    if user_has_portal_access(request.user):
        return redirect("portal:home")
    return render(request, "registration/no_access.html", status=403)


def _safe_next(request: HttpRequest) -> str:
    next_url = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("home")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Saves the chosen language on the user (so it follows them to other devices) and in the
    language cookie (so it also works before signing in), then goes back where they were."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(translation.gettext("Unknown language."))
    if request.user.is_authenticated:
        try:
            user_set_language(user=request.user, language=language)
        except ValidationError as error:
            return HttpResponseBadRequest(error.messages[0])
    translation.activate(language)
    response = HttpResponseRedirect(_safe_next(request))
    language_cookie_set(response, language)
    return response
