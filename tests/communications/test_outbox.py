"""The outbox without a broker: dispatch turns a due campaign into one message per recipient,
the send batches move each message queued → sent exactly once, cancel stops what has not gone
out, a test send reaches one address, and the provider's failures are recorded or retried."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, F, IntegerField, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from communications.models import Campaign, Message
from communications.providers import ProviderUnavailable, SendResult
from communications.services import outbox
from communications.services.outbox import (
    campaign_dispatch,
    campaign_dispatch_soon,
    campaign_test_send,
    messages_cancel_queued,
    messages_enqueue,
    messages_send_batch,
    outbox_sweep,
)
from communications.unsubscribe import unsubscribe_url
from members.models import Person
from tests.communications.outbox_support import make_campaign, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipients(monkeypatch):
    """The audience's recipients as the audiences selector gives them (same columns): the
    people handed to `use`; a person whose notes say "no consent" is skipped for that reason."""
    chosen: list[int] = []

    def use(persons: list[Person]) -> list[Person]:
        chosen[:] = [person.pk for person in persons]
        return persons

    def rows(campaign):  # type: ignore[no-untyped-def]
        return (
            Person.objects.filter(pk__in=chosen)
            .order_by("pk")
            .values(
                person_id=F("id"),
                partner_contact_id=Value(None, IntegerField()),
                address=Lower("email"),
                language=F("preferred_language"),
                country_code=Value("PE", CharField()),
                skip_reason=Case(
                    When(notes="no consent", then=Value("no_consent")), default=Value(""), output_field=CharField()
                ),
            )
        )

    monkeypatch.setattr(outbox, "_recipients", rows)
    return use


def dispatch_and_send(campaign: Campaign, django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        created = campaign_dispatch(campaign_id=campaign.pk)
    return created


def test_dispatch_creates_one_message_per_recipient_in_their_language_or_the_fallback(
    recipients, django_capture_on_commit_callbacks
):
    persons = recipients(people(8, languages=["es", "en", "pt-br", "fr"]))
    persons[-1].notes = "no consent"
    persons[-1].save()
    campaign = make_campaign(languages=("es", "en"), fallback="en")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = campaign_dispatch(campaign_id=campaign.pk)

    assert created == 8
    assert len(callbacks) == 1  # the send tasks are enqueued once the transaction commits
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert campaign.sending_started_at is not None
    languages = dict(Message.objects.values_list("person_id", "language"))
    assert [languages[p.pk] for p in persons[:4]] == ["es", "en", "en", "en"]
    skipped = Message.objects.get(person=persons[-1])
    assert (skipped.status, skipped.skip_reason) == (Message.Status.SUPPRESSED, "no_consent")
    assert Message.objects.filter(status=Message.Status.QUEUED).count() == 7
    assert set(Message.objects.values_list("country_code", flat=True)) == {"PE"}


def test_dispatched_campaign_is_sent_to_everyone_once_and_finishes(
    recipients, django_capture_on_commit_callbacks, settings
):
    settings.OUTBOX_BATCH_SIZE = 3
    persons = recipients(people(7))
    campaign = make_campaign()

    dispatch_and_send(campaign, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in persons)
    assert Message.objects.filter(status=Message.Status.SENT, sent_at__isnull=False, attempts=1).count() == 7
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert campaign.sent_at is not None
    assert campaign.history.count() >= 3  # scheduled, sending, sent


def test_each_email_is_in_the_recipients_language_with_its_headers(recipients, django_capture_on_commit_callbacks):
    english, french = recipients(people(2, languages=["en", "fr"]))
    campaign = make_campaign(languages=("es", "en", "fr"))

    dispatch_and_send(campaign, django_capture_on_commit_callbacks)

    by_address = {m.to[0]: m for m in mail.outbox}
    sent_en, sent_fr = by_address[english.email], by_address[french.email]
    assert sent_en.subject.startswith("Assembly") and sent_fr.subject.startswith("Assemblée")
    assert "Stop receiving these messages" in sent_en.body
    message = Message.objects.get(person=english)
    assert (
        sent_en.extra_headers["Message-ID"] == f"<campaign-{campaign.pk}.message-{message.pk}@clac-comerciojusto.org>"
    )
    assert message.provider_id == sent_en.extra_headers["Message-ID"]
    assert sent_en.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent_en.extra_headers["Content-Language"] == "en"
    html = sent_en.alternatives[0].content
    assert "<strong>assembly</strong>" in html
    assert unsubscribe_url(message=message) in html
    assert sent_en.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url(message=message)}>"


def test_a_second_dispatch_creates_and_sends_nothing_more(recipients, django_capture_on_commit_callbacks):
    recipients(people(3))
    campaign = make_campaign()
    dispatch_and_send(campaign, django_capture_on_commit_callbacks)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SCHEDULED)

    assert dispatch_and_send(campaign, django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 3
    assert Message.objects.count() == 3


def test_a_campaign_not_yet_due_or_not_scheduled_is_not_dispatched(recipients):
    recipients(people(2))
    future = make_campaign()
    Campaign.objects.filter(pk=future.pk).update(scheduled_at=timezone.now() + timezone.timedelta(hours=1))
    draft = make_campaign(status=Campaign.Status.DRAFT)

    assert campaign_dispatch(campaign_id=future.pk) == 0
    assert campaign_dispatch(campaign_id=draft.pk) == 0
    assert Message.objects.count() == 0
    future.refresh_from_db()
    assert future.status == Campaign.Status.SCHEDULED


def test_a_portal_announcement_is_only_marked_sent(recipients):
    recipients(people(2))
    campaign = make_campaign(channel=Campaign.Channel.PORTAL)

    campaign_dispatch(campaign_id=campaign.pk)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert Message.objects.count() == 0


def test_a_rolled_back_transaction_that_scheduled_a_campaign_sends_nothing(
    recipients, django_capture_on_commit_callbacks
):
    recipients(people(2))
    campaign = make_campaign(status=Campaign.Status.DRAFT)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SCHEDULED, scheduled_at=timezone.now())
        campaign_dispatch_soon(campaign_id=campaign.pk)
        raise RuntimeError("the request failed after scheduling")

    assert mail.outbox == []
    assert Message.objects.count() == 0
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_dispatch_soon_sends_the_campaign_once_the_transaction_commits(recipients, django_capture_on_commit_callbacks):
    recipients(people(2))
    campaign = make_campaign()

    with django_capture_on_commit_callbacks(execute=True):
        campaign_dispatch_soon(campaign_id=campaign.pk)

    assert len(mail.outbox) == 2


def test_a_batch_run_twice_sends_each_message_once(recipients, django_capture_on_commit_callbacks):
    recipients(people(4))
    campaign = make_campaign()
    with django_capture_on_commit_callbacks(execute=False):
        campaign_dispatch(campaign_id=campaign.pk)
    first, last = Message.objects.order_by("pk").first().pk, Message.objects.order_by("pk").last().pk

    messages_send_batch(campaign_id=campaign.pk, first_id=first, last_id=last, claim_token="task-1")
    again = messages_send_batch(campaign_id=campaign.pk, first_id=first, last_id=last, claim_token="task-1")

    assert again == {"sent": 0, "failed": 0, "suppressed": 0, "deferred": 0}
    assert len(mail.outbox) == 4


def test_messages_claimed_by_a_live_task_are_not_sent_by_another(recipients, django_capture_on_commit_callbacks):
    recipients(people(3))
    campaign = make_campaign()
    with django_capture_on_commit_callbacks(execute=False):
        campaign_dispatch(campaign_id=campaign.pk)
    Message.objects.update(claim_token="task-alive", claimed_until=timezone.now() + timezone.timedelta(minutes=5))
    ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))

    counts = messages_send_batch(campaign_id=campaign.pk, first_id=ids[0], last_id=ids[-1], claim_token="task-other")

    assert counts["sent"] == 0
    assert mail.outbox == []
    # The same task, redelivered, takes its claim back and sends them.
    messages_send_batch(campaign_id=campaign.pk, first_id=ids[0], last_id=ids[-1], claim_token="task-alive")
    assert len(mail.outbox) == 3


def test_the_sweep_gives_expired_claims_to_a_new_task_which_sends_them(recipients, django_capture_on_commit_callbacks):
    recipients(people(3))
    campaign = make_campaign()
    with django_capture_on_commit_callbacks(execute=False):
        campaign_dispatch(campaign_id=campaign.pk)
    # A worker claimed them and died.
    Message.objects.update(claim_token="task-dead", claimed_until=timezone.now() - timezone.timedelta(seconds=1))

    assert outbox_sweep() == 1

    assert len(mail.outbox) == 3
    assert Message.objects.filter(status=Message.Status.SENT).count() == 3
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_cancel_stops_the_queued_messages_and_a_batch_sends_nothing_after(
    recipients, django_capture_on_commit_callbacks
):
    recipients(people(3))
    campaign = make_campaign()
    with django_capture_on_commit_callbacks(execute=False):
        campaign_dispatch(campaign_id=campaign.pk)

    assert messages_cancel_queued(campaign_id=campaign.pk) == 3
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CANCELLED)
    messages_enqueue(campaign_id=campaign.pk)
    ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
    messages_send_batch(campaign_id=campaign.pk, first_id=ids[0], last_id=ids[-1], claim_token="t")

    assert mail.outbox == []
    assert Message.objects.filter(status=Message.Status.CANCELLED).count() == 3


class RefusingProvider:
    """Accepts the first message, refuses the second address for good, then goes away."""

    channel = "email"

    def send_batch(self, messages):  # type: ignore[no-untyped-def]
        for position, message in enumerate(messages):
            if position == 0:
                yield SendResult(message.key, ok=True, provider_id="esp-1")
            elif position == 1:
                yield SendResult(message.key, ok=False, error="550 no such user")
            else:
                raise ProviderUnavailable("connection reset")


def test_a_refused_address_fails_and_an_unavailable_provider_leaves_the_rest_queued(
    recipients, django_capture_on_commit_callbacks, monkeypatch
):
    recipients(people(4))
    campaign = make_campaign()
    with django_capture_on_commit_callbacks(execute=False):
        campaign_dispatch(campaign_id=campaign.pk)
    monkeypatch.setattr(outbox, "provider_for", lambda channel: RefusingProvider())
    ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))

    with pytest.raises(ProviderUnavailable):
        messages_send_batch(campaign_id=campaign.pk, first_id=ids[0], last_id=ids[-1], claim_token="t")

    statuses = list(Message.objects.order_by("pk").values_list("status", "provider_id", "error"))
    assert statuses[0] == (Message.Status.SENT, "esp-1", "")
    assert statuses[1] == (Message.Status.FAILED, "", "550 no such user")
    assert [s[0] for s in statuses[2:]] == [Message.Status.QUEUED, Message.Status.QUEUED]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING


class GreylistingProvider:
    """Refuses the first address for now (SMTP 450) every time, accepts the others."""

    channel = "email"

    def send_batch(self, messages):  # type: ignore[no-untyped-def]
        for position, message in enumerate(messages):
            if message.key == self.refused:
                yield SendResult(message.key, ok=False, error="450 greylisted", deferred=True)
            else:
                yield SendResult(message.key, ok=True, provider_id=f"esp-{position}")


def test_an_address_refused_for_now_stays_queued_for_the_sweep_then_fails_after_its_tries(
    recipients, django_capture_on_commit_callbacks, monkeypatch
):
    recipients(people(3))
    campaign = make_campaign()
    with django_capture_on_commit_callbacks(execute=False):
        campaign_dispatch(campaign_id=campaign.pk)
    provider = GreylistingProvider()
    ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
    provider.refused = ids[0]
    monkeypatch.setattr(outbox, "provider_for", lambda channel: provider)

    counts = messages_send_batch(campaign_id=campaign.pk, first_id=ids[0], last_id=ids[-1], claim_token="t1")

    assert counts == {"sent": 2, "failed": 0, "suppressed": 0, "deferred": 1}
    deferred = Message.objects.get(pk=ids[0])
    assert (deferred.status, deferred.attempts, deferred.error) == (Message.Status.QUEUED, 1, "450 greylisted")
    # Held back five minutes: no task may take it before; then the sweep finds it expired.
    assert deferred.claim_token == ""
    assert timezone.now() + timedelta(minutes=4) < deferred.claimed_until < timezone.now() + timedelta(minutes=6)
    assert messages_send_batch(campaign_id=campaign.pk, first_id=ids[0], last_id=ids[0], claim_token="early") == {
        "sent": 0,
        "failed": 0,
        "suppressed": 0,
        "deferred": 0,
    }
    assert outbox.outbox_sweep(now=timezone.now()) == 0
    assert outbox.outbox_sweep(now=timezone.now() + timedelta(minutes=6)) == 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING  # not finished while it waits
    for attempt in range(2, outbox.DEFERRED_MAX_ATTEMPTS + 1):
        Message.objects.filter(pk=ids[0]).update(claimed_until=timezone.now() - timedelta(seconds=1))  # time passes
        messages_send_batch(campaign_id=campaign.pk, first_id=ids[0], last_id=ids[0], claim_token=f"t{attempt}")
    deferred.refresh_from_db()
    assert (deferred.status, deferred.attempts) == (Message.Status.FAILED, outbox.DEFERRED_MAX_ATTEMPTS)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_sms_goes_only_to_mobile_numbers(recipients, django_capture_on_commit_callbacks, capsys):
    mobile, landline = recipients(people(2))
    Person.objects.filter(pk=mobile.pk).update(email="+51987654321")
    Person.objects.filter(pk=landline.pk).update(email="+5114441234")
    campaign = make_campaign(channel=Campaign.Channel.SMS)

    dispatch_and_send(campaign, django_capture_on_commit_callbacks)

    assert "--- sms to +51987654321" in capsys.readouterr().out
    sent, skipped = Message.objects.order_by("pk")
    assert sent.status == Message.Status.SENT and sent.provider_id.startswith("console-")
    assert (skipped.status, skipped.skip_reason) == (Message.Status.SUPPRESSED, "not_mobile")


def test_test_send_reaches_one_address_in_the_chosen_language():
    campaign = make_campaign(languages=("es", "fr"))

    campaign_test_send(campaign=campaign, language="fr", address="Staff@CLAC.example.org")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["staff@clac.example.org"]
    assert mail.outbox[0].subject.startswith("Assemblée")
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    ("channel", "language", "address", "code"),
    [
        (Campaign.Channel.EMAIL, "es", "not-an-address", "invalid_address"),
        (Campaign.Channel.EMAIL, "en", "staff@clac.example.org", "no_content"),
        (Campaign.Channel.SMS, "es", "+5114441234", "invalid_address"),
        (Campaign.Channel.PORTAL, "es", "staff@clac.example.org", "portal"),
    ],
)
def test_test_send_refuses_what_cannot_be_sent_with_a_reason(channel, language, address, code):
    campaign = make_campaign(channel=channel, languages=("es",))

    with pytest.raises(ValidationError) as raised:
        campaign_test_send(campaign=campaign, language=language, address=address)

    assert raised.value.code == code
    assert mail.outbox == []


def test_test_send_explains_a_provider_failure(monkeypatch):
    campaign = make_campaign(languages=("es",))

    class Down:
        channel = "email"

        def send_batch(self, messages):  # type: ignore[no-untyped-def]
            raise ProviderUnavailable("Connection refused")

    monkeypatch.setattr(outbox, "provider_for", lambda channel: Down())
    with pytest.raises(ValidationError, match="Connection refused"):
        campaign_test_send(campaign=campaign, language="es", address="staff@clac.example.org")


def test_mime_written_for_smtp_reads_back_as_the_message():
    from email import message_from_bytes
    from email import policy as email_policy

    from communications.providers import Outgoing
    from communications.providers.email import mime_bytes

    outgoing = Outgoing(
        key=1,
        address="ana@coop.example.org",
        language="fr",
        subject="Assemblée générale — ordre du jour",
        text="Bonjour : l'assemblée est lundi.\n.\nUne ligne avec un point.",
        html="<p>Bonjour : l'<strong>assemblée</strong> est lundi.</p>",
        headers={"Message-ID": "<campaign-1.message-1@clac.example.org>", "List-Unsubscribe": "<https://x.example/u/>"},
    )

    parsed = message_from_bytes(mime_bytes(outgoing), policy=email_policy.default)

    assert parsed["Subject"] == "Assemblée générale — ordre du jour"
    assert parsed["To"] == "ana@coop.example.org"
    assert parsed["Content-Language"] == "fr"
    assert parsed["Message-ID"] == "<campaign-1.message-1@clac.example.org>"
    assert parsed["List-Unsubscribe"] == "<https://x.example/u/>"
    assert parsed.get_body(("plain",)).get_content() == outgoing.text
    assert parsed.get_body(("html",)).get_content() == outgoing.html
    assert parsed["From"].addresses[0].addr_spec == "no-reply@clac-comerciojusto.org"


def test_an_address_the_direct_mime_cannot_write_goes_through_the_email_package():
    from communications.providers import Outgoing
    from communications.providers.email import mime_bytes

    assert mime_bytes(Outgoing(key=1, address="josé@coop.example.org", language="es", subject="s", text="t")) is None


def test_a_fallback_language_without_content_falls_back_to_one_that_has_some(
    recipients, django_capture_on_commit_callbacks
):
    recipients(people(2, languages=["en", "fr"]))
    campaign = make_campaign(languages=("fr",), fallback="es")

    dispatch_and_send(campaign, django_capture_on_commit_callbacks)

    assert sorted(Message.objects.values_list("language", flat=True)) == ["fr", "fr"]
    assert all(m.subject.startswith("Assemblée") for m in mail.outbox)
