"""The audiences and partner contacts API: communications staff and administrators read;
other staff roles, portal users, partner keys (whatever their scopes) and anonymous callers
are refused. The audience detail carries its live preview counts."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clac.api.scopes import SCOPES
from clac.roles import StaffRole
from communications.models import Audience, PartnerContact
from communications.services import api_key_create
from members.models import Consent
from tests.factories import AffiliationFactory, ExternalPartnerFactory, PortalAccessFactory, staff_user

pytestmark = pytest.mark.django_db

AUDIENCES = "/api/v1/communications/audiences/"
CONTACTS = "/api/v1/communications/partner-contacts/"


@pytest.fixture
def records():
    audience = Audience.objects.create(name="Everyone")
    person = AffiliationFactory().person
    Consent.objects.create(person=person, channel="email", granted=True, given_at=timezone.now(), method="paper")
    AffiliationFactory()
    contact = PartnerContact.objects.create(partner=ExternalPartnerFactory(), name="Jana", email="jana@fairtrade.de")
    return {"audience": audience, "contact": contact}


def _urls(records):
    return [AUDIENCES, f"{AUDIENCES}{records['audience'].pk}/", CONTACTS, f"{CONTACTS}{records['contact'].pk}/"]


def staff_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("role", [StaffRole.COMMUNICATIONS, StaffRole.ADMIN])
def test_communications_staff_read_audiences_with_preview_and_partner_contacts(records, role):
    client = staff_client(staff_user(role))

    for url in _urls(records):
        assert client.get(url).status_code == 200, url
    detail = client.get(f"{AUDIENCES}{records['audience'].pk}/").json()
    assert detail["preview"]["email"] == {"total": 2, "sendable": 1, "skipped": {"no_consent": 1}}
    assert client.get(CONTACTS).json()["results"][0]["email"] == "jana@fairtrade.de"


@pytest.mark.parametrize("role", [StaffRole.VIEWER, StaffRole.FINANCE, StaffRole.COORDINATOR, StaffRole.ME_OFFICER])
def test_other_staff_roles_are_refused(records, role):
    client = staff_client(staff_user(role))
    for url in _urls(records):
        assert client.get(url).status_code == 403, url


def test_partner_keys_are_refused_whatever_their_scopes(records):
    _key, raw = api_key_create(partner=ExternalPartnerFactory(name="FI"), name="all", scopes=list(SCOPES))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    for url in _urls(records):
        assert client.get(url).status_code == 403, url


def test_portal_users_and_anonymous_callers_are_refused(records):
    portal = staff_client(PortalAccessFactory().user)
    for url in _urls(records):
        assert portal.get(url).status_code == 403, url
        assert APIClient().get(url).status_code in (401, 403), url


def test_audiences_cannot_be_written(records):
    client = staff_client(staff_user(StaffRole.COMMUNICATIONS))
    assert client.post(AUDIENCES, {"name": "x"}).status_code in (403, 405)
    assert Audience.objects.count() == 1


def test_the_audience_list_costs_the_same_queries_for_3_or_30_audiences(django_assert_max_num_queries):
    client = staff_client(staff_user(StaffRole.COMMUNICATIONS))
    for n in range(3):
        Audience.objects.create(name=f"a{n}")
    client.get(AUDIENCES)
    for n in range(3, 30):
        Audience.objects.create(name=f"a{n}")
    with django_assert_max_num_queries(8):
        assert len(client.get(AUDIENCES).json()["results"]) == 30
