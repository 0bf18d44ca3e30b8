"""One search behaviour everywhere (issue 12, item 5): the staff registry list, the people
directory and the API search ignore accents, case and word order; FLO IDs sort as numbers."""

import sqlite3

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from clac.roles import StaffRole
from communications.services import api_key_create
from members.apps import _register_sqlite_unaccent
from members.models import Membership, Organization
from members.selectors import organization_list
from members.selectors.search import search_words
from tests.factories import (
    ExternalPartnerFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> dict[str, Organization]:
    orgs = {
        "pangoa": OrganizationFactory(
            name="Cooperativa Agraria Cafetalera Pangoa", legal_name="CAC Pangoa Ltda.", locality="San Martín"
        ),
        "asociacion": OrganizationFactory(
            name="Asociación de Productores Orgánicos del Valle", legal_name="APOV", locality="Quillabamba"
        ),
        "other": OrganizationFactory(name="Norandino", legal_name="Norandino Ltda.", locality="Piura"),
    }
    for org in orgs.values():
        MembershipFactory(organization=org, status=Membership.Status.ACTIVE)
    return orgs


QUERIES = [
    ("Asociacion", "asociacion"),
    ("asociación productores", "asociacion"),
    ("cafe pangoa", "pangoa"),
    ("PANGOA cafetalera", "pangoa"),
    ("san martin", "pangoa"),
    ("organicos valle", "asociacion"),
]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_registry_list_ignores_accents_case_and_word_order(client, registry, query, expected):
    client.force_login(staff_user(StaffRole.VIEWER))
    response = client.get(reverse("members:organization_list"), {"q": query})
    assert response.status_code == 200
    assert [org.pk for org in response.context["page_obj"]] == [registry[expected].pk]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_directory_and_staff_api_search_find_what_the_registry_list_finds(registry, query, expected):
    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="d", scopes=["directory:read"])
    partner = APIClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    staff = APIClient()
    staff.force_login(staff_user(StaffRole.ADMIN))

    for api, url in ((partner, "/api/v1/directory/organizations/"), (staff, "/api/v1/organizations/")):
        response = api.get(url, {"search": query})
        assert response.status_code == 200, (url, response.content)
        assert [row["id"] for row in response.json()["results"]] == [registry[expected].pk], url


def test_people_directory_and_api_search_by_name_in_any_order_without_accents(client):
    jose = PersonFactory(first_name="José", last_name="Pérez Quispe", normalized_name="perez quispe jose")
    PersonFactory(first_name="Josefa", last_name="Mamani", normalized_name="mamani josefa")
    client.force_login(staff_user(StaffRole.VIEWER))
    staff = APIClient()
    staff.force_login(staff_user(StaffRole.ADMIN))

    for query in ("jose perez", "Quispe JOSÉ", "pérez"):
        page = client.get(reverse("members:person_list"), {"q": query})
        assert [p.pk for p in page.context["page_obj"]] == [jose.pk], query
        api = staff.get("/api/v1/people/", {"search": query})
        assert [row["id"] for row in api.json()["results"]] == [jose.pk], query


def test_registry_sorts_flo_id_as_a_number_both_ways():
    for flo_id in ("12649", "127", "2145", "9"):
        OrganizationFactory(flo_id=flo_id)
    ascending = [org.flo_id for org in organization_list(filters={"sort": "flo_id"})]
    descending = [org.flo_id for org in organization_list(filters={"sort": "-flo_id"})]
    assert ascending == ["9", "127", "2145", "12649"]
    assert descending == ["12649", "2145", "127", "9"]


def test_search_words_fold_accents_case_and_punctuation():
    assert search_words("  Café  «Pangoa», LTDA. ") == ["cafe", "pangoa", "ltda"]


def test_the_demo_database_gets_the_same_accent_folding():
    raw = sqlite3.connect(":memory:")

    class FakeConnection:
        vendor = "sqlite"
        connection = raw

    _register_sqlite_unaccent(sender=None, connection=FakeConnection())
    assert raw.execute("select lower(unaccent('Asociación Cafetalera Ñuñoa'))").fetchone() == (
        "asociacion cafetalera nunoa",
    )
