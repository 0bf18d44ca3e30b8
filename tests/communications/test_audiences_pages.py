"""The audience pages cost a constant number of queries: lists whatever their length, and the
preview and its people whatever the audience's size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clac.roles import StaffRole
from communications.models import Audience, PartnerContact, Suppression
from members.models import Consent
from tests.factories import AffiliationFactory, ExternalPartnerFactory, staff_user

pytestmark = pytest.mark.django_db


def _grow(n: int, start: int) -> None:
    partner = ExternalPartnerFactory(name="Fairtrade Nederland")
    for i in range(start, start + n):
        Audience.objects.create(name=f"Audience {i}")
        Suppression.objects.create(channel="email", address=f"x{i}@example.org", reason="manual")
        PartnerContact.objects.create(partner=partner, name=f"Contact {i}", email=f"c{i}@fairtrade.nl")
        person = AffiliationFactory().person
        Consent.objects.create(
            person=person, channel="email", granted=i % 2 == 0, given_at=timezone.now(), method="form"
        )


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_every_list_and_preview_costs_the_same_queries_for_3_or_40_rows(client):
    client.force_login(staff_user(StaffRole.COMMUNICATIONS))
    everyone = Audience.objects.create(name="Everyone")
    _grow(3, 0)
    urls = [
        reverse("communications:audience_list"),
        reverse("communications:suppression_list"),
        reverse("communications:partner_contact_list"),
        reverse("communications:audience_detail", args=[everyone.pk]),
        reverse("communications:audience_people", args=[everyone.pk]),
        reverse("communications:audience_people", args=[everyone.pk]) + "?reason=consent_withdrawn",
    ]
    small = {url: _count(client, url) for url in urls}

    _grow(37, 3)

    assert {url: _count(client, url) for url in urls} == small
    assert max(small.values()) <= 12


def test_the_audience_history_names_the_countries_and_products_its_rules_gained_and_lost(client):
    from communications.services.audiences import audience_create, audience_update
    from members.models import Country, Product

    admin = staff_user(StaffRole.ADMIN)
    peru, bolivia = Country.objects.get(code="PE"), Country.objects.get(code="BO")
    coffee = Product.objects.order_by("code").first()
    audience = audience_create(actor=admin, name="Cafetaleros", countries=[peru], products=[coffee])
    audience_update(actor=admin, audience=audience, countries=[bolivia])

    client.force_login(admin)
    response = client.get(reverse("dashboard:history", kwargs={"model": "audience", "pk": audience.pk}))

    assert response.status_code == 200
    changes = [
        (change.field, change.old, change.new) for entry in response.context["entries"] for change in entry.changes
    ]
    # The many-to-many rules read as names (simple-history records a removal and an addition
    # as two steps), never as rows of the through table.
    assert ("countries", None, str(bolivia)) in changes
    assert ("countries", str(peru), None) in changes
    assert ("products", None, str(coffee)) in changes
    assert "{'" not in response.content.decode()
