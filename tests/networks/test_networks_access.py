"""Every page and endpoint of the networks area: who reaches it, who is refused (other staff
roles, a coordinator of ANOTHER network, a portal user, a partner key, anonymous visitors),
bad input that changes nothing, and lists whose query count does not grow with rows."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clac.api.scopes import DIRECTORY_READ, STATS_READ
from clac.roles import PortalRole, StaffRole
from communications.services import api_key_create
from members.models import Membership
from networks.models import Network, NetworkMembership
from networks.views.networks import ACCESS as VIEW_ACCESS
from tests.factories import (
    ExternalPartnerFactory,
    MembershipFactory,
    OrganizationFactory,
    YearlyReportFactory,
    country,
    product,
    staff_user,
)
from tests.networks.factories import CountryNetworkFactory, ProductNetworkFactory

pytestmark = pytest.mark.django_db

READ_ONLY_ROLES = [StaffRole.FINANCE, StaffRole.COMMUNICATIONS, StaffRole.ME_OFFICER, StaffRole.VIEWER]


@pytest.fixture
def world(staff_users, portal_user_factory):
    mine = CountryNetworkFactory(name="Red Mía", countries=["PE"])
    theirs = CountryNetworkFactory(name="Red Ajena", countries=["CO"])
    mine.coordinators.add(staff_users[StaffRole.COORDINATOR])
    other_coordinator = staff_user(StaffRole.COORDINATOR, username="other-coordinator", language="en")
    theirs.coordinators.add(other_coordinator)
    org = OrganizationFactory(name="Cooperativa Mía", country=country("PE"))
    org_b = OrganizationFactory(name="Cooperativa Ajena", country=country("CO"))
    MembershipFactory(organization=org)
    MembershipFactory(organization=org_b)
    m_mine = NetworkMembership.objects.create(network=mine, organization=org, since=datetime.date(2020, 1, 1))
    m_theirs = NetworkMembership.objects.create(network=theirs, organization=org_b, since=datetime.date(2020, 1, 1))
    return {
        "mine": mine,
        "theirs": theirs,
        "org": org,
        "org_b": org_b,
        "m_mine": m_mine,
        "m_theirs": m_theirs,
        "users": staff_users,
        "other_coordinator": other_coordinator,
        "portal": portal_user_factory(PortalRole.ADMIN, org),
    }


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_every_page_route_is_walked_here():
    walked = {
        "networks:network_list",
        "networks:network_detail",
        "networks:network_membership_history",
        "networks:network_create",
        "networks:network_edit",
        "networks:network_membership_add",
        "networks:network_membership_end",
    }
    assert set(VIEW_ACCESS) == walked


def _reads(w):
    return [
        reverse("networks:network_list"),
        reverse("networks:network_list") + "?mine=on&kind=country",
        reverse("networks:network_detail", args=[w["theirs"].pk]),
        reverse("networks:network_detail", args=[w["theirs"].pk]) + "?q=Ajena",
        reverse("networks:network_membership_history", args=[w["theirs"].pk]),
    ]


def test_every_staff_role_reads_every_network(world):
    for role, user in world["users"].items():
        client = client_for(user)
        for url in _reads(world):
            response = client.get(url)
            assert response.status_code == 200, (role, url)


def test_portal_users_and_anonymous_visitors_cannot_read(world):
    for url in _reads(world):
        assert client_for(world["portal"]).get(url).status_code == 403, url
        response = client_for(None).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def _changes(w, network: Network, membership: NetworkMembership):
    return [
        reverse("networks:network_edit", args=[network.pk]),
        reverse("networks:network_membership_add", args=[network.pk]),
        reverse("networks:network_membership_end", args=[membership.pk]),
    ]


def test_admin_and_the_network_s_coordinator_open_the_change_pages(world):
    for user in (world["users"][StaffRole.ADMIN], world["users"][StaffRole.COORDINATOR]):
        for url in _changes(world, world["mine"], world["m_mine"]):
            assert client_for(user).get(url).status_code == 200, url
    assert client_for(world["users"][StaffRole.ADMIN]).get(reverse("networks:network_create")).status_code == 200


def test_others_are_refused_the_change_pages_and_change_nothing(world):
    refused = [world["users"][role] for role in READ_ONLY_ROLES] + [world["other_coordinator"], world["portal"]]
    rows = NetworkMembership.objects.count()
    for user in refused:
        for url in _changes(world, world["mine"], world["m_mine"]):
            client = client_for(user)
            assert client.get(url).status_code == 403, (user, url)
            assert client.post(url, {"reason": "x", "since": "2024-01-01", "until": "2024-01-01"}).status_code == 403
        assert client_for(user).post(reverse("networks:network_create"), {"name": "X"}).status_code == 403
    # The coordinator of the first network is refused on the other network.
    coordinator = client_for(world["users"][StaffRole.COORDINATOR])
    for url in _changes(world, world["theirs"], world["m_theirs"]):
        assert coordinator.get(url).status_code == 403, url
        assert coordinator.post(url, {"reason": "x", "until": "2024-01-01", "keep_out": "on"}).status_code == 403
    assert coordinator.get(reverse("networks:network_create")).status_code == 403
    for url in [*_changes(world, world["mine"], world["m_mine"]), reverse("networks:network_create")]:
        response = client_for(None).post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert NetworkMembership.objects.count() == rows
    world["m_mine"].refresh_from_db()
    assert world["m_mine"].until is None


def test_coordinator_edits_only_the_description(world):
    client = client_for(world["users"][StaffRole.COORDINATOR])
    url = reverse("networks:network_edit", args=[world["mine"].pk])
    response = client.post(url, {"description": "Nueva descripción", "name": "Otro nombre"})
    assert response.status_code == 302
    world["mine"].refresh_from_db()
    assert world["mine"].description == "Nueva descripción"
    assert world["mine"].name == "Red Mía"


def test_bad_input_shows_errors_and_changes_nothing(world):
    admin = client_for(world["users"][StaffRole.ADMIN])
    networks, rows = Network.objects.count(), NetworkMembership.objects.count()
    response = admin.post(
        reverse("networks:network_create"), {"kind": "country", "name": "Red Mía", "countries": ["CO"]}
    )
    assert response.status_code == 400
    assert b"already" in response.content
    response = admin.post(
        reverse("networks:network_membership_add", args=[world["mine"].pk]),
        {"organization": "no-such", "since": "", "reason": ""},
    )
    assert response.status_code == 400
    response = admin.post(
        reverse("networks:network_membership_add", args=[world["mine"].pk]),
        {"organization": str(world["org"].pk), "since": "2024-01-01", "reason": "Again"},
    )
    assert response.status_code == 400 and b"already a member" in response.content
    response = admin.post(
        reverse("networks:network_membership_end", args=[world["m_mine"].pk]),
        {"until": "1999-01-01", "reason": ""},
    )
    assert response.status_code == 400
    assert admin.get(reverse("networks:network_list") + "?kind=planet").status_code == 400
    assert admin.get(reverse("networks:network_detail", args=[987654])).status_code == 404
    assert Network.objects.count() == networks and NetworkMembership.objects.count() == rows


def test_manual_add_and_end_through_the_pages(world):
    client = client_for(world["users"][StaffRole.COORDINATOR])
    guest = OrganizationFactory(name="Invitada", country=country("BO"), flo_id="7777")
    response = client.post(
        reverse("networks:network_membership_add", args=[world["mine"].pk]),
        {"organization": "7777", "since": "2024-02-01", "reason": "Invitada al comité"},
    )
    assert response.status_code == 302
    added = NetworkMembership.objects.get(network=world["mine"], organization=guest)
    assert added.source == NetworkMembership.Source.MANUAL
    assert added.changed_by == world["users"][StaffRole.COORDINATOR]
    response = client.post(
        reverse("networks:network_membership_end", args=[added.pk]),
        {"until": timezone.localdate().isoformat(), "reason": "Terminó el proyecto"},
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.until == timezone.localdate()


# --- Portal -----------------------------------------------------------------------------------


def test_portal_shows_the_organization_s_networks_only(world, other_portal_user):
    url = reverse("networks_portal:network_list")
    response = client_for(world["portal"]).get(url)
    assert response.status_code == 200
    assert "Red Mía" in response.content.decode() and "Red Ajena" not in response.content.decode()
    other = client_for(other_portal_user).get(url)
    assert other.status_code == 200 and "Red Mía" not in other.content.decode()
    assert client_for(world["users"][StaffRole.ADMIN]).get(url).status_code in (302, 403, 404)
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302
    home = client_for(world["portal"]).get(reverse("portal:home"))
    assert home.status_code == 200 and "Red Mía" in home.content.decode()


# --- Query counts -------------------------------------------------------------------------------


def _populate(network: Network, count: int) -> None:
    for index in range(count):
        org = OrganizationFactory(name=f"Org {network.pk}-{index}", country=country("PE" if index % 2 else "CO"))
        MembershipFactory(organization=org, status=Membership.Status.ACTIVE)
        NetworkMembership.objects.create(network=network, organization=org, since=datetime.date(2021, 1, 1))
        YearlyReportFactory(
            organization=org, status="approved", members_total=200 + 100 * index, members_women=50, members_youth=20
        )


def test_dashboard_pages_cost_the_same_queries_whatever_the_rows(world, django_assert_max_num_queries):
    admin = client_for(world["users"][StaffRole.ADMIN])
    urls = [
        reverse("networks:network_list"),
        reverse("networks:network_detail", args=[world["mine"].pk]),
        reverse("networks:network_membership_history", args=[world["mine"].pk]),
    ]
    counts = {}
    for url in urls:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert admin.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    _populate(world["mine"], 12)
    for index in range(6):
        network = ProductNetworkFactory(product_network=["cocoa", "banana", "sugar", "honey", "quinoa", "other"][index])
        network.coordinators.add(world["users"][StaffRole.COORDINATOR])
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert admin.get(url).status_code == 200


def test_portal_page_costs_the_same_queries_whatever_the_rows(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world["portal"])
    url = reverse("networks_portal:network_list")
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    for category in ("cocoa", "banana", "honey"):
        NetworkMembership.objects.create(
            network=ProductNetworkFactory(product_network=category),
            organization=world["org"],
            since=datetime.date(2019, 1, 1),
            until=datetime.date(2020, 1, 1),
        )
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        assert client.get(url).status_code == 200


# --- API ------------------------------------------------------------------------------------------


def partner(scopes: list[str]) -> APIClient:
    _key, raw = api_key_create(partner=ExternalPartnerFactory(name="Socio"), name="k", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_partner_reads_networks_with_counts_and_no_people(world):
    hl = OrganizationFactory(name="Comité HL", kind="hl", country=country("PE"))
    NetworkMembership.objects.create(network=world["mine"], organization=hl, since=datetime.date(2022, 1, 1))
    excluded = OrganizationFactory(name="Fuera", country=country("PE"))
    NetworkMembership.objects.create(
        network=world["mine"], organization=excluded, since=datetime.date(2022, 1, 1), excluded=True
    )
    client = partner([DIRECTORY_READ])
    response = client.get("/api/v1/networks/")
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["results"]}
    mine = rows["Red Mía"]
    assert mine["kind"] == "country"
    assert [c["code"] for c in mine["countries"]] == ["PE"] and mine["countries"][0]["name"]
    assert mine["product"] is None and mine["subregion"] == "andean"
    assert mine["member_counts"] == {"total": 2, "by_country": {"PE": 2}, "by_kind": {"spo": 1, "hl": 1}}
    text = response.content.decode()
    for private in ("coordinator", world["users"][StaffRole.COORDINATOR].username, "changed_by"):
        assert private not in text
    detail = client.get(f"/api/v1/networks/{world['mine'].pk}/")
    assert detail.status_code == 200 and detail.json() == mine
    assert client.get("/api/v1/networks/987654/").status_code == 404
    assert client.get("/api/v1/networks/?kind=product").json()["results"] == []
    filtered = client.get("/api/v1/networks/?country=co").json()["results"]
    assert [row["name"] for row in filtered] == ["Red Ajena"]
    assert client.get("/api/v1/networks/?kind=planet").status_code == 400


def test_partner_without_directory_scope_and_anonymous_are_refused(world):
    assert partner([STATS_READ]).get("/api/v1/networks/").status_code == 403
    assert partner([STATS_READ]).get(f"/api/v1/networks/{world['mine'].pk}/").status_code == 403
    assert APIClient().get("/api/v1/networks/").status_code in (401, 403)
    assert partner([DIRECTORY_READ]).post("/api/v1/networks/", {"name": "x"}, format="json").status_code == 403
    for url in ("/api/v1/network-memberships/", f"/api/v1/network-memberships/{world['m_mine'].pk}/"):
        assert partner([DIRECTORY_READ]).get(url).status_code == 403
        assert APIClient().get(url).status_code in (401, 403)
        assert api_for(world["portal"]).get(url).status_code == 403


def test_only_admins_write_networks_through_the_api(world):
    payload = {"kind": "product", "name": "Red de Miel", "product_network": "honey"}
    for user in [world["users"][role] for role in (*READ_ONLY_ROLES, StaffRole.COORDINATOR)]:
        assert api_for(user).post("/api/v1/networks/", payload, format="json").status_code == 403
        assert (
            api_for(user).patch(f"/api/v1/networks/{world['mine'].pk}/", {"name": "X"}, format="json").status_code
            == 403
        )
    assert not Network.objects.filter(name="Red de Miel").exists()
    admin = api_for(world["users"][StaffRole.ADMIN])
    bad = admin.post("/api/v1/networks/", {"kind": "country", "name": "Red Mía", "countries": ["PE"]}, format="json")
    assert bad.status_code == 400 and {"name", "countries"} <= set(bad.json()["error"]["details"])
    created = admin.post("/api/v1/networks/", payload, format="json")
    assert created.status_code == 201 and created.json()["product"] == "honey"
    changed = admin.patch(f"/api/v1/networks/{world['mine'].pk}/", {"description": "Nueva"}, format="json")
    assert changed.status_code == 200
    world["mine"].refresh_from_db()
    assert world["mine"].description == "Nueva"


def test_staff_memberships_api_follows_network_can_change(world):
    coordinator = api_for(world["users"][StaffRole.COORDINATOR])
    guest = OrganizationFactory(name="Invitada API")
    ok = coordinator.post(
        "/api/v1/network-memberships/",
        {"network": world["mine"].pk, "organization": guest.pk, "since": "2024-01-01", "reason": "Comité"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["source"] == "manual"
    rows = NetworkMembership.objects.count()
    refused = coordinator.post(
        "/api/v1/network-memberships/",
        {"network": world["theirs"].pk, "organization": guest.pk, "since": "2024-01-01", "reason": "Comité"},
        format="json",
    )
    assert refused.status_code == 403
    end_refused = coordinator.post(
        f"/api/v1/network-memberships/{world['m_theirs'].pk}/end/",
        {"until": "2024-01-01", "reason": "x", "keep_out": True},
        format="json",
    )
    assert end_refused.status_code == 403
    viewer = api_for(world["users"][StaffRole.VIEWER])
    assert viewer.get(f"/api/v1/network-memberships/?network={world['mine'].pk}&current=true").status_code == 200
    assert viewer.post(f"/api/v1/network-memberships/{world['m_mine'].pk}/end/", {}, format="json").status_code == 403
    bad = coordinator.post(
        f"/api/v1/network-memberships/{world['m_mine'].pk}/end/", {"until": "1999-01-01", "reason": "x"}, format="json"
    )
    assert bad.status_code == 400
    assert NetworkMembership.objects.count() == rows
    ended = coordinator.post(
        f"/api/v1/network-memberships/{world['m_mine'].pk}/end/",
        {"until": timezone.localdate().isoformat(), "reason": "Se retira", "keep_out": True},
        format="json",
    )
    assert ended.status_code == 200 and ended.json()["until"] == timezone.localdate().isoformat()
    assert NetworkMembership.objects.filter(network=world["mine"], organization=world["org"], excluded=True).exists()


def test_api_lists_cost_the_same_queries_whatever_the_rows(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = partner([DIRECTORY_READ])
    staff = api_for(world["users"][StaffRole.VIEWER])
    with CaptureQueriesContext(connection) as networks_ctx:
        client.get("/api/v1/networks/")
    with CaptureQueriesContext(connection) as memberships_ctx:
        staff.get("/api/v1/network-memberships/")
    _populate(world["mine"], 10)
    for category in ("cocoa", "banana", "sugar", "honey"):
        network = ProductNetworkFactory(product_network=category)
        org = OrganizationFactory(country=country("EC"))
        org.products.set([product("cocoa")])
        NetworkMembership.objects.create(network=network, organization=org, since=datetime.date(2021, 1, 1))
    with django_assert_max_num_queries(len(networks_ctx.captured_queries)):
        assert client.get("/api/v1/networks/").status_code == 200
    with django_assert_max_num_queries(len(memberships_ctx.captured_queries)):
        assert staff.get("/api/v1/network-memberships/").status_code == 200
