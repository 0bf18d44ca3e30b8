"""Forms for real users (issue #12, item 8): the parent union list after an error, decimal
commas and local phone numbers in the portal, re-admitting a withdrawn member."""

import re

import pytest
from django.urls import reverse

from clac.roles import StaffRole
from members.models import Organization
from tests.factories import OrganizationFactory, country, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _select_options(html: str, name: str) -> str:
    found = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert found is not None
    return found.group(0)


# --- 8d: the parent union list stays in the organization's country --------------------------


def test_after_an_error_the_parent_union_list_keeps_to_the_organizations_country(client):
    OrganizationFactory(name="Union Peru", kind=Organization.Kind.SPO2, country=country("PE"))
    OrganizationFactory(name="Union Colombia", kind=Organization.Kind.SPO2, country=country("CO"))
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(
        reverse("members:organization_create"), {"kind": "spo", "name": "", "country": "PE", "parent": ""}
    )

    assert response.status_code == 200
    options = _select_options(response.content.decode(), "parent")
    assert "Union Peru" in options
    assert "Union Colombia" not in options


def test_a_union_of_another_country_stays_shown_with_the_mismatch_error(client):
    union_co = OrganizationFactory(name="Union Colombia", kind=Organization.Kind.SPO2, country=country("CO"))
    OrganizationFactory(name="Union Bolivia", kind=Organization.Kind.SPO2, country=country("BO"))
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(
        reverse("members:organization_create"),
        {"kind": "spo", "name": "Coop", "country": "PE", "parent": str(union_co.pk)},
    )

    html = response.content.decode()
    options = _select_options(html, "parent")
    assert re.search(rf'value="{union_co.pk}"[^>]*selected', options)
    assert "Union Bolivia" not in options
    assert "the parent union must be in the same country" in html
