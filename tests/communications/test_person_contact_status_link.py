"""The registry's person page links to the person's contact status in communications (the
registry does not import communications: the link is communications' plugin's RecordLink),
shown to the roles that may open that page — administrators and the communications team —
and to no one else."""

import pytest
from django.urls import reverse

from clac.roles import StaffRole
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

ALLOWED = [StaffRole.ADMIN, StaffRole.COMMUNICATIONS]
REFUSED = [StaffRole.FINANCE, StaffRole.COORDINATOR, StaffRole.ME_OFFICER, StaffRole.VIEWER]


@pytest.fixture
def person():
    return PersonFactory(first_name="Rosa", last_name="Quispe")


def _person_page(client, role, person) -> str:
    client.force_login(UserFactory(username=f"pl-{role}", roles=[role], language="en"))
    response = client.get(reverse("members:person_detail", args=[person.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", ALLOWED)
def test_communications_staff_see_the_link_and_it_opens(client, role, person):
    status_url = reverse("communications:person_contact_status", args=[person.pk])
    page = _person_page(client, role, person)
    assert f'href="{status_url}"' in page
    assert ">Contact status</a>" in page
    assert client.get(status_url).status_code == 200


@pytest.mark.parametrize("role", REFUSED)
def test_other_staff_roles_do_not_see_the_link_they_could_not_open(client, role, person):
    status_url = reverse("communications:person_contact_status", args=[person.pk])
    page = _person_page(client, role, person)
    assert status_url not in page
    assert "Contact status" not in page
    assert client.get(status_url).status_code == 403


def test_the_link_costs_the_person_page_no_query(client, person):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("members:person_detail", args=[person.pk])
    client.force_login(UserFactory(username="pl-finance", roles=[StaffRole.FINANCE], language="en"))
    with CaptureQueriesContext(connection) as without_link:
        client.get(url)
    client.force_login(UserFactory(username="pl-comms", roles=[StaffRole.COMMUNICATIONS], language="en"))
    with CaptureQueriesContext(connection) as with_link:
        client.get(url)
    assert len(with_link) == len(without_link)
