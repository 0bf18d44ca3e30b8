"""The partners' directory endpoint: public fields only, current members only, filters, cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from clac.roles import StaffRole
from communications.services import api_key_create
from members.models import Certification, Membership, Organization
from tests.factories import (
    AffiliationFactory,
    CertificationFactory,
    ExternalPartnerFactory,
    MembershipFactory,
    OrganizationFactory,
    country,
    product,
    staff_user,
)

URL = "/api/v1/directory/organizations/"
PUBLIC_FIELDS = {
    "id",
    "name",
    "kind",
    "country",
    "region",
    "locality",
    "flo_id",
    "products",
    "founding_year",
    "website",
    "membership_status",
    "certifications",
}


def partner_client(scopes=("directory:read",)) -> APIClient:
    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="directory", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def member(status: str = Membership.Status.ACTIVE, **org_fields) -> Organization:
    organization = OrganizationFactory(**org_fields)
    MembershipFactory(organization=organization, status=status)
    return organization


def result_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def client(db):
    return partner_client()


def test_directory_returns_exactly_the_public_fields(client):
    org = member(
        founding_year=1995,
        website="https://coop.example.org",
        email="gerencia@coop.example.org",
        phone="+51987654321",
        tax_id="20512345678",
        address="Jr. Lima 123",
        latitude="-10.900000",
        longitude="-74.900000",
    )
    org.products.set([product("coffee"), product("cocoa")])
    CertificationFactory(organization=org, status=Certification.Status.CERTIFIED)
    AffiliationFactory(organization=org, person__email="maria.quispe@coop.example.org", person__first_name="María")

    response = client.get(URL)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert set(row) == PUBLIC_FIELDS
    assert row["country"] == {"code": "PE", "name": row["country"]["name"]}
    assert row["products"] == ["cocoa", "coffee"]
    assert row["membership_status"] == "active"
    assert row["certifications"] == [{"standard": "spo", "status": "certified"}]
    assert row["founding_year"] == 1995
    body = response.content.decode()
    for private in ("gerencia@", "+51987654321", "20512345678", "Jr. Lima", "-10.9", "maria.quispe", "María"):
        assert private not in body


def test_directory_lists_only_active_and_suspended_members(client):
    active = member(Membership.Status.ACTIVE)
    suspended = member(Membership.Status.SUSPENDED)
    applicant = member(Membership.Status.APPLICANT)
    member(Membership.Status.WITHDRAWN)
    member(Membership.Status.EXPELLED)
    OrganizationFactory()  # no membership at all

    assert result_ids(client.get(URL)) == {active.pk, suspended.pk}
    assert client.get(f"{URL}{active.pk}/").status_code == 200
    response = client.get(f"{URL}{applicant.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_directory_detail_has_the_same_public_fields(client):
    org = member()
    response = client.get(f"{URL}{org.pk}/")
    assert response.status_code == 200
    assert set(response.json()) == PUBLIC_FIELDS


def test_directory_filters(client):
    coffee_pe = member(name="Cooperativa Cafe Pangoa", locality="Pangoa", flo_id="2145")
    coffee_pe.products.set([product("coffee")])
    CertificationFactory(organization=coffee_pe, status=Certification.Status.CERTIFIED)
    honey_co = member(country=country("CO"), kind=Organization.Kind.SPO2, locality="Medellín")
    honey_co.products.set([product("honey")])
    CertificationFactory(organization=honey_co, status=Certification.Status.SUSPENDED)
    suspended = member(Membership.Status.SUSPENDED, country=country("MX"))

    assert result_ids(client.get(URL, {"country": "co"})) == {honey_co.pk}
    assert result_ids(client.get(URL, {"country": "PE,MX"})) == {coffee_pe.pk, suspended.pk}
    assert result_ids(client.get(URL, {"kind": "spo2"})) == {honey_co.pk}
    assert result_ids(client.get(URL, {"product": "coffee"})) == {coffee_pe.pk}
    assert result_ids(client.get(URL, {"product": "coffee,honey"})) == {coffee_pe.pk, honey_co.pk}
    assert result_ids(client.get(URL, {"membership_status": "suspended"})) == {suspended.pk}
    assert result_ids(client.get(URL, {"certification_status": "certified"})) == {coffee_pe.pk}
    assert result_ids(client.get(URL, {"search": "pangoa"})) == {coffee_pe.pk}
    assert result_ids(client.get(URL, {"search": "2145"})) == {coffee_pe.pk}
    assert result_ids(client.get(URL, {"search": "medellín"})) == {honey_co.pk}


def test_directory_refuses_a_non_public_membership_filter(client):
    response = client.get(URL, {"membership_status": "applicant"})
    assert response.status_code == 400
    assert "membership_status" in response.json()["error"]["details"]


def test_directory_pages_with_a_cursor(client):
    orgs = [member() for _ in range(5)]
    first = client.get(URL, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    seen = [row["id"] for page in (first, second, third) for row in page["results"]]
    assert sorted(seen) == sorted(o.pk for o in orgs)
    assert third["next"] is None


def test_staff_can_read_the_directory(db):
    client = APIClient()
    client.force_login(staff_user(StaffRole.VIEWER))
    org = member()
    assert result_ids(client.get(URL)) == {org.pk}


def _members_with_relations(count: int) -> None:
    coffee, cocoa = product("coffee"), product("cocoa")
    for _ in range(count):
        org = member()
        org.products.set([coffee, cocoa])
        CertificationFactory(organization=org)


def test_directory_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    _members_with_relations(5)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(URL, {"page_size": 100}).json()["results"]) == 5
    _members_with_relations(25)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(URL, {"page_size": 100}).json()["results"]) == 30
    # Key lookup, the page, its products and its certifications.
    assert len(few) <= 5
