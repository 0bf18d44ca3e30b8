"""The providers: settings choose them; Twilio sends SMS and WhatsApp (with the "whatsapp:"
prefix) to mobile numbers only, and its refusals are results or retries; SMTP refusals too."""

import smtplib

import pytest
from django.core.exceptions import ImproperlyConfigured
from twilio.base.exceptions import TwilioRestException

from communications.providers import Outgoing, ProviderUnavailable, provider_for
from communications.providers.email import EmailProvider
from communications.providers.phone import ConsolePhoneProvider, TwilioProvider, is_mobile

MOBILE = "+51987654321"
LANDLINE = "+5114441234"


class FakeMessages:
    def __init__(self, fail: TwilioRestException | None = None) -> None:
        self.sent: list[dict] = []
        self.fail = fail

    def create(self, **fields):  # type: ignore[no-untyped-def]
        if self.fail is not None:
            raise self.fail
        self.sent.append(fields)
        return type("Sent", (), {"sid": f"SM{len(self.sent)}"})()


class FakeClient:
    def __init__(self, fail: TwilioRestException | None = None) -> None:
        self.messages = FakeMessages(fail)


def outgoing(address: str = MOBILE, key: int = 1) -> Outgoing:
    return Outgoing(key=key, address=address, language="es", subject="", text="La asamblea es el lunes.")


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_SMS_FROM = "+15005550006"
    settings.TWILIO_WHATSAPP_FROM = "+14155238886"
    settings.SITE_URL = "https://red.clac.example.org"


def test_settings_choose_the_providers(settings):
    settings.OUTBOX_SMS_PROVIDER = "console"
    settings.OUTBOX_WHATSAPP_PROVIDER = "twilio"

    assert isinstance(provider_for("email"), EmailProvider)
    assert isinstance(provider_for("sms"), ConsolePhoneProvider)
    assert isinstance(provider_for("whatsapp"), TwilioProvider)
    settings.OUTBOX_SMS_PROVIDER = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        provider_for("sms")


def test_only_valid_mobile_numbers_count_as_mobile():
    assert is_mobile(MOBILE)
    assert not is_mobile(LANDLINE)
    assert not is_mobile("+51 98")
    assert not is_mobile("not a number")


def test_twilio_sends_sms_and_whatsapp_with_the_prefix_and_a_status_callback(twilio_settings):
    sms_client, whatsapp_client = FakeClient(), FakeClient()

    sms = list(TwilioProvider(channel="sms", client=sms_client).send_batch([outgoing()]))
    whatsapp = list(TwilioProvider(channel="whatsapp", client=whatsapp_client).send_batch([outgoing()]))

    assert sms[0].ok and sms[0].provider_id == "SM1"
    assert sms_client.messages.sent[0]["to"] == MOBILE
    assert sms_client.messages.sent[0]["from_"] == "+15005550006"
    assert whatsapp_client.messages.sent[0]["to"] == f"whatsapp:{MOBILE}"
    assert whatsapp_client.messages.sent[0]["from_"] == "whatsapp:+14155238886"
    assert whatsapp[0].ok
    callback = sms_client.messages.sent[0]["status_callback"]
    assert callback == "https://red.clac.example.org/c/webhooks/twilio/status/"


def test_twilio_is_not_asked_to_send_to_a_landline(twilio_settings):
    client = FakeClient()

    (result,) = TwilioProvider(channel="sms", client=client).send_batch([outgoing(LANDLINE)])

    assert (result.ok, result.skip_reason) == (False, "not_mobile")
    assert client.messages.sent == []


def test_a_number_twilio_refuses_for_good_is_a_result_and_an_outage_a_retry(twilio_settings):
    refused = TwilioRestException(400, "uri", msg="Invalid 'To' Phone Number", code=21211)
    (result,) = TwilioProvider(channel="sms", client=FakeClient(refused)).send_batch([outgoing()])
    assert not result.ok
    assert "21211" in result.error

    outage = TwilioRestException(503, "uri", msg="Service unavailable", code=20503)
    with pytest.raises(ProviderUnavailable):
        list(TwilioProvider(channel="sms", client=FakeClient(outage)).send_batch([outgoing()]))


def test_smtp_refusals_are_results_and_temporary_errors_are_retries(monkeypatch):
    provider = EmailProvider()

    class Connection:
        def __init__(self, error: Exception) -> None:
            self.error = error

        def send_messages(self, messages):  # type: ignore[no-untyped-def]
            raise self.error

    email = Outgoing(key=3, address="ana@coop.example.org", language="es", subject="s", text="t")
    refused = provider._send_one(
        Connection(smtplib.SMTPRecipientsRefused({"ana@coop.example.org": (550, b"no")})), email
    )
    assert not refused.ok and refused.key == 3
    permanent = provider._send_one(Connection(smtplib.SMTPDataError(554, b"rejected")), email)
    assert not permanent.ok and permanent.error.startswith("554")
    with pytest.raises(ProviderUnavailable):
        provider._send_one(Connection(smtplib.SMTPDataError(451, b"try later")), email)
    with pytest.raises(ProviderUnavailable):
        provider._send_one(Connection(smtplib.SMTPServerDisconnected("gone")), email)


def test_an_smtp_server_that_cannot_be_reached_is_a_retry(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }

    with pytest.raises(ProviderUnavailable):
        list(EmailProvider().send_batch([Outgoing(key=1, address="a@b.org", language="es", subject="s", text="t")]))
