"""The public contact form: anyone may send it, in four languages; it becomes an inquiry whose
sender gets exactly one acknowledgement in their language; and its spam defences (honeypot,
minimum fill time and form age by a signed timestamp, rate limits per address and per
e-mail, maximum message length) refuse robots and floods without losing what a person typed."""

import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from clac.models import SecurityEvent
from communications.models import Inquiry, InquiryMessage
from communications.services import inquiry_acknowledge
from communications.services.inquiries import CONSENT_VERSION, contact_form_token
from tests.communications.inquiries_helpers import contact_post, counts

pytestmark = pytest.mark.django_db
URL = "/contact/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_contact_page_is_at_contact_and_open_to_anonymous_visitors(client):
    assert reverse("contact:form") == URL
    response = client.get(URL)
    assert response.status_code == 200
    assert 'name="website"' in response.content.decode()  # the honeypot
    assert response.context["form"].initial["language"] == "es"  # the site's default


@pytest.mark.parametrize(
    ("language", "heading"),
    [("es", "Contactar a la CLAC"), ("pt-br", "Fale com a CLAC"), ("fr", "Contacter la CLAC"), ("en", "Contact CLAC")],
)
def test_the_contact_page_speaks_the_chosen_language_and_answers_in_it_by_default(client, language, heading):
    client.post(reverse("language_switch"), {"language": language, "next": URL})
    response = client.get(URL)
    assert response.context["form"].initial["language"] == language
    assert heading in response.content.decode()


def test_a_sent_form_becomes_a_new_inquiry_and_the_sender_sees_the_thanks_page(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, contact_post())
    assert response.status_code == 302
    assert response["Location"] == reverse("contact:thanks")
    inquiry = Inquiry.objects.get()
    assert (inquiry.status, inquiry.category, inquiry.language) == ("new", "certification", "pt-br")
    assert (inquiry.name, inquiry.email, inquiry.country.code) == ("Ana Souza", "ana.souza@example.org", "BR")
    assert inquiry.consent_version == CONSENT_VERSION and inquiry.consent_given_at is not None
    original = InquiryMessage.objects.get(inquiry=inquiry)
    assert (original.kind, original.body) == ("incoming", "Queremos saber cómo certificarnos.")
    assert client.get(response["Location"]).status_code == 200


def test_the_sender_gets_one_acknowledgement_in_their_language(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, contact_post(language="pt-br"))
    inquiry = Inquiry.objects.get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana.souza@example.org"]
    assert "Recebemos sua mensagem" in message.subject
    assert str(inquiry.pk) in message.subject
    assert "Olá Ana Souza" in message.body
    inquiry.refresh_from_db()
    assert inquiry.acknowledged_at is not None


def test_an_acknowledgement_task_delivered_twice_sends_one_email(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, contact_post(language="fr"))
    inquiry = Inquiry.objects.get()
    assert inquiry_acknowledge(inquiry_id=inquiry.pk) is False
    assert len(mail.outbox) == 1
    assert "Nous avons reçu votre message" in mail.outbox[0].subject


