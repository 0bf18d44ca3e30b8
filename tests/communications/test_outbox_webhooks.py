"""Providers' delivery reports: email ESPs through django-anymail's tracking webhooks (basic
auth) and Twilio's status callback (request signature). A hard bounce or a complaint suppresses
the address; an unauthenticated or badly signed request is refused and changes nothing."""

import base64
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from communications.models import Campaign, Message, Suppression
from tests.communications.outbox_support import make_campaign, people

pytestmark = pytest.mark.django_db

SECRET = "esp:webhook-password"
TWILIO_TOKEN = "twilio-auth-token-for-tests"


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.SITE_URL = "https://red.clac.example.org"


def sent_message(*, channel: str = Campaign.Channel.EMAIL, provider_id: str = "<m-1@esp>") -> Message:
    campaign = make_campaign(channel=channel, status=Campaign.Status.SENT)
    (person,) = people(1)
    address = person.email if channel == Campaign.Channel.EMAIL else "+51987654321"
    return Message.objects.create(
        campaign=campaign,
        person=person,
        channel=channel,
        address=address,
        language="es",
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id,
    )


def postmark(client, payload: dict, *, auth: str | None = SECRET):
    headers = {}
    if auth is not None:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return client.post(
        reverse("email_webhooks:postmark_tracking_webhook"),
        data=json.dumps(payload),
        content_type="application/json",
        **headers,
    )


def bounce(message: Message) -> dict:
    return {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": message.provider_id,
        "Email": message.address,
        "BouncedAt": "2026-11-30T16:00:00Z",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    }


def test_a_hard_bounce_reported_by_the_esp_marks_the_message_and_suppresses_the_address(client):
    message = sent_message()

    response = postmark(client, bounce(message))

    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == Message.Status.BOUNCED
    assert message.bounced_at is not None
    suppression = Suppression.objects.get(channel="email", address=message.address)
    assert suppression.reason == Suppression.Reason.HARD_BOUNCE
    assert suppression.message == message


def test_a_complaint_suppresses_the_address(client):
    message = sent_message()

    response = postmark(
        client,
        {
            "RecordType": "SpamComplaint",
            "Type": "SpamComplaint",
            "TypeCode": 512,
            "MessageID": message.provider_id,
            "Email": message.address,
            "BouncedAt": "2026-11-30T16:00:00Z",
        },
    )

    assert response.status_code == 200
    assert Suppression.objects.get(address=message.address).reason == Suppression.Reason.COMPLAINT


def test_a_delivery_report_marks_the_message_delivered_once(client):
    message = sent_message()
    payload = {
        "RecordType": "Delivery",
        "MessageID": message.provider_id,
        "Recipient": message.address,
        "DeliveredAt": "2026-11-30T16:00:00Z",
        "Details": "250 OK",
    }

    assert postmark(client, payload).status_code == 200
    message.refresh_from_db()
    delivered_at = message.delivered_at
    assert message.status == Message.Status.DELIVERED and delivered_at is not None
    assert postmark(client, payload).status_code == 200
    message.refresh_from_db()
    assert message.delivered_at == delivered_at
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("auth", [None, "esp:wrong-password", "someone:" + SECRET])
def test_an_esp_webhook_without_the_right_basic_auth_is_refused_and_changes_nothing(client, auth):
    message = sent_message()

    response = postmark(client, bounce(message), auth=auth)

    assert response.status_code == 401
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert not Suppression.objects.exists()


def test_esp_webhooks_are_refused_while_no_secret_is_configured(client, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ""}
    message = sent_message()

    assert postmark(client, bounce(message), auth=":").status_code == 401
    assert not Suppression.objects.exists()


def twilio(client, params: dict, *, token: str = TWILIO_TOKEN, signature: str | None = None):
    path = reverse("communications_public:twilio_status")
    url = f"https://red.clac.example.org{path}"
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    return client.post(path, data=params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_twilio_delivered_status_marks_the_sms_delivered(client):
    message = sent_message(channel=Campaign.Channel.SMS, provider_id="SM123")

    response = twilio(client, {"MessageSid": "SM123", "MessageStatus": "delivered", "To": message.address})

    assert response.status_code == 204
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


def test_twilio_undelivered_to_an_unknown_number_suppresses_it(client):
    message = sent_message(channel=Campaign.Channel.WHATSAPP, provider_id="SM456")

    response = twilio(client, {"MessageSid": "SM456", "MessageStatus": "undelivered", "ErrorCode": "30005"})

    assert response.status_code == 204
    message.refresh_from_db()
    assert message.status == Message.Status.BOUNCED
    assert Suppression.objects.get(channel="whatsapp", address="+51987654321").reason == Suppression.Reason.HARD_BOUNCE


@pytest.mark.parametrize(
    "tamper",
    ["no signature", "wrong token", "altered body"],
)
def test_a_twilio_callback_badly_signed_is_refused_and_changes_nothing(client, tamper):
    message = sent_message(channel=Campaign.Channel.SMS, provider_id="SM789")
    params = {"MessageSid": "SM789", "MessageStatus": "undelivered", "ErrorCode": "30005"}
    if tamper == "no signature":
        response = twilio(client, params, signature="")
    elif tamper == "wrong token":
        response = twilio(client, params, token="another-token")
    else:
        url = "https://red.clac.example.org" + reverse("communications_public:twilio_status")
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, {**params, "ErrorCode": "30003"})
        response = twilio(client, params, signature=signature)

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert not Suppression.objects.exists()


def test_the_twilio_callback_refuses_everything_without_an_auth_token(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    sent_message(channel=Campaign.Channel.SMS, provider_id="SM1")

    response = twilio(client, {"MessageSid": "SM1", "MessageStatus": "delivered"}, token="anything")

    assert response.status_code == 403
    assert Message.objects.get().status == Message.Status.SENT
