"""The campaign services: what a draft must hold, content per language (rendered, sanitized,
checked against the channel's limits), the status machine with its conditional updates and
attributed history, and who may write."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clac.roles import StaffRole
from clac.strategic_lines import StrategicLine
from communications.models import Audience, Campaign, CampaignContent
from communications.services import campaigns as services
from communications.services.campaigns import ContentInput, sms_length
from tests.communications.campaign_factories import AudienceFactory, CampaignFactory, add_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def comms(staff_user_factory):
    return staff_user_factory(StaffRole.COMMUNICATIONS)


def _in(days: int = 2) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def _create(actor, **fields):
    values = {
        "name": "Convocatoria: Asamblea General 2026",
        "purpose": StrategicLine.COMMUNICATION,
        "channel": Campaign.Channel.EMAIL,
        "audience": AudienceFactory(),
        "fallback_language": "es",
    }
    values.update(fields)
    return services.campaign_create(actor=actor, **values)


# --- Drafts -----------------------------------------------------------------------------------


def test_communications_staff_create_a_draft_attributed_in_the_history(comms):
    campaign = _create(comms, track_opens=True)

    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.created_by == comms
    assert campaign.history.get().history_user == comms


def test_creating_reports_every_error_at_once_and_writes_nothing(comms):
    with pytest.raises(ValidationError) as exc:
        _create(comms, name="  ", purpose="x", channel="fax", fallback_language="de", audience=None)

    assert set(exc.value.message_dict) == {"name", "purpose", "channel", "fallback_language", "audience"}
    assert Campaign.objects.count() == 0


def test_a_portal_announcement_needs_an_internal_audience(comms):
    external = AudienceFactory(scope=Audience.Scope.EXTERNAL)
    with pytest.raises(ValidationError) as exc:
        _create(comms, channel=Campaign.Channel.PORTAL, audience=external)
    assert "audience" in exc.value.message_dict


def test_tracking_is_for_email_only(comms):
    campaign = _create(comms, channel=Campaign.Channel.SMS, track_opens=True, track_clicks=True)
    assert (campaign.track_opens, campaign.track_clicks) == (False, False)


@pytest.mark.parametrize("role", [StaffRole.VIEWER, StaffRole.FINANCE, StaffRole.COORDINATOR, StaffRole.ME_OFFICER])
def test_other_staff_roles_cannot_write_campaigns(staff_user_factory, role):
    with pytest.raises(PermissionDenied):
        _create(staff_user_factory(role))
    assert Campaign.objects.count() == 0


def test_only_a_draft_can_be_edited(comms):
    campaign = CampaignFactory(status=Campaign.Status.SCHEDULED, scheduled_at=_in())
    with pytest.raises(ValidationError):
        services.campaign_update(actor=comms, campaign=campaign, name="Otro nombre")
    campaign.refresh_from_db()
    assert campaign.name != "Otro nombre"


def test_editing_a_draft_saves_and_records_who(comms):
    campaign = _create(comms)
    services.campaign_update(actor=comms, campaign=campaign, name="Convocatoria corregida", fallback_language="en")
    campaign.refresh_from_db()
    assert (campaign.name, campaign.fallback_language) == ("Convocatoria corregida", "en")
    assert campaign.history.count() == 2
    assert campaign.history.first().history_user == comms


# --- Content ----------------------------------------------------------------------------------


def test_content_is_rendered_to_sanitized_html_and_text_per_language(comms):
    campaign = _create(comms)
    services.campaign_contents_save(
        actor=comms,
        campaign=campaign,
        contents={
            "es": ContentInput("Asamblea General", "## Convocatoria\n\n**Lima**, 12 de mayo <script>x()</script>"),
            "en": ContentInput("General Assembly", "**Lima**, 12 May"),
            "fr": ContentInput("", ""),
        },
    )

    contents = {c.language: c for c in CampaignContent.objects.filter(campaign=campaign)}
    assert set(contents) == {"es", "en"}
    assert "<strong>Lima</strong>" in contents["es"].body_html
    assert "<script>" not in contents["es"].body_html
    assert contents["en"].subject == "General Assembly"
    assert contents["es"].history.get().history_user == comms


def test_clearing_a_language_removes_its_content(comms):
    campaign = _create(comms)
    add_content(campaign, "en", "Hello", "Hi")
    services.campaign_contents_save(actor=comms, campaign=campaign, contents={"en": ContentInput("", "")})
    assert not CampaignContent.objects.filter(campaign=campaign).exists()


def test_content_errors_of_every_language_come_together_and_nothing_is_saved(comms):
    campaign = _create(comms)
    with pytest.raises(ValidationError) as exc:
        services.campaign_contents_save(
            actor=comms,
            campaign=campaign,
            contents={"es": ContentInput("", "Sin asunto"), "en": ContentInput("Subject only", "")},
        )
    assert set(exc.value.message_dict) == {"es-subject", "en-body_markdown"}
    assert not CampaignContent.objects.filter(campaign=campaign).exists()


def test_an_sms_beyond_six_parts_is_refused_and_a_long_one_is_only_warned(comms):
    campaign = _create(comms, channel=Campaign.Channel.SMS)
    with pytest.raises(ValidationError) as exc:
        services.campaign_contents_save(actor=comms, campaign=campaign, contents={"es": ContentInput("", "a" * 919)})
    assert "6" in exc.value.message_dict["es-body_markdown"][0]

    services.campaign_contents_save(actor=comms, campaign=campaign, contents={"es": ContentInput("", "a" * 300)})
    assert "2 SMS parts" in services.sms_warning("a" * 300)
    assert services.sms_warning("a" * 160) == ""


def test_sms_parts_count_accents_outside_the_gsm_alphabet_as_unicode():
    assert sms_length("Reunión en Lima").unicode is True
    assert sms_length("a" * 160) == services.SmsLength(characters=160, segments=1, unicode=False)
    assert sms_length("a" * 161).segments == 2
    assert sms_length("ó" * 70).segments == 1
    assert sms_length("ó" * 71).segments == 2
    # The euro sign is in the GSM extension table: it counts twice.
    assert sms_length("€" * 80).segments == 1
    assert sms_length("€" * 81).segments == 2


def test_a_whatsapp_message_longer_than_whatsapp_allows_is_refused(comms):
    campaign = _create(comms, channel=Campaign.Channel.WHATSAPP)
    with pytest.raises(ValidationError):
        services.campaign_contents_save(
            actor=comms, campaign=campaign, contents={"pt-br": ContentInput("", "a" * 4097)}
        )


def test_content_of_a_scheduled_campaign_cannot_change(comms):
    campaign = CampaignFactory(status=Campaign.Status.SCHEDULED, scheduled_at=_in())
    add_content(campaign, "es", "Texto", "Asunto")
    with pytest.raises(ValidationError):
        services.campaign_contents_save(actor=comms, campaign=campaign, contents={"es": ContentInput("X", "Otro")})
    assert CampaignContent.objects.get(campaign=campaign).body_markdown == "Texto"


# --- Status machine ---------------------------------------------------------------------------


def test_scheduling_needs_the_fallback_content_and_a_future_moment(comms):
    campaign = _create(comms, fallback_language="es")
    add_content(campaign, "en", "Hello", "Hi")
    with pytest.raises(ValidationError) as exc:
        services.campaign_schedule(actor=comms, campaign=campaign, scheduled_at=timezone.now() - datetime.timedelta(1))
    assert set(exc.value.message_dict) == {"scheduled_at", "fallback_language"}
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_an_email_needs_a_subject_in_every_language_before_scheduling(comms):
    campaign = _create(comms)
    add_content(campaign, "es", "Texto")
    with pytest.raises(ValidationError) as exc:
        services.campaign_schedule(actor=comms, campaign=campaign, scheduled_at=_in())
    assert "subject" in exc.value.message_dict


def test_scheduling_then_unscheduling_records_each_step_with_the_actor(comms):
    campaign = _create(comms)
    add_content(campaign, "es", "Texto", "Asunto")
    when = _in(7)

    services.campaign_schedule(actor=comms, campaign=campaign, scheduled_at=when)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.scheduled_at) == (Campaign.Status.SCHEDULED, when)

    services.campaign_unschedule(actor=comms, campaign=campaign)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.scheduled_at) == (Campaign.Status.DRAFT, None)

    rows = list(
        campaign.history.order_by("history_date").values_list("status", "history_user", "history_change_reason")
    )
    assert rows[1:] == [("scheduled", comms.pk, "scheduled"), ("draft", comms.pk, "unscheduled")]


def test_a_campaign_the_dispatcher_already_took_cannot_be_unscheduled(comms):
    campaign = CampaignFactory(status=Campaign.Status.SCHEDULED, scheduled_at=_in())
    # The dispatcher's conditional update wins the race.
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)

    with pytest.raises(ValidationError) as exc:
        services.campaign_unschedule(actor=comms, campaign=campaign)

    assert "Sending" in exc.value.message_dict["status"][0]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING


def test_a_sent_campaign_cannot_be_cancelled_or_scheduled(comms):
    campaign = CampaignFactory(status=Campaign.Status.SENT, sent_at=timezone.now())
    add_content(campaign, "es", "Texto", "Asunto")
    with pytest.raises(ValidationError):
        services.campaign_cancel(actor=comms, campaign=campaign)
    with pytest.raises(ValidationError):
        services.campaign_schedule(actor=comms, campaign=campaign, scheduled_at=_in())
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


# --- With the outbox ---------------------------------------------------------------------------


def _reachable_person(language: str = "es"):
    from members.models import Consent
    from tests.factories import AffiliationFactory

    affiliation = AffiliationFactory.create(person__preferred_language=language)
    Consent.objects.create(
        person=affiliation.person, channel="email", granted=True, given_at=timezone.now(), method="paper"
    )
    return affiliation.person


def test_send_now_schedules_at_once_and_the_dispatch_runs_after_commit(
    comms, django_capture_on_commit_callbacks, mailoutbox
):
    person = _reachable_person("en")
    campaign = _create(comms)
    add_content(campaign, "es", "Texto", "Asamblea")
    add_content(campaign, "en", "Text", "Assembly")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.campaign_send_now(actor=comms, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED
    assert campaign.scheduled_at <= timezone.now()
    assert len(callbacks) == 1 and mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert [(m.to, m.subject) for m in mailoutbox] == [([person.email.lower()], "Assembly")]


def test_send_now_rolled_back_enqueues_nothing(comms, django_capture_on_commit_callbacks):
    from django.db import transaction

    campaign = _create(comms)
    add_content(campaign, "es", "Texto", "Asamblea")
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.campaign_send_now(actor=comms, campaign=campaign)
        raise RuntimeError
    assert callbacks == []
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_cancelling_a_sending_campaign_stops_what_is_still_queued(comms):
    from tests.communications.campaign_factories import messages

    campaign = CampaignFactory(status=Campaign.Status.SENDING, sending_started_at=timezone.now())
    messages(campaign, 3, status="queued")
    messages(campaign, 2, status="sent")

    stopped = services.campaign_cancel(actor=comms, campaign=campaign)

    campaign.refresh_from_db()
    assert stopped == 3
    assert campaign.status == Campaign.Status.CANCELLED and campaign.cancelled_at is not None
    assert sorted(campaign.messages.values_list("status", flat=True)) == ["cancelled"] * 3 + ["sent"] * 2
    assert campaign.history.first().history_user == comms


def test_a_test_email_goes_to_the_given_address_in_the_chosen_language(comms, mailoutbox):
    campaign = _create(comms)
    add_content(campaign, "es", "Texto", "Asamblea")
    add_content(campaign, "fr", "Texte", "Assemblée")

    services.campaign_send_test(actor=comms, campaign=campaign, language="fr", address="Staff@CLAC.example")

    assert [(m.to, m.subject) for m in mailoutbox] == [(["staff@clac.example"], "Assemblée")]
    assert not campaign.messages.exists()


def test_a_test_send_refuses_a_language_without_content_and_a_bad_phone(comms, mailoutbox):
    email = _create(comms)
    add_content(email, "es", "Texto", "Asamblea")
    with pytest.raises(ValidationError) as exc:
        services.campaign_send_test(actor=comms, campaign=email, language="en", address="staff@clac.example")
    assert "language" in exc.value.message_dict

    sms = _create(comms, channel=Campaign.Channel.SMS)
    add_content(sms, "es", "Asamblea el 12 de mayo")
    with pytest.raises(ValidationError) as exc:
        services.campaign_send_test(actor=comms, campaign=sms, language="es", address="987 654")
    assert "address" in exc.value.message_dict
    assert mailoutbox == []


def test_saving_a_draft_unchanged_writes_no_history(comms):
    campaign = _create(comms)
    services.campaign_update(actor=comms, campaign=campaign, name=campaign.name, fallback_language="es")
    assert campaign.history.count() == 1
