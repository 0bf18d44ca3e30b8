"""Partner contacts through the staff API, as on the dashboard's contact form: communications
staff and administrators add a contact and record (or withdraw) the consent given per channel,
each change in the contact's history with who made it; other staff roles, portal users,
partner keys whatever their scopes and anonymous callers are refused and change nothing; bad
input is a 400 with the field's message and changes nothing."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clac.api.scopes import SCOPES
from clac.roles import StaffRole
from communications.models import PartnerContact
from communications.services import api_key_create
from tests.factories import ExternalPartnerFactory, PortalAccessFactory, staff_user

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/communications/partner-contacts/"
ALLOWED = [StaffRole.ADMIN, StaffRole.COMMUNICATIONS]
REFUSED = [StaffRole.FINANCE, StaffRole.COORDINATOR, StaffRole.ME_OFFICER, StaffRole.VIEWER]


@pytest.fixture
def partner():
    return ExternalPartnerFactory(name="Fairtrade Deutschland")


@pytest.fixture
def contact(partner):
    return PartnerContact.objects.create(partner=partner, name="Jana", email="jana@fairtrade.de")


def _client(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def _snapshot() -> list[tuple]:
    return list(
        PartnerContact.objects.order_by("pk").values_list(
            "pk", "name", "email", "email_consent_at", "sms_consent_at", "consent_method"
        )
    )


def _history_count() -> int:
    return PartnerContact.history.count()


@pytest.mark.parametrize("role", ALLOWED)
def test_a_manager_adds_a_contact_with_the_consent_given(partner, role):
    user = staff_user(role)
    given = timezone.now() - datetime.timedelta(days=3)
    response = _client(user).post(
        CONTACTS,
        {
            "partner": partner.pk,
            "name": "Lukas Weber",
            "email": "Lukas@Fairtrade.de",
            "preferred_language": "es",
            "email_consent_at": given.isoformat(),
            "consent_method": "Signed form at the NFO assembly",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    contact = PartnerContact.objects.get(pk=response.json()["id"])
    assert (contact.partner, contact.name, contact.email, contact.preferred_language) == (
        partner,
        "Lukas Weber",
        "lukas@fairtrade.de",
        "es",
    )
    assert contact.email_consent_at == given and contact.sms_consent_at is None
    assert contact.history.get().history_user == user
    assert response.json()["email_consent_at"] is not None


@pytest.mark.parametrize("role", ALLOWED)
def test_a_manager_records_then_withdraws_a_contacts_consent(contact, role):
    user = staff_user(role)
    client = _client(user)
    given = timezone.now() - datetime.timedelta(hours=1)
    response = client.patch(
        f"{CONTACTS}{contact.pk}/",
        {"sms_consent_at": given.isoformat(), "consent_method": "E-mail of 3 March"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    contact.refresh_from_db()
    assert (contact.sms_consent_at, contact.consent_method, contact.name) == (given, "E-mail of 3 March", "Jana")
    assert contact.history.latest().history_user == user

    response = client.patch(f"{CONTACTS}{contact.pk}/", {"sms_consent_at": None}, format="json")
    assert response.status_code == 200
    assert response.json()["sms_consent_at"] is None
    contact.refresh_from_db()
    assert contact.sms_consent_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email_consent_at": "2020-01-01T10:00:00Z"}, "consent_method"),  # a date, but not how
        ({"email_consent_at": "2999-01-01T10:00:00Z", "consent_method": "form"}, "email_consent_at"),
        ({"phone": "0987"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"name": ""}, "name"),
        ({"preferred_language": "de"}, "preferred_language"),
        ({"whatsapp_consent_at": "yesterday"}, "whatsapp_consent_at"),
    ],
    ids=["date-without-method", "future-date", "phone", "email", "name", "language", "bad-date"],
)
def test_a_bad_change_is_refused_with_the_fields_message_and_nothing_changes(contact, body, field):
    before, history = _snapshot(), _history_count()
    response = _client(staff_user(StaffRole.COMMUNICATIONS)).patch(f"{CONTACTS}{contact.pk}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"], response.json()
    assert (_snapshot(), _history_count()) == (before, history)


def test_a_contact_needs_a_known_partner_and_a_name(partner):
    client = _client(staff_user(StaffRole.COMMUNICATIONS))
    response = client.post(CONTACTS, {"partner": 987654, "name": "X"}, format="json")
    assert response.status_code == 400
    assert "partner" in response.json()["error"]["details"]
    response = client.post(CONTACTS, {"partner": partner.pk}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["error"]["details"]
    assert PartnerContact.objects.count() == 0


@pytest.mark.parametrize("who", [*REFUSED, "portal", "partner_key", "anonymous"])
def test_everyone_else_is_refused_and_nothing_changes(partner, contact, who):
    if who == "portal":
        client = _client(PortalAccessFactory().user)
    elif who == "partner_key":
        _key, raw = api_key_create(partner=ExternalPartnerFactory(name="FI"), name="all", scopes=list(SCOPES))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    elif who == "anonymous":
        client = _client()
    else:
        client = _client(staff_user(who))
    before, history = _snapshot(), _history_count()
    created = client.post(CONTACTS, {"partner": partner.pk, "name": "Intruder"}, format="json")
    changed = client.patch(
        f"{CONTACTS}{contact.pk}/", {"email_consent_at": None, "consent_method": "forged"}, format="json"
    )
    assert {created.status_code, changed.status_code} <= {401, 403}
    assert (_snapshot(), _history_count()) == (before, history)


def test_a_contact_cannot_be_replaced_or_deleted(contact):
    client = _client(staff_user(StaffRole.ADMIN))
    assert client.put(f"{CONTACTS}{contact.pk}/", {"name": "X"}, format="json").status_code == 405
    assert client.delete(f"{CONTACTS}{contact.pk}/").status_code == 405
    assert PartnerContact.objects.filter(pk=contact.pk, name="Jana").exists()
