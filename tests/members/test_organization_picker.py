"""The organization search picker (issue #12, item 8a): staff forms that choose one of the
registry's thousand organizations offer a text field, not a thousand-option list. Without
JavaScript the typed text is resolved on the server (several matches come back as choices);
with it, suggestions come from a small JSON endpoint open to staff only."""

import re

import pytest
from django.urls import reverse

from clac.roles import PortalRole, StaffRole
from members.models import Affiliation
from tests.factories import OrganizationFactory, PersonFactory, country, staff_user

pytestmark = pytest.mark.django_db

PICK = reverse("members:organization_pick")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def person():
    return PersonFactory()


def _affiliation_url(person) -> str:
    return reverse("members:affiliation_create", args=[person.pk])


def test_the_affiliation_form_offers_a_search_field_instead_of_every_organization(client, person):
    for n in range(40):
        OrganizationFactory(name=f"Cooperativa {n}")
    client.force_login(staff_user(StaffRole.ADMIN))

    html = client.get(_affiliation_url(person)).content.decode()

    assert "Cooperativa 17" not in html
    assert html.count("<option") < 20  # the role list only
    field = re.search(r'<input[^>]*name="organization"[^>]*>', html)
    assert field is not None
    assert f'data-picker-source="{PICK}"' in field.group(0)
    assert 'id="id_organization"' in field.group(0)
    assert "js/picker.js" in html


def test_without_javascript_a_typed_name_in_any_order_and_without_accents_is_found(client, person):
    pangoa = OrganizationFactory(name="Cooperativa Agraria Cafetalera Pangoa")
    OrganizationFactory(name="Cooperativa Norandino")
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(_affiliation_url(person), {"organization": "pangoa café", "role": "delegate"})

    assert response.status_code == 302
    assert Affiliation.objects.get(person=person).organization == pangoa


def test_a_flo_id_picks_the_organization(client, person):
    org = OrganizationFactory(name="Cooperativa Norandino", flo_id="2145")
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(_affiliation_url(person), {"organization": "2145", "role": "delegate"})

    assert response.status_code == 302
    assert Affiliation.objects.get(person=person).organization == org


def test_several_matches_come_back_as_choices_and_one_is_then_picked(client, person):
    peru = OrganizationFactory(name="Cooperativa Pangoa", country=country("PE"), flo_id="111")
    colombia = OrganizationFactory(name="Asociación Pangoa", country=country("CO"), flo_id="222")
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(_affiliation_url(person), {"organization": "pangoa", "role": "delegate"})

    assert response.status_code == 200
    assert "2 organizations match “pangoa”" in str(response.context["form"].errors["organization"])
    html = response.content.decode()
    assert 'value="pangoa"' in html  # what was typed stays
    for org in (peru, colombia):
        assert re.search(
            rf'<input type="radio" id="id_organization_pick_\d" name="organization_pick" value="{org.pk}"', html
        )
    assert "Cooperativa Pangoa (PE) · FLO 111" in html
    assert not Affiliation.objects.exists()

    response = client.post(
        _affiliation_url(person),
        {"organization": "pangoa", "organization_pick": ["", str(colombia.pk)], "role": "delegate"},
    )

    assert response.status_code == 302
    assert Affiliation.objects.get(person=person).organization == colombia


def test_nothing_found_is_a_clear_error_and_saves_nothing(client, person):
    OrganizationFactory(name="Cooperativa Norandino")
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(_affiliation_url(person), {"organization": "zzzz", "role": "delegate"})

    assert response.status_code == 200
    assert "No organization matches “zzzz”" in str(response.context["form"].errors["organization"])
    assert not Affiliation.objects.exists()


def test_a_forged_id_is_refused(client, person):
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(
        _affiliation_url(person), {"organization": "", "organization_pick": "99999999999999999999", "role": "delegate"}
    )

    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert not Affiliation.objects.exists()


def test_the_page_opened_for_an_organization_shows_its_name_and_keeps_its_id(client, person):
    org = OrganizationFactory(name="Cooperativa Norandino", flo_id="3021")
    client.force_login(staff_user(StaffRole.ADMIN))

    html = client.get(_affiliation_url(person) + f"?organization={org.pk}").content.decode()

    assert 'value="Cooperativa Norandino (PE) · FLO 3021"' in html
    assert f'name="organization_pick" value="{org.pk}"' in html


# --- The JSON endpoint ----------------------------------------------------------------------


@pytest.mark.parametrize("role", StaffRole.values)
def test_every_staff_role_gets_suggestions(client, role):
    org = OrganizationFactory(name="Cooperativa Agraria Cafetalera Pangoa", flo_id="2145")
    OrganizationFactory(name="Cooperativa Norandino")
    client.force_login(staff_user(role))

    response = client.get(PICK, {"q": "cafe pangoa"})

    assert response.status_code == 200
    assert response.json() == {
        "results": [{"id": org.pk, "label": "Cooperativa Agraria Cafetalera Pangoa (PE) · FLO 2145"}]
    }


def test_portal_users_and_anonymous_visitors_get_no_suggestions(client, portal_user_factory, organization):
    OrganizationFactory(name="Cooperativa Pangoa")
    assert client.get(PICK, {"q": "pangoa"}).status_code == 302

    client.force_login(portal_user_factory(PortalRole.ADMIN, organization))

    assert client.get(PICK, {"q": "pangoa"}).status_code == 403


def test_suggestions_are_few_and_cost_one_query_whatever_the_registry_size(client, django_assert_max_num_queries):
    for n in range(30):
        OrganizationFactory(name=f"Cooperativa Pangoa {n}")
    client.force_login(staff_user(StaffRole.ADMIN))
    client.get(PICK, {"q": "xx"})  # session and user loaded once

    with django_assert_max_num_queries(4):
        response = client.get(PICK, {"q": "pangoa"})

    assert len(response.json()["results"]) == 10


def test_a_one_letter_query_answers_nothing(client):
    OrganizationFactory(name="Cooperativa Pangoa")
    client.force_login(staff_user(StaffRole.ADMIN))

    assert client.get(PICK, {"q": "p"}).json() == {"results": []}


# --- Networks use the same picker -----------------------------------------------------------


def test_a_network_member_is_added_by_name(client):
    from networks.models import Network, NetworkMembership

    network = Network.objects.create(kind=Network.Kind.PRODUCT, name="Red de Café", product_network="coffee")
    org = OrganizationFactory(name="Cooperativa Norandino")
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(
        reverse("networks:network_membership_add", args=[network.pk]),
        {"organization": "norandino", "since": "2024-01-01", "reason": "Joined"},
    )

    assert response.status_code == 302
    assert NetworkMembership.objects.filter(network=network, organization=org).exists()
