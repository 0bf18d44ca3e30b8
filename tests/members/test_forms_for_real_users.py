"""Forms for real users (issue #12, item 8): the parent union list after an error, decimal
commas and local phone numbers in the portal, re-admitting a withdrawn member."""

import datetime
import re

import pytest
from django.urls import reverse

from clac.roles import StaffRole
from members.models import Membership, MembershipEvent, Organization
from tests.factories import CertificationFactory, MembershipFactory, OrganizationFactory, country, staff_user

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


# --- 8e: a withdrawn member can be re-admitted -----------------------------------------------


def test_a_withdrawn_member_applies_again_and_is_readmitted_with_its_history_kept(client, organization):

    CertificationFactory(organization=organization)
    MembershipFactory(
        organization=organization,
        status=Membership.Status.WITHDRAWN,
        joined_on=datetime.date(2015, 3, 1),
        status_changed_on=datetime.date(2021, 6, 1),
    )
    client.force_login(staff_user(StaffRole.ADMIN))
    url = reverse("members:membership_transition", args=[organization.pk])

    page = client.get(url)
    assert b'value="applicant"' in page.content

    response = client.post(url, {"to_status": "applicant", "occurred_on": "2025-02-01", "reason": "New application"})
    assert response.status_code == 302
    response = client.post(url, {"to_status": "active", "occurred_on": "2025-04-01", "reason": "Board approval"})
    assert response.status_code == 302

    membership = Membership.objects.get(organization=organization)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.joined_on == datetime.date(2025, 4, 1)
    events = list(MembershipEvent.objects.filter(membership=membership).order_by("occurred_on"))
    assert [(e.from_status, e.to_status) for e in events] == [("withdrawn", "applicant"), ("applicant", "active")]
    # The earlier membership stays in the record's history.
    assert membership.history.filter(joined_on=datetime.date(2015, 3, 1)).exists()


def test_an_expelled_member_cannot_apply_again(client, organization):

    MembershipFactory(organization=organization, status=Membership.Status.EXPELLED)
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(
        reverse("members:membership_transition", args=[organization.pk]),
        {"to_status": "applicant", "occurred_on": "2025-02-01", "reason": "New application"},
    )

    assert response.status_code == 200
    assert "cannot go from" in str(response.context["form"].errors["to_status"])
    assert Membership.objects.get(organization=organization).status == Membership.Status.EXPELLED
    assert not MembershipEvent.objects.exists()
