"""The signed unsubscribe link: the headers of RFC 8058, the page in the message's language
without signing in, the one-click POST without a CSRF token, idempotence, and tampered tokens
refused with nothing changed."""

import pytest
from django.test import Client
from django.utils import timezone

from communications.models import Audience, Campaign, Message, PartnerContact, Suppression
from communications.unsubscribe import list_unsubscribe_headers, unsubscribe_token, unsubscribe_url
from members.models import Consent
from tests.factories import ExternalPartnerFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    audience = Audience.objects.create(name="Everyone")
    return Campaign.objects.create(name="Coffee prices 2026", purpose="trade", audience=audience)


@pytest.fixture
def person():
    person = PersonFactory(email="rosa@coop.example.org")
    Consent.objects.create(person=person, channel="email", granted=True, given_at=timezone.now(), method="paper")
    return person


@pytest.fixture
def message(campaign, person):
    return Message.objects.create(
        campaign=campaign, person=person, channel="email", address="rosa@coop.example.org", language="pt-br"
    )


def _path(message) -> str:
    return unsubscribe_url(message=message).removeprefix("http://127.0.0.1:8000")


def test_the_headers_carry_the_absolute_link_and_the_one_click_post(settings, message):
    settings.SITE_URL = "https://red.clac-comerciojusto.org"

    headers = list_unsubscribe_headers(message=message)

    assert headers["List-Unsubscribe"].startswith("<https://red.clac-comerciojusto.org/unsubscribe/")
    assert headers["List-Unsubscribe"].endswith(">")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_page_asks_in_the_messages_language_without_signing_in(client, message):
    response = client.get(_path(message))

    assert response.status_code == 200
    assert response.context["done"] is False
    assert 'lang="pt-br"' in response.content.decode()
    assert not Suppression.objects.exists()


def test_a_one_click_post_without_csrf_token_unsubscribes_the_address_and_withdraws_consent(message, person):
    client = Client(enforce_csrf_checks=True)

    response = client.post(_path(message), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    suppression = Suppression.objects.get()
    assert (suppression.channel, suppression.address, suppression.reason) == (
        "email",
        "rosa@coop.example.org",
        "unsubscribed",
    )
    assert suppression.message_id == message.pk
    message.refresh_from_db()
    assert message.unsubscribed_at is not None
    consent = Consent.objects.get(person=person, channel="email")
    assert consent.granted is False
    assert consent.history.count() == 2  # the "yes" stays in the history


def test_posting_twice_changes_nothing_more(client, message):
    client.post(_path(message))
    message.refresh_from_db()
    first = message.unsubscribed_at

    response = client.post(_path(message))

    assert response.status_code == 200
    assert Suppression.objects.count() == 1
    message.refresh_from_db()
    assert message.unsubscribed_at == first
    assert client.get(_path(message)).context["already"] is True


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature altered
        lambda token: str(int(token.split(":")[0]) + 1) + ":" + token.split(":")[1],  # another message
        lambda token: "garbage",
    ],
)
def test_a_tampered_token_is_refused_and_changes_nothing(client, message, campaign, tamper):
    Message.objects.create(campaign=campaign, person=PersonFactory(), channel="email", address="x@y.org", language="es")
    token = tamper(unsubscribe_token(message_id=message.pk))

    assert client.get(f"/unsubscribe/{token}/").status_code == 404
    assert client.post(f"/unsubscribe/{token}/").status_code == 404
    assert not Suppression.objects.exists()
    assert Consent.objects.get(channel="email").granted is True


def test_a_token_signed_with_another_salt_is_refused(client, message):
    from django.core import signing

    token = signing.Signer().sign(str(message.pk))

    assert client.post(f"/unsubscribe/{token}/").status_code == 404
    assert not Suppression.objects.exists()


def test_a_partner_contact_unsubscribing_loses_the_consent_date(client, campaign):
    contact = PartnerContact.objects.create(
        partner=ExternalPartnerFactory(), name="Jana", email="jana@fairtrade.de", email_consent_at=timezone.now()
    )
    message = Message.objects.create(
        campaign=campaign, partner_contact=contact, channel="email", address="jana@fairtrade.de", language="en"
    )

    client.post(_path(message))

    contact.refresh_from_db()
    assert contact.email_consent_at is None
    assert Suppression.objects.filter(address="jana@fairtrade.de", reason="unsubscribed").exists()
