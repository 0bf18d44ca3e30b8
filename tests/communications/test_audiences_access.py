"""Who may use the audience, partner contact and suppression pages: communications staff and
administrators; every other staff role, portal users and anonymous visitors are refused. The
viewer role is refused too: the previews name people and say why they cannot be contacted."""

import pytest
from django.urls import reverse
from django.utils import timezone

from clac.roles import StaffRole
from communications.models import Audience, PartnerContact, Suppression
from members.models import Consent
from tests.factories import (
    AffiliationFactory,
    ExternalPartnerFactory,
    PersonFactory,
    PortalAccessFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db

ALLOWED = [StaffRole.COMMUNICATIONS, StaffRole.ADMIN]
REFUSED = [StaffRole.VIEWER, StaffRole.FINANCE, StaffRole.COORDINATOR, StaffRole.ME_OFFICER]


@pytest.fixture
def records():
    audience = Audience.objects.create(name="Managers")
    person = AffiliationFactory().person
    partner = ExternalPartnerFactory(name="Fairtrade Ibérica")
    contact = PartnerContact.objects.create(partner=partner, name="Lucía", email="lucia@example.org")
    suppression = Suppression.objects.create(channel="email", address="x@example.org", reason="manual")
    return {"audience": audience, "person": person, "contact": contact, "suppression": suppression, "partner": partner}


def _urls(records) -> list[str]:
    a, p, c, s = records["audience"].pk, records["person"].pk, records["contact"].pk, records["suppression"].pk
    return [
        reverse("communications:audience_list"),
        reverse("communications:audience_create"),
        reverse("communications:audience_detail", args=[a]),
        reverse("communications:audience_detail", args=[a]) + "?channel=sms",
        reverse("communications:audience_edit", args=[a]),
        reverse("communications:audience_people", args=[a]) + "?reason=no_consent",
        reverse("communications:person_contact_status", args=[p]),
        reverse("communications:suppression_list"),
        reverse("communications:suppression_remove", args=[s]),
        reverse("communications:partner_contact_list"),
        reverse("communications:partner_contact_create"),
        reverse("communications:partner_contact_edit", args=[c]),
    ]


@pytest.mark.parametrize("role", ALLOWED)
def test_communications_staff_and_administrators_open_every_page(client, records, role):
    client.force_login(staff_user(role))
    for url in _urls(records):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", REFUSED)
def test_other_staff_roles_are_refused_and_change_nothing(client, records, role):
    client.force_login(staff_user(role))
    for url in _urls(records):
        assert client.get(url).status_code == 403, url
        assert (
            client.post(url, {"name": "x", "reason": "x", "channel": "email", "address": "a@b.org"}).status_code == 403
        )
    assert Suppression.objects.count() == 1
    assert Audience.objects.count() == 1


def test_portal_users_are_refused(client, records):
    client.force_login(PortalAccessFactory().user)
    for url in _urls(records):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client, records):
    for url in _urls(records):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_the_preview_shows_counts_by_reason_and_a_sample(client):
    person = AffiliationFactory(person=PersonFactory(first_name="Rosa", last_name="Quispe")).person
    Consent.objects.create(person=person, channel="email", granted=True, given_at=timezone.now(), method="verbal")
    AffiliationFactory()
    audience = Audience.objects.create(name="All")
    client.force_login(staff_user(StaffRole.COMMUNICATIONS))

    response = client.get(reverse("communications:audience_detail", args=[audience.pk]))

    assert response.context["preview"] == {"total": 2, "sendable": 1, "skipped": {"no_consent": 1}}
    assert "Rosa Quispe" in response.content.decode()
    people = client.get(reverse("communications:audience_people", args=[audience.pk]) + "?reason=no_consent")
    assert people.context["page_obj"].paginator.count == 1


def test_creating_an_audience_through_the_page_saves_its_rules(client):
    client.force_login(staff_user(StaffRole.COMMUNICATIONS))

    response = client.post(
        reverse("communications:audience_create"),
        {"name": "Managers in Peru", "scope": "internal", "affiliation_roles": ["manager"], "countries": ["PE"]},
    )

    audience = Audience.objects.get()
    assert response.status_code == 302
    assert audience.affiliation_roles == ["manager"]
    assert [c.pk for c in audience.countries.all()] == ["PE"]
    assert audience.history.count() >= 1


def test_an_external_audience_with_member_rules_is_refused_with_the_fields_named(client):
    client.force_login(staff_user(StaffRole.COMMUNICATIONS))

    response = client.post(
        reverse("communications:audience_create"),
        {"name": "NFOs", "scope": "external", "partner_kinds": ["nfo"], "affiliation_roles": ["manager"]},
    )

    assert response.status_code == 200
    assert "affiliation_roles" in response.context["form"].errors
    assert not Audience.objects.exists()


def test_staff_block_and_unblock_an_address_from_the_list(client):
    client.force_login(staff_user(StaffRole.COMMUNICATIONS))

    client.post(
        reverse("communications:suppression_list"),
        {"channel": "email", "address": "Spam@Example.org", "detail": "asked by phone"},
    )
    row = Suppression.objects.get()
    assert (row.address, row.reason) == ("spam@example.org", "manual")
    refused = client.post(reverse("communications:suppression_remove", args=[row.pk]), {"reason": ""})
    assert refused.status_code == 200 and Suppression.objects.exists()
    client.post(reverse("communications:suppression_remove", args=[row.pk]), {"reason": "owner asked again"})
    assert not Suppression.objects.exists()


def test_a_partner_contact_with_consent_needs_to_say_how(client, records):
    client.force_login(staff_user(StaffRole.COMMUNICATIONS))
    url = reverse("communications:partner_contact_create")
    data = {
        "partner": records["partner"].pk,
        "name": "Jana",
        "email": "jana@fairtrade.de",
        "preferred_language": "en",
        "email_consent_at": "2026-03-03T10:00",
    }

    refused = client.post(url, data)
    assert "consent_method" in refused.context["form"].errors
    assert PartnerContact.objects.count() == 1

    client.post(url, {**data, "consent_method": "signed form at the NFO assembly"})
    contact = PartnerContact.objects.get(name="Jana")
    assert contact.email_consent_at is not None
    assert contact.partner == records["partner"]
