"""Portal pages of the networks area: the organization's networks, current and past. Works on
request.organization (set by portal_required): nothing of another organization is reachable.
`urlpatterns` are mounted by networks/portal/urls.py; `NAV` and `ACCESS` are gathered by
networks/plugin.py."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from clac.access import portal_required
from clac.plugins import ACCESS_PORTAL, NavEntry
from members.portal.request import MemberPortalRequest
from networks.selectors.networks import organization_networks


@portal_required()
@require_GET
def network_list(request: MemberPortalRequest) -> HttpResponse:
    return render(
        request,
        "networks/networks/portal_list.html",
        organization_networks(organization=request.organization),
    )


NAV: tuple[NavEntry, ...] = (NavEntry(gettext_lazy("Networks"), "networks_portal:network_list", order=20),)
ACCESS: dict[str, str] = {"networks_portal:network_list": ACCESS_PORTAL}
urlpatterns: list = [path("", network_list, name="network_list")]
