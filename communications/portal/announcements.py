"""Portal announcements: the sent portal campaigns whose audience reaches the current member
organization, in the user's language (or the campaign's fallback), until they expire. The list
marks the ones this user has not read; opening one marks it read. An announcement the
organization is not reached by is a 404 (communications.selectors.campaigns).

`urlpatterns` are mounted by communications/portal/urls.py; `NAV` and `ACCESS` are gathered by
communications/plugin.py."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from clac.access import portal_required, request_user
from clac.plugins import ACCESS_PORTAL, NavEntry
from communications.selectors.campaigns import announcement_get_for_user, portal_announcements
from communications.services.campaigns import announcement_mark_read
from members.portal.request import MemberPortalRequest


@portal_required()
@require_GET
def announcement_list(request: MemberPortalRequest) -> HttpResponse:
    announcements = portal_announcements(user=request.user, organization_id=request.organization.pk)
    return render(
        request,
        "communications/portal/announcement_list.html",
        {"announcements": announcements, "unread": sum(1 for a in announcements if not getattr(a, "is_read", False))},
    )


@portal_required()
@require_GET
def announcement_detail(request: MemberPortalRequest, pk: int) -> HttpResponse:
    campaign = announcement_get_for_user(user=request.user, organization_id=request.organization.pk, pk=pk)
    # Opening the page is reading it (a GET that records a fact about the reader, like a
    # "seen" marker: idempotent, changes nothing anyone else sees).
    announcement_mark_read(user=request_user(request), campaign=campaign)
    return render(request, "communications/portal/announcement_detail.html", {"announcement": campaign})


NAV: tuple[NavEntry, ...] = (NavEntry(_("Announcements"), "communications_portal:announcement_list", order=15),)
urlpatterns = [
    path("", announcement_list, name="announcement_list"),
    path("<int:pk>/", announcement_detail, name="announcement_detail"),
]
ACCESS: dict[str, str] = {f"communications_portal:{p.name}": ACCESS_PORTAL for p in urlpatterns}