def test_a_failed_acknowledgement_says_why_and_a_retry_sends_exactly_one(client, monkeypatch):
    client.post(URL, contact_post(language="en"))
    inquiry = Inquiry.objects.get()

    def refuse(**kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr("communications.services.inquiries._send", refuse)
    with pytest.raises(OSError):
        inquiry_acknowledge(inquiry_id=inquiry.pk)
    inquiry.refresh_from_db()
    assert inquiry.acknowledged_at is None
    assert inquiry.acknowledgement_error == "Connection refused"
    monkeypatch.undo()
    assert inquiry_acknowledge(inquiry_id=inquiry.pk) is True
    assert inquiry_acknowledge(inquiry_id=inquiry.pk) is False
    assert len(mail.outbox) == 1


def test_a_transaction_rolled_back_sends_no_acknowledgement(django_capture_on_commit_callbacks):
    from django.db import transaction

    from tests.communications.inquiries_helpers import make_inquiry

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                make_inquiry()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []
    assert Inquiry.objects.count() == 0


# --- Spam defences --------------------------------------------------------------------------


def test_a_filled_honeypot_looks_accepted_but_stores_nothing_and_is_logged_once(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, contact_post(website="http://cheap-pills.example"))
        second = client.post(URL, contact_post(website="http://cheap-pills.example"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("contact:thanks")
    assert counts() == (0, 0)
    assert mail.outbox == []
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.THROTTLED)
    assert [event.detail for event in events] == ["contact form: honeypot filled"]


def test_a_form_sent_faster_than_a_person_can_is_refused_and_keeps_what_was_typed(client):
    response = client.post(URL, contact_post(form_token=contact_form_token()))
    assert response.status_code == 400
    assert counts() == (0, 0)
    page = response.content.decode()
    assert "Queremos saber cómo certificarnos." in page
    assert "That was very quick" in page or "muy rápido" in page
    # The page carries a fresh timestamp: sent again a little later, it goes through.
    assert response.context["form"].data["form_token"] != contact_post()["form_token"]


def test_a_forged_or_missing_timestamp_is_refused(client):
    assert client.post(URL, contact_post(form_token="forged:value")).status_code == 400
    assert client.post(URL, contact_post(form_token="")).status_code == 400
    assert counts() == (0, 0)


def test_a_form_left_open_for_days_is_refused(client):
    stale = contact_form_token(issued_at=time.time() - 3 * 24 * 3600)
    response = client.post(URL, contact_post(form_token=stale))
    assert response.status_code == 400
    assert counts() == (0, 0)


def test_one_address_is_rate_limited(client, settings):
    settings.CONTACT_RATE_PER_IP = 2
    for index in range(2):
        assert client.post(URL, contact_post(email=f"person{index}@example.org")).status_code == 302
    refused = client.post(URL, contact_post(email="person9@example.org", name="Tercera"))
    assert refused.status_code == 429
    assert "Tercera" in refused.content.decode()  # what was typed is kept
    assert Inquiry.objects.count() == 2
    assert SecurityEvent.objects.filter(kind="throttled", detail="contact form: rate limit").count() == 1


def test_one_email_is_rate_limited_across_addresses(client, settings):
    settings.CONTACT_RATE_PER_EMAIL = 1
    assert client.post(URL, contact_post(), REMOTE_ADDR="203.0.113.1").status_code == 302
    assert client.post(URL, contact_post(email="ANA.SOUZA@example.org"), REMOTE_ADDR="203.0.113.2").status_code == 429
    assert Inquiry.objects.count() == 1


def test_refused_forms_do_not_count_against_the_rate_limit(client, settings):
    settings.CONTACT_RATE_PER_IP = 1
    assert client.post(URL, contact_post(consent=None)).status_code == 400
    assert client.post(URL, contact_post()).status_code == 302


def test_a_message_longer_than_the_limit_is_refused(client, settings):
    settings.CONTACT_MESSAGE_MAX_LENGTH = 100
    response = client.post(URL, contact_post(message="x" * 101))
    assert response.status_code == 400
    assert response.context["form"].errors["message"]
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("consent", None),
        ("email", "not-an-address"),
        ("email", None),
        ("name", ""),
        ("message", "   "),
        ("category", "lottery"),
        ("language", "de"),
        ("country", "XX"),
        ("phone", "call me maybe"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(client, field, value):
    response = client.post(URL, contact_post(**{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert counts() == (0, 0)
    assert mail.outbox == []
    assert response.context["form"].data["name"] == contact_post(**{field: value}).get("name", "")


def test_errors_are_explained_in_the_pages_language(client):
    client.post(reverse("language_switch"), {"language": "pt-br", "next": URL})
    response = client.post(URL, contact_post(consent=None, email="x"))
    page = response.content.decode()
    with translation.override("pt-br"):
        assert translation.gettext("Enter a valid email address.") in page
    assert "Só podemos responder se você concordar que guardemos seus dados para isso." in page
