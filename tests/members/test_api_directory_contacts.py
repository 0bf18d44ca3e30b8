"""Contacts of member organizations for partners holding the separate people:read scope."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from members.models import Consent, Membership
from tests.factories import AffiliationFactory, PersonFactory
from tests.members.test_api_directory import member, partner_client

pytestmark = pytest.mark.django_db


def url(pk: int) -> str:
    return f"/api/v1/directory/organizations/{pk}/contacts/"


def consent(person, channel: str, granted: bool = True) -> None:
    Consent.objects.create(person=person, channel=channel, granted=granted, given_at=timezone.now(), method="paper")


def test_people_read_shows_current_contacts_with_consented_contact_data_only():
    organization = member()
    manager = AffiliationFactory(organization=organization, role="manager", is_primary=True).person
    officer = AffiliationFactory(organization=organization, role="fairtrade_officer").person
    consent(manager, Consent.Channel.EMAIL)
    consent(manager, Consent.Channel.WHATSAPP)
    consent(officer, Consent.Channel.EMAIL, granted=False)
    AffiliationFactory(organization=organization, role="delegate", end_date=datetime.date(2024, 1, 1))

    response = partner_client(["people:read"]).get(url(organization.pk))

    assert response.status_code == 200, response.content
    rows = response.json()
    assert [row["role"] for row in rows] == ["manager", "fairtrade_officer"]
    assert rows[0] == {
        "name": f"{manager.first_name} {manager.last_name}",
        "role": "manager",
        "is_primary": True,
        "preferred_language": "es",
        "email": manager.email,
        "phone": manager.phone,
    }
    assert rows[1]["email"] is None
    assert rows[1]["phone"] is None


def test_a_directory_key_without_people_read_is_refused_with_the_error_body():
    organization = member()
    AffiliationFactory(organization=organization)

    response = partner_client(["directory:read"]).get(url(organization.pk))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("status", [Membership.Status.APPLICANT, Membership.Status.WITHDRAWN])
def test_organizations_outside_the_directory_have_no_contacts(status):
    organization = member(status=status)
    AffiliationFactory(organization=organization)

    assert partner_client(["people:read"]).get(url(organization.pk)).status_code == 404


def test_anonymous_keyless_and_portal_users_are_refused(portal_editor):
    current_member = member()
    assert partner_client(["stats:read"]).get(url(current_member.pk)).status_code == 403
    assert APIClient().get(url(current_member.pk)).status_code == 401
    client = APIClient()
    client.force_login(portal_editor)
    assert client.get(url(current_member.pk)).status_code == 403


def test_staff_read_contacts_with_their_session(admin_user):
    current_member = member()
    AffiliationFactory(organization=current_member)
    client = APIClient()
    client.force_login(admin_user)
    assert len(client.get(url(current_member.pk)).json()) == 1


def test_contacts_query_count_does_not_grow_with_people(django_assert_max_num_queries):
    organization = member()
    for _ in range(25):
        person = PersonFactory()
        AffiliationFactory(organization=organization, person=person, role="board_member")
        consent(person, Consent.Channel.EMAIL)
    client = partner_client(["people:read"])

    # Key lookup, last-used update, the organization and the contacts.
    with django_assert_max_num_queries(5):
        response = client.get(url(organization.pk))
    assert len(response.json()) == 25
