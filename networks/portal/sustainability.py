"""Portal page of the organization's sustainability strategy, as CLAC's country network
recorded it (status, areas, adoption date, supporting network). Read-only: the country
network's staff keep the record (docs/decisions: sustainability strategies); the organization
tells them of a change, e.g. by raising a need.

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
from networks.selectors.strategies import SPO_KINDS, sustainability_strategy_for_organization


@portal_required()
@require_GET
def sustainability_strategy(request: MemberPortalRequest) -> HttpResponse:
    organization = request.organization
    return render(
        request,
        "networks/strategies/portal/sustainability.html",
        {
            "strategy": sustainability_strategy_for_organization(organization=organization),
            "is_spo": organization.kind in SPO_KINDS,
        },
    )


NAV: tuple[NavEntry, ...] = (
    NavEntry(gettext_lazy("Sustainability strategy"), "networks_portal:sustainability_strategy", order=27),
)
urlpatterns = [path("sustainability/", sustainability_strategy, name="sustainability_strategy")]
ACCESS: dict[str, str] = {"networks_portal:sustainability_strategy": ACCESS_PORTAL}
