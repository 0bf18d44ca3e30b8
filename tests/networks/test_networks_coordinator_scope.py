"""A coordinator changes only the registry records of the member organizations of the networks
they coordinate (docs/decisions/0008), in the dashboard and the staff API alike; reads stay
open to every staff role, and administrators and M&E officers are not limited."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from clac.roles import StaffRole
from members.models import Affiliation, Organization, OrganizationChangeProposal
from networks.models import NetworkMembership
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory, PersonFactory, country
from tests.networks.factories import CountryNetworkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(staff_users):
    network_a = CountryNetworkFactory(name="Red A", countries=["PE"])
    network_b = CountryNetworkFactory(name="Red B", countries=["CO"])
    org_a = OrganizationFactory(name="Cooperativa A", country=country("PE"))
    org_b = OrganizationFactory(name="Cooperativa B", country=country("CO"))
    for org, network in ((org_a, network_a), (org_b, network_b)):
        MembershipFactory(organization=org)
        NetworkMembership.objects.create(network=network, organization=org, since="2020-01-01")
    network_a.coordinators.add(staff_users[StaffRole.COORDINATOR])
    person_a, person_b = PersonFactory(first_name="Ana"), PersonFactory(first_name="Beto")
    AffiliationFactory(person=person_a, organization=org_a)
    AffiliationFactory(person=person_b, organization=org_b)
    return {"a": org_a, "b": org_b, "person_a": person_a, "person_b": person_b, "users": staff_users}


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_coordinator_edits_an_organization_of_their_network_in_the_dashboard(scene):
    client = _client(scene["users"][StaffRole.COORDINATOR])
    assert client.get(reverse("members:organization_edit", args=[scene["a"].pk])).status_code == 200
    response = client.get(reverse("members:organization_edit", args=[scene["b"].pk]))
    assert response.status_code == 403


def test_coordinator_refused_on_another_network_s_organization_in_the_api(scene):
    api = _api(scene["users"][StaffRole.COORDINATOR])
    ok = api.patch(f"/api/v1/organizations/{scene['a'].pk}/", {"region": "Cusco"}, format="json")
    assert ok.status_code == 200
    refused = api.patch(f"/api/v1/organizations/{scene['b'].pk}/", {"region": "Huila"}, format="json")
    assert refused.status_code == 403
    scene["b"].refresh_from_db()
    assert scene["b"].region != "Huila"
    scene["a"].refresh_from_db()
    assert scene["a"].region == "Cusco"


def test_coordinator_changes_only_people_serving_their_members(scene):
    client = _client(scene["users"][StaffRole.COORDINATOR])
    assert client.get(reverse("members:person_edit", args=[scene["person_a"].pk])).status_code == 200
    assert client.get(reverse("members:person_edit", args=[scene["person_b"].pk])).status_code == 403
    api = _api(scene["users"][StaffRole.COORDINATOR])
    refused = api.patch(f"/api/v1/people/{scene['person_b'].pk}/", {"first_name": "X"}, format="json")
    assert refused.status_code == 403
    scene["person_b"].refresh_from_db()
    assert scene["person_b"].first_name == "Beto"


def test_coordinator_adds_roles_only_in_their_members(scene):
    api = _api(scene["users"][StaffRole.COORDINATOR])
    before = Affiliation.objects.count()
    refused = api.post(
        "/api/v1/affiliations/",
        {"person": scene["person_a"].pk, "organization": scene["b"].pk, "role": "manager"},
        format="json",
    )
    assert refused.status_code == 403
    assert Affiliation.objects.count() == before


def test_coordinator_decides_change_proposals_only_for_their_members(scene):
    client = _client(scene["users"][StaffRole.COORDINATOR])
    proposals = {
        key: OrganizationChangeProposal.objects.create(
            organization=scene[key], field="legal_name", current_value="", proposed_value=f"Nueva {key}"
        )
        for key in ("a", "b")
    }
    for key, expected in (("b", 403), ("a", 302)):
        proposal = proposals[key]
        response = client.post(
            reverse("members:proposal_decide", args=[proposal.pk]),
            {f"proposal-{proposal.pk}-decision": "approve", f"proposal-{proposal.pk}-note": ""},
        )
        assert response.status_code == expected
    proposals["b"].refresh_from_db()
    assert proposals["b"].status == OrganizationChangeProposal.Status.PENDING
    assert Organization.objects.get(pk=scene["b"].pk).legal_name != "Nueva b"
    proposals["a"].refresh_from_db()
    assert proposals["a"].status == OrganizationChangeProposal.Status.APPROVED


def test_coordinator_may_create_organizations_but_not_import(scene):
    client = _client(scene["users"][StaffRole.COORDINATOR])
    assert client.get(reverse("members:organization_create")).status_code == 200
    assert client.post(reverse("members:import_upload"), {}).status_code == 403


@pytest.mark.parametrize("role", [StaffRole.ADMIN, StaffRole.ME_OFFICER])
def test_admin_and_me_officer_are_not_limited(scene, role):
    client = _client(scene["users"][role])
    for org in (scene["a"], scene["b"]):
        assert client.get(reverse("members:organization_edit", args=[org.pk])).status_code == 200
    assert client.get(reverse("members:person_edit", args=[scene["person_b"].pk])).status_code == 200
    api = _api(scene["users"][role])
    assert api.patch(f"/api/v1/organizations/{scene['b'].pk}/", {"region": "Huila"}, format="json").status_code == 200


def test_reads_stay_open_to_the_coordinator(scene):
    client = _client(scene["users"][StaffRole.COORDINATOR])
    assert client.get(reverse("members:organization_detail", args=[scene["b"].pk])).status_code == 200
    assert client.get(reverse("members:person_detail", args=[scene["person_b"].pk])).status_code == 200
    assert _api(scene["users"][StaffRole.COORDINATOR]).get(f"/api/v1/organizations/{scene['b'].pk}/").status_code == 200


def test_an_organization_that_left_the_network_leaves_the_scope(scene):
    NetworkMembership.objects.filter(organization=scene["a"]).update(until="2024-01-01")
    client = _client(scene["users"][StaffRole.COORDINATOR])
    assert client.get(reverse("members:organization_edit", args=[scene["a"].pk])).status_code == 403
