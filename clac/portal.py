"""Portal pages of the platform itself: the organization's home page (the panels every app's
plugin gives) and the organization switcher. Mounted at /portal/ by clac.portal_urls (app
"portal")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clac import plugins
from clac.access import PORTAL_SESSION_KEY, portal_access_get_for_user, portal_required


def portal_home_panels(request: HttpRequest) -> list[SafeString]:
    """The organization's home panels, rendered in order; each costs a constant number of
    queries whatever the organization's size."""
    organization = request.organization  # type: ignore[attr-defined]
    return [
        render_to_string(panel.template, panel.context(organization), request=request)
        for panel in plugins.portal_panels()
    ]


@portal_required()
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {"organization": request.organization, "panels": portal_home_panels(request)},  # type: ignore[attr-defined]
    )


@require_POST
@login_required
def organization_switch(request: HttpRequest) -> HttpResponse:
    """Makes another of the user's organizations the current one. An organization the user has
    no access to gets a 404 (as if it did not exist) and the current one stays."""
    try:
        organization_id = int(request.POST.get("organization", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Choose an organization."))
    access = portal_access_get_for_user(user=request.user, organization_id=organization_id)
    request.session[PORTAL_SESSION_KEY] = access.organization_id
    messages.success(request, _("You are now working for %(name)s.") % {"name": access.organization.name})
    return redirect("portal:home")


urlpatterns = [
    path("", home, name="home"),
    path("organization/", organization_switch, name="organization_switch"),
]
