"""Portal pages of the governance area: where the organization is represented (its people's
current seats in CLAC's and the networks' bodies). `urlpatterns` are mounted by
networks/portal/urls.py; `NAV` and `ACCESS` are gathered by networks/plugin.py."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from clac.access import portal_required
from clac.plugins import ACCESS_PORTAL, NavEntry
from members.portal.request import MemberPortalRequest
from networks.selectors.governance import organization_representation

SEATS_PER_PAGE = 50


@portal_required()
@require_GET
def representation(request: MemberPortalRequest) -> HttpResponse:
    """The bodies where the organization's people hold a seat today: only this organization's
    seats (request.organization, set by portal_required)."""
    seats = organization_representation(organization=request.organization)
    page_obj = Paginator(seats, SEATS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "networks/governance/portal_representation.html", {"page_obj": page_obj})


NAV: tuple[NavEntry, ...] = (NavEntry(_("Representation"), "networks_portal:representation", order=22),)
ACCESS: dict[str, str] = {"networks_portal:representation": ACCESS_PORTAL}
urlpatterns: list = [path("representation/", representation, name="representation")]
