"""Every page and endpoint of product strategies, needs and sustainability strategies walked
with real records: who reaches it, who is refused (other staff roles, a coordinator of ANOTHER
network, a portal user of another organization, a partner key, anonymous visitors), that bad
input changes nothing, and that lists cost a constant number of queries."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from clac.plugins import ACCESS_API, ACCESS_PORTAL, ACCESS_PORTAL_EDIT, ACCESS_STAFF, ACCESS_STAFF_ROLES
from clac.roles import PortalRole, StaffRole
from communications.services import api_key_create
from members.models import Organization
from networks.api import strategies as api_strategies
from networks.models import Need, ProductStrategy
from networks.portal import needs as portal_needs
from networks.portal import sustainability as portal_sustainability
from networks.selectors.strategies import network_section, sustainability_adoption_by_country
from networks.views import strategies as views_strategies
from tests.factories import ExternalPartnerFactory, OrganizationFactory, PortalAccessFactory, UserFactory
from tests.networks.factories import CountryNetworkFactory, NetworkMembershipFactory, ProductNetworkFactory
from tests.networks.factories_strategies import (
    MarketTargetFactory,
    NeedFactory,
    ProductStrategyFactory,
    SustainabilityStrategyFactory,
)

pytestmark = pytest.mark.django_db

READERS_OF_NEEDS = (StaffRole.ADMIN, StaffRole.COORDINATOR, StaffRole.ME_OFFICER, StaffRole.VIEWER)


@dataclass
class World:
    country_network: Any
    other_network: Any
    coffee: Any
    member: Any
    outsider: Any
    strategy: Any
    need: Any
    outsider_need: Any
    sustainability: Any
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    country_network = CountryNetworkFactory(name="Red Perú")
    other_network = CountryNetworkFactory(name="Red Colombia", countries=["CO"])
    coffee = ProductNetworkFactory(name="Red de Café")
    member = OrganizationFactory(name="Cooperativa Miembro")
    NetworkMembershipFactory(network=country_network, organization=member)
    NetworkMembershipFactory(network=coffee, organization=member)
    outsider = OrganizationFactory(name="Cooperativa Ajena", country_id="CO")
    NetworkMembershipFactory(network=other_network, organization=outsider)
    strategy = ProductStrategyFactory(network=coffee, title="Café 2024-2026", start_year=2024, end_year=2026)
    MarketTargetFactory(strategy=strategy, year=2025)
    need = NeedFactory(organization=member, title="Roya en las parcelas")
    outsider_need = NeedFactory(organization=outsider, title="Necesidad ajena")
    sustainability = SustainabilityStrategyFactory(organization=member, supporting_network=country_network)

    users: dict[str, Any] = {role: UserFactory(username=f"s-{role}", roles=[role], language="en") for role in StaffRole}
    country_network.coordinators.add(users[StaffRole.COORDINATOR])
    coffee.coordinators.add(users[StaffRole.COORDINATOR])
    users["other-coordinator"] = UserFactory(username="s-other-coord", roles=[StaffRole.COORDINATOR], language="en")
    other_network.coordinators.add(users["other-coordinator"])
    for name, organization, role in (
        ("portal-member", member, PortalRole.ADMIN),
        ("portal-viewer", member, PortalRole.VIEWER),
        ("portal-outsider", outsider, PortalRole.ADMIN),
    ):
        users[name] = UserFactory(username=f"s-{name}", language="en")
        PortalAccessFactory(user=users[name], organization=organization, role=role)
    return World(
        country_network, other_network, coffee, member, outsider, strategy, need, outsider_need, sustainability, users
    )


def fingerprint() -> dict[str, int]:
    """Row counts of every networks table, history included: unchanged means nothing written."""
    tables = sorted(m._meta.db_table for m in apps.get_models() if m._meta.app_label == "networks")
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _client(client, user):
    client.force_login(user)
    return client


# --- The catalogue ---------------------------------------------------------------------------

READ_PAGES = {
    "networks:product_strategy_list": lambda w: {},
    "networks:product_strategy_detail": lambda w: {"pk": w.strategy.pk},
    "networks:sustainability_list": lambda w: {},
    "networks:sustainability_detail": lambda w: {"pk": w.sustainability.pk},
}
NEED_PAGES = {
    "networks:need_list": lambda w: {},
    "networks:need_detail": lambda w: {"pk": w.need.pk},
    "networks:network_needs": lambda w: {"pk": w.country_network.pk},
}
FORM_PAGES = {
    "networks:product_strategy_create": lambda w: {},
    "networks:product_strategy_edit": lambda w: {"pk": w.strategy.pk},
    "networks:need_create": lambda w: {},
    "networks:need_edit": lambda w: {"pk": w.need.pk},
    "networks:sustainability_create": lambda w: {},
    "networks:sustainability_edit": lambda w: {"pk": w.sustainability.pk},
}
CREATE_PAGES = {"networks:product_strategy_create", "networks:need_create", "networks:sustainability_create"}
POST_ONLY = {
    "networks:product_strategy_status": lambda w: {"pk": w.strategy.pk},
    "networks:need_answer": lambda w: {"pk": w.need.pk},
    "networks:need_status": lambda w: {"pk": w.need.pk},
}
PORTAL_PAGES = {
    "networks_portal:need_list": lambda w: {},
    "networks_portal:need_detail": lambda w: {"pk": w.need.pk},
    "networks_portal:sustainability_strategy": lambda w: {},
}
PORTAL_EDIT_PAGES = {"networks_portal:need_create": lambda w: {}}
API_ROUTES = {
    "product-strategy-list": lambda w: {},
    "product-strategy-detail": lambda w: {"pk": w.strategy.pk},
    "sustainability-strategy-list": lambda w: {},
    "sustainability-strategy-detail": lambda w: {"pk": w.sustainability.pk},
    "need-list": lambda w: {},
    "need-detail": lambda w: {"pk": w.need.pk},
}


def test_every_route_of_the_area_is_walked_here():
    declared = {
        **views_strategies.ACCESS,
        **portal_needs.ACCESS,
        **portal_sustainability.ACCESS,
        **api_strategies.ACCESS,
    }
    walked = {
        *READ_PAGES,
        *NEED_PAGES,
        *FORM_PAGES,
        *POST_ONLY,
        *PORTAL_PAGES,
        *PORTAL_EDIT_PAGES,
        *(f"api-v1:{n}" for n in API_ROUTES),
    }
    assert set(declared) == walked
    assert {name for name, level in declared.items() if level == ACCESS_STAFF} == set(READ_PAGES)
    assert {name for name, level in declared.items() if level == ACCESS_STAFF_ROLES} == {
        *NEED_PAGES,
        *FORM_PAGES,
        *POST_ONLY,
    }
    assert {name for name, level in declared.items() if level == ACCESS_PORTAL} == set(PORTAL_PAGES)
    assert {name for name, level in declared.items() if level == ACCESS_PORTAL_EDIT} == set(PORTAL_EDIT_PAGES)
    assert {name for name, level in declared.items() if level == ACCESS_API} == {f"api-v1:{n}" for n in API_ROUTES}


# --- Dashboard -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(READ_PAGES))
def test_every_staff_role_reads_strategies_and_others_are_refused(client, world, name):
    url = reverse(name, kwargs=READ_PAGES[name](world))
    for role in StaffRole:
        assert _client(client, world.users[role]).get(url).status_code == 200, role
    assert _client(client, world.users["other-coordinator"]).get(url).status_code == 200
    assert _client(client, world.users["portal-member"]).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("name", sorted(NEED_PAGES))
def test_needs_are_read_by_their_readers_only(client, world, name):
    url = reverse(name, kwargs=NEED_PAGES[name](world))
    for role in READERS_OF_NEEDS:
        assert _client(client, world.users[role]).get(url).status_code == 200, role
    for role in (StaffRole.FINANCE, StaffRole.COMMUNICATIONS):
        assert _client(client, world.users[role]).get(url).status_code == 403, role
    other = _client(client, world.users["other-coordinator"]).get(url)
    if name == "networks:need_list":
        # Their list opens, without the needs of organizations outside their networks.
        assert other.status_code == 200
        assert list(other.context["page_obj"].object_list) == [world.outsider_need]
    else:
        assert other.status_code == 403
    assert _client(client, world.users["portal-member"]).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_coordinator_sees_the_needs_of_their_networks_members_only(client, world):
    response = _client(client, world.users[StaffRole.COORDINATOR]).get(reverse("networks:need_list"))
    assert list(response.context["page_obj"].object_list) == [world.need]
    admin = _client(client, world.users[StaffRole.ADMIN]).get(reverse("networks:need_list"))
    assert set(admin.context["page_obj"].object_list) == {world.need, world.outsider_need}


@pytest.mark.parametrize("name", sorted(FORM_PAGES))
def test_forms_open_for_admins_and_the_networks_coordinator_only(client, world, name):
    url = reverse(name, kwargs=FORM_PAGES[name](world))
    assert _client(client, world.users[StaffRole.ADMIN]).get(url).status_code == 200
    assert _client(client, world.users[StaffRole.COORDINATOR]).get(url).status_code == 200
    refused = [world.users[r] for r in StaffRole if r not in (StaffRole.ADMIN, StaffRole.COORDINATOR)]
    if name not in CREATE_PAGES:
        # Create pages list only the user's own networks; the others are records of network A.
        refused.append(world.users["other-coordinator"])
    for user in [*refused, world.users["portal-member"]]:
        assert _client(client, user).get(url).status_code == 403, user.username
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("name", sorted({**FORM_PAGES, **POST_ONLY}))
def test_other_roles_and_other_coordinators_cannot_post_and_nothing_changes(client, world, name):
    url = reverse(name, kwargs={**FORM_PAGES, **POST_ONLY}[name](world))
    before = fingerprint()
    data = {
        "status": "approved",
        "response": "Respuesta",
        "title": "x",
        "network": world.coffee.pk,
        "start_year": "2030",
        "end_year": "2031",
        "category": "finance",
        "priority": "high",
        "description": "x",
        "organization_pick": world.member.pk,
        "supporting_network": world.country_network.pk,
        "targets-TOTAL_FORMS": "0",
        "targets-INITIAL_FORMS": "0",
    }
    refused = [world.users[StaffRole.VIEWER], world.users[StaffRole.FINANCE], world.users["portal-member"]]
    if name in CREATE_PAGES:
        # The other coordinator may create, but network A and its members are not theirs.
        response = _client(client, world.users["other-coordinator"]).post(url, data)
        assert response.status_code == 200 and response.context["form"].errors
    else:
        refused.append(world.users["other-coordinator"])
    for user in refused:
        assert _client(client, user).post(url, data).status_code == 403, user.username
    client.logout()
    assert client.post(url, data).status_code == 302
    assert fingerprint() == before


@pytest.mark.parametrize(
    ("name", "kwargs", "data", "error_field"),
    [
        (
            "networks:product_strategy_create",
            lambda w: {},
            {"network": "COFFEE", "title": "x", "start_year": "2026", "end_year": "2024"},
            "end_year",
        ),
        (
            "networks:product_strategy_create",
            lambda w: {},
            {
                "network": "COFFEE",
                "title": "x",
                "start_year": "2030",
                "end_year": "2031",
                "targets-0-market": "Alemania",
                "targets-0-target_value": "10",
                "targets-0-unit": "lb",
                "targets-0-year": "2040",
            },
            "__all__",
        ),
        (
            "networks:product_strategy_edit",
            lambda w: {"pk": w.strategy.pk},
            {"title": "", "start_year": "2024", "end_year": "2026"},
            "title",
        ),
        ("networks:need_create", lambda w: {}, {"title": "x", "category": "x", "priority": "high"}, "category"),
        ("networks:need_edit", lambda w: {"pk": w.need.pk}, {"title": "", "category": "finance"}, "title"),
        (
            "networks:sustainability_edit",
            lambda w: {"pk": w.sustainability.pk},
            {"status": "adopted", "supporting_network": "PERU", "areas": ["gender"]},
            "adopted_on",
        ),
        (
            "networks:sustainability_edit",
            lambda w: {"pk": w.sustainability.pk},
            {"status": "adopted", "supporting_network": "PERU", "areas": ["gender"], "adopted_on": "2999-01-01"},
            "adopted_on",
        ),
    ],
)
def test_bad_input_shows_errors_and_changes_nothing(client, world, name, kwargs, data, error_field):
    data = {"targets-TOTAL_FORMS": "3", "targets-INITIAL_FORMS": "0", **data}
    data = {
        k: (world.coffee.pk if v == "COFFEE" else world.country_network.pk if v == "PERU" else v)
        for k, v in data.items()
    }
    before = fingerprint()
    response = _client(client, world.users[StaffRole.COORDINATOR]).post(reverse(name, kwargs=kwargs(world)), data)
    assert response.status_code == 200
    assert error_field in response.context["form"].errors
    assert fingerprint() == before


def test_a_closed_need_cannot_move_and_the_page_says_why(client, world):
    Need.objects.filter(pk=world.need.pk).update(status=Need.Status.CLOSED)
    before = fingerprint()
    url = reverse("networks:need_status", kwargs={"pk": world.need.pk})
    response = _client(client, world.users[StaffRole.ADMIN]).post(url, {"status": "open"}, follow=True)
    assert "A need that is Closed cannot become Open." in response.content.decode()
    assert fingerprint() == before


def test_coordinator_drafts_approves_and_reads_a_product_strategy(client, world):
    c = _client(client, world.users[StaffRole.COORDINATOR])
    response = c.post(
        reverse("networks:product_strategy_create"),
        {
            "network": world.coffee.pk,
            "title": "Café 2027-2029",
            "start_year": "2027",
            "end_year": "2029",
            "goals": "Precio justo\nNuevos mercados",
            "strategic_lines": ["product_networks", "financial"],
            "targets-TOTAL_FORMS": "3",
            "targets-INITIAL_FORMS": "0",
            "targets-0-market": "Alemania",
            "targets-0-target_value": "12000",
            "targets-0-unit": "lb",
            "targets-0-year": "2028",
            "targets-1-market": "Cuota Fairtrade",
            "targets-1-target_value": "35,5",
            "targets-1-unit": "percent",
            "targets-1-year": "2029",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    strategy = ProductStrategy.objects.get(title="Café 2027-2029")
    assert strategy.strategic_lines == ["product_networks", "financial"]
    assert [(t.market, str(t.target_value), t.year) for t in strategy.market_targets.all()] == [
        ("Alemania", "12000.00", 2028),
        ("Cuota Fairtrade", "35.50", 2029),
    ]
    c.post(reverse("networks:product_strategy_status", kwargs={"pk": strategy.pk}), {"status": "approved"})
    strategy.refresh_from_db()
    assert strategy.status == ProductStrategy.Status.APPROVED and strategy.approved_on is not None
    page = c.get(reverse("networks:product_strategy_detail", kwargs={"pk": strategy.pk})).content.decode()
    assert "Nuevos mercados" in page and "Alemania" in page


def test_staff_answer_a_need_and_the_organization_reads_the_answer(client, world):
    staff = _client(client, world.users[StaffRole.COORDINATOR])
    staff.post(reverse("networks:need_status", kwargs={"pk": world.need.pk}), {"status": "in_progress"})
    staff.post(reverse("networks:need_answer", kwargs={"pk": world.need.pk}), {"response": "Les visitaremos."})
    world.need.refresh_from_db()
    assert world.need.status == Need.Status.ANSWERED
    assert world.need.answered_by == world.users[StaffRole.COORDINATOR]
    steps = list(world.need.events.values_list("from_status", "to_status"))
    assert steps == [("open", "in_progress"), ("in_progress", "answered")]
    portal = _client(client, world.users["portal-member"])
    page = portal.get(reverse("networks_portal:need_detail", kwargs={"pk": world.need.pk})).content.decode()
    assert "Les visitaremos." in page


def test_network_page_shows_the_share_of_spos_with_an_adopted_strategy(client, world):
    page = _client(client, world.users[StaffRole.VIEWER]).get(
        reverse("networks:network_detail", kwargs={"pk": world.country_network.pk})
    )
    html = page.content.decode()
    assert "100 %" in html
    assert f"{reverse('networks:sustainability_list')}?country=PE&amp;status=adopted" in html
    # The viewer reads needs: the network's needs are linked.
    assert reverse("networks:network_needs", kwargs={"pk": world.country_network.pk}) in html
    finance = _client(client, world.users[StaffRole.FINANCE]).get(
        reverse("networks:network_detail", kwargs={"pk": world.country_network.pk})
    )
    assert reverse("networks:network_needs", kwargs={"pk": world.country_network.pk}) not in finance.content.decode()


def test_adoption_share_per_country_is_one_query(world, django_assert_num_queries):
    for index in range(6):
        spo = OrganizationFactory(kind=Organization.Kind.SPO2 if index == 0 else Organization.Kind.SPO)
        NetworkMembershipFactory(network=world.country_network, organization=spo)
        if index < 2:
            SustainabilityStrategyFactory(organization=spo, supporting_network=world.country_network)
        elif index < 4:
            SustainabilityStrategyFactory(
                organization=spo, supporting_network=world.country_network, status="drafting", adopted_on=None
            )
    hired_labour = OrganizationFactory(kind=Organization.Kind.HL)
    NetworkMembershipFactory(network=world.country_network, organization=hired_labour)
    with django_assert_num_queries(1):
        rows = sustainability_adoption_by_country(network=world.country_network)
    # 7 SPOs (the member and 6 more), 3 adopted (the member's and two), 2 drafting; the
    # hired-labour committee is not counted.
    assert rows == [{"country_code": "PE", "country_name": "Peru", "spos": 7, "adopted": 3, "drafting": 2, "share": 43}]
    assert network_section(network=world.coffee)["product_strategies"] == [world.strategy]
    other = network_section(network=world.other_network)["adoption"]
    assert [(row["country_code"], row["spos"], row["share"]) for row in other] == [("CO", 1, 0)]


# --- Portal ----------------------------------------------------------------------------------


def test_portal_user_sees_and_raises_its_needs(client, world):
    c = _client(client, world.users["portal-member"])
    response = c.get(reverse("networks_portal:need_list"))
    assert list(response.context["page_obj"].object_list) == [world.need]
    response = c.post(
        reverse("networks_portal:need_create"),
        {"title": "Crédito", "category": "finance", "priority": "urgent", "description": "Acopio"},
    )
    need = Need.objects.get(title="Crédito")
    assert response.status_code == 302
    assert (need.organization, need.source, need.raised_by) == (
        world.member,
        Need.Source.PORTAL,
        world.users["portal-member"],
    )
    assert list(need.events.values_list("from_status", "to_status")) == [("", "open")]


def test_portal_bad_input_keeps_what_was_typed_and_changes_nothing(client, world):
    before = fingerprint()
    response = _client(client, world.users["portal-member"]).post(
        reverse("networks_portal:need_create"), {"title": "Mi necesidad", "category": "x", "description": ""}
    )
    assert response.status_code == 200
    assert {"category", "description"} <= set(response.context["form"].errors)
    assert 'value="Mi necesidad"' in response.content.decode()
    assert fingerprint() == before


def test_portal_viewer_cannot_raise_a_need(client, world):
    c = _client(client, world.users["portal-viewer"])
    assert c.get(reverse("networks_portal:need_list")).status_code == 200
    before = fingerprint()
    url = reverse("networks_portal:need_create")
    assert c.get(url).status_code == 403
    assert c.post(url, {"title": "x", "category": "finance", "priority": "low", "description": "x"}).status_code == 403
    assert fingerprint() == before


def test_portal_user_of_another_organization_gets_404(client, world):
    c = _client(client, world.users["portal-outsider"])
    assert c.get(reverse("networks_portal:need_detail", kwargs={"pk": world.need.pk})).status_code == 404
    assert list(c.get(reverse("networks_portal:need_list")).context["page_obj"].object_list) == [world.outsider_need]
    assert c.get(reverse("networks_portal:sustainability_strategy")).context["strategy"] is None


def test_portal_shows_the_organizations_own_sustainability_strategy(client, world):
    response = _client(client, world.users["portal-viewer"]).get(reverse("networks_portal:sustainability_strategy"))
    assert response.context["strategy"] == world.sustainability
    assert "Gender equity" in response.content.decode()


@pytest.mark.parametrize("name", sorted({**PORTAL_PAGES, **PORTAL_EDIT_PAGES}))
def test_staff_without_portal_access_and_anonymous_are_refused_in_the_portal(client, world, name):
    url = reverse(name, kwargs={**PORTAL_PAGES, **PORTAL_EDIT_PAGES}[name](world))
    assert _client(client, world.users[StaffRole.ADMIN]).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


# --- API -------------------------------------------------------------------------------------


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _partner() -> APIClient:
    _key, raw = api_key_create(
        partner=ExternalPartnerFactory(name="Partner S"),
        name="s",
        scopes=["directory:read", "stats:read", "indicators:read", "reviews:read"],
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.mark.parametrize("name", sorted(API_ROUTES))
def test_api_reads_are_for_staff_only(world, name):
    url = reverse(f"api-v1:{name}", kwargs=API_ROUTES[name](world))
    assert _api(world.users[StaffRole.VIEWER]).get(url).status_code == 200
    assert _api(world.users["portal-member"]).get(url).status_code == 403
    assert _partner().get(url).status_code == 403
    assert _api().get(url).status_code in (401, 403)
    assert _api(world.users[StaffRole.ADMIN]).post(url, {}, format="json").status_code in (403, 405)


@pytest.mark.parametrize("name", ["need-list", "need-detail"])
def test_api_needs_refuse_finance_and_communications(world, name):
    url = reverse(f"api-v1:{name}", kwargs=API_ROUTES[name](world))
    for role in (StaffRole.FINANCE, StaffRole.COMMUNICATIONS):
        assert _api(world.users[role]).get(url).status_code == 403


def test_api_needs_of_a_coordinator_stay_within_their_networks(world):
    other = _api(world.users["other-coordinator"])
    listed = other.get(reverse("api-v1:need-list")).json()["results"]
    assert [row["id"] for row in listed] == [world.outsider_need.pk]
    assert other.get(reverse("api-v1:need-detail", kwargs={"pk": world.need.pk})).status_code == 403


def test_api_filters_are_bounded_and_explained(world):
    client = _api(world.users[StaffRole.ADMIN])
    assert client.get(reverse("api-v1:need-list"), {"network": "99999999999999999999"}).status_code == 400
    assert client.get(reverse("api-v1:need-list"), {"country": "XX"}).status_code == 400
    assert client.get(reverse("api-v1:product-strategy-list"), {"year": "1800"}).status_code == 400
    rows = client.get(reverse("api-v1:need-list"), {"country": "co"}).json()["results"]
    assert [row["id"] for row in rows] == [world.outsider_need.pk]
    rows = client.get(reverse("api-v1:product-strategy-list"), {"year": 2025}).json()["results"]
    assert [row["id"] for row in rows] == [world.strategy.pk]
    rows = client.get(reverse("api-v1:sustainability-strategy-list"), {"area": "gender"}).json()["results"]
    assert [row["id"] for row in rows] == [world.sustainability.pk]
    detail = client.get(reverse("api-v1:product-strategy-detail", kwargs={"pk": world.strategy.pk})).json()
    assert detail["market_targets"][0]["market"] == "Alemania"
    assert detail["goals"] == ["Defender el precio mínimo", "Abrir mercados"]


# --- Query counts ----------------------------------------------------------------------------


@pytest.fixture
def many(world):
    """Enough rows to show an N+1: needs of many organizations and networks, strategies of
    many periods with targets, sustainability strategies of many SPOs."""
    for index in range(30):
        organization = OrganizationFactory(country_id="PE" if index % 2 else "CO")
        NetworkMembershipFactory(network=world.country_network, organization=organization)
        NeedFactory(organization=organization, network=world.coffee if index % 3 else None)
        SustainabilityStrategyFactory(organization=organization, supporting_network=world.country_network)
        strategy = ProductStrategyFactory(network=world.coffee, start_year=2030 + index, end_year=2031 + index)
        MarketTargetFactory(strategy=strategy)
    NeedFactory(organization=None, network=world.coffee)
    return world


@pytest.mark.parametrize(
    ("name", "params", "user"),
    [
        ("networks:need_list", {}, StaffRole.ADMIN),
        ("networks:need_list", {"status": "all", "country": "PE", "network": "NETWORK"}, StaffRole.ADMIN),
        ("networks:need_list", {}, StaffRole.COORDINATOR),
        ("networks:product_strategy_list", {}, StaffRole.VIEWER),
        ("networks:sustainability_list", {"status": "adopted", "area": "gender"}, StaffRole.VIEWER),
    ],
)
def test_dashboard_lists_cost_constant_queries(client, many, django_assert_max_num_queries, name, params, user):
    params = {k: (many.country_network.pk if v == "NETWORK" else v) for k, v in params.items()}
    c = _client(client, many.users[user])
    with django_assert_max_num_queries(12):
        response = c.get(reverse(name), params)
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) >= 15


def test_network_needs_page_costs_constant_queries(client, many, django_assert_max_num_queries):
    c = _client(client, many.users[StaffRole.COORDINATOR])
    with django_assert_max_num_queries(12):
        response = c.get(reverse("networks:network_needs", kwargs={"pk": many.country_network.pk}))
    assert len(response.context["page_obj"].object_list) >= 15


def test_portal_needs_cost_constant_queries(client, many, django_assert_max_num_queries):
    for _ in range(15):
        NeedFactory(organization=many.member)
    c = _client(client, many.users["portal-member"])
    with django_assert_max_num_queries(12):
        response = c.get(reverse("networks_portal:need_list"))
    assert len(response.context["page_obj"].object_list) == 16


@pytest.mark.parametrize("name", ["need-list", "product-strategy-list", "sustainability-strategy-list"])
def test_api_lists_cost_constant_queries(many, django_assert_max_num_queries, name):
    client = _api(many.users[StaffRole.ADMIN])
    with django_assert_max_num_queries(8):
        response = client.get(reverse(f"api-v1:{name}"))
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 30
