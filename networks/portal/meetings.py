"""Portal pages of the meetings area: the meetings a member organization is invited to
(upcoming ones with date, modality, place or link and agenda; past ones with their minutes and
agreements) and one meeting's page. A meeting the organization is not invited to is a 404
(networks.selectors.meetings.meeting_get_for_user with `organization`). Read-only.

`urlpatterns` are mounted by networks/portal/urls.py; `NAV` and `ACCESS` are gathered by
networks/plugin.py."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from clac.access import portal_required
from clac.plugins import ACCESS_PORTAL, NavEntry
from members.portal.request import MemberPortalRequest
from networks.markup import minutes_html
from networks.selectors.meetings import (
    meeting_get_for_user,
    organization_attended,
    portal_meeting_agreements,
    portal_meetings,
)


@portal_required()
@require_GET
def meeting_list(request: MemberPortalRequest) -> HttpResponse:
    return render(
        request,
        "networks/meetings/portal/list.html",
        portal_meetings(organization=request.organization),
    )


@portal_required()
@require_GET
def meeting_detail(request: MemberPortalRequest, pk: int) -> HttpResponse:
    meeting = meeting_get_for_user(user=request.user, pk=pk, organization=request.organization)
    held = meeting.status == meeting.Status.HELD
    return render(
        request,
        "networks/meetings/portal/detail.html",
        {
            "meeting": meeting,
            "minutes": minutes_html(meeting.minutes) if held else "",
            "agreements": portal_meeting_agreements(meeting=meeting) if held else [],
            "attended": organization_attended(meeting=meeting, organization=request.organization) if held else False,
        },
    )


NAV: tuple[NavEntry, ...] = (NavEntry(_("Meetings"), "networks_portal:meeting_list", order=22),)
urlpatterns = [
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
]
ACCESS: dict[str, str] = {
    "networks_portal:meeting_list": ACCESS_PORTAL,
    "networks_portal:meeting_detail": ACCESS_PORTAL,
}
