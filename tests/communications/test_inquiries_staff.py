"""What staff do with an inquiry from the dashboard: assign (to themselves or a colleague of
the communications team), answer by e-mail in the inquiry's language (stored in the thread,
sent after commit, once, failures visible and retried), add internal notes, close and reopen;
each change dated and attributed in the thread. Plus the list's filters and query counts,
the home panel, the relay of unsent e-mails and the retention that erases personal data."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clac.roles import StaffRole
from communications.models import Inquiry, InquiryMessage
from communications.services import (
    inquiries_anonymize_expired,
    inquiry_assign,
    inquiry_close,
    inquiry_reply,
    inquiry_reply_send,
)
from communications.services.inquiries import inquiries_relay_unsent
from tests.communications.inquiries_helpers import counts, make_inquiry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def camila():
    return UserFactory(
        username="camila", first_name="Camila", last_name="Restrepo", roles=[StaffRole.COMMUNICATIONS], language="en"
    )


@pytest.fixture
def colleague():
    return UserFactory(
        username="mariela", first_name="Mariela", last_name="Gutiérrez", roles=[StaffRole.ADMIN], language="en"
    )


@pytest.fixture
def staff_client(client, camila):
    client.force_login(camila)
    return client


@pytest.fixture
def inquiry():
    return make_inquiry(language="pt-br", name="Ana Souza", email="ana@example.org", message="Como ser membro?")


def _url(name: str, inquiry: Inquiry) -> str:
    return reverse(f"communications:{name}", args=[inquiry.pk])


def _thread(inquiry: Inquiry) -> list[tuple]:
    return list(
        InquiryMessage.objects.filter(inquiry=inquiry)
        .order_by("created_at", "id")
        .values_list("kind", "author__username", "status_to", "assignee__username")
    )


# --- Assign ---------------------------------------------------------------------------------


def test_a_staff_member_takes_a_new_inquiry(staff_client, camila, inquiry):
    response = staff_client.post(_url("inquiry_assign", inquiry), {"assignee": camila.pk})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.assignee) == ("assigned", camila)
    assert _thread(inquiry)[-1] == ("event", "camila", "assigned", "camila")


def test_an_inquiry_is_handed_to_a_colleague_and_the_thread_says_who_did_it(staff_client, camila, colleague, inquiry):
    inquiry_assign(actor=camila, inquiry=inquiry, assignee=camila)
    staff_client.post(_url("inquiry_assign", inquiry), {"assignee": colleague.pk})
    inquiry.refresh_from_db()
    assert inquiry.assignee == colleague
    assert _thread(inquiry)[-1] == ("event", "camila", "assigned", "mariela")


def test_an_inquiry_cannot_go_to_staff_outside_the_communications_team(staff_client, inquiry):
    finance = UserFactory(username="jorge", roles=[StaffRole.FINANCE])
    before = counts()
    response = staff_client.post(_url("inquiry_assign", inquiry), {"assignee": finance.pk})
    assert response.status_code == 400
    assert "assignee" in response.context["assign_form"].errors
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.assignee) == ("new", None)
    assert counts() == before


# --- Reply ----------------------------------------------------------------------------------


def test_a_reply_is_stored_emailed_in_the_inquirys_language_and_answers_it(
    staff_client, camila, inquiry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(_url("inquiry_reply", inquiry), {"body": "Olá! Veja os requisitos."})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.assignee) == ("answered", camila)
    reply = InquiryMessage.objects.get(inquiry=inquiry, kind="reply")
    assert (reply.author, reply.body, reply.delivery) == (camila, "Olá! Veja os requisitos.", "sent")
    assert reply.sent_at is not None
    replies = [message for message in mail.outbox if message.to == ["ana@example.org"] and "Re:" in message.subject]
    assert len(replies) == 1
    assert "referência" in replies[0].subject  # Portuguese, the inquiry's language
    assert "Olá! Veja os requisitos." in replies[0].body
    assert "Como ser membro?" in replies[0].body  # the original, quoted


def test_a_reply_task_delivered_twice_sends_one_email(camila, inquiry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reply = inquiry_reply(actor=camila, inquiry=inquiry, body="Resposta")
    sent = len(mail.outbox)
    assert inquiry_reply_send(message_id=reply.pk) is False
    assert len(mail.outbox) == sent


def test_a_reply_that_fails_shows_why_and_is_sent_again_on_request(
    staff_client, camila, inquiry, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(**kwargs):
        raise OSError("SMTP 451 try later")

    monkeypatch.setattr("communications.services.inquiries._send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(_url("inquiry_reply", inquiry), {"body": "Resposta"})
    reply = InquiryMessage.objects.get(inquiry=inquiry, kind="reply")
    assert (reply.delivery, reply.delivery_error) == ("failed", "SMTP 451 try later")
    page = staff_client.get(_url("inquiry_detail", inquiry)).content.decode()
    assert "SMTP 451 try later" in page
    monkeypatch.undo()
    retry = reverse("communications:inquiry_reply_retry", args=[inquiry.pk, reply.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(retry).status_code == 302
    reply.refresh_from_db()
    assert reply.delivery == "sent"
    assert sum(1 for message in mail.outbox if "Re:" in message.subject) == 1


def test_an_empty_reply_is_explained_and_nothing_is_sent(staff_client, inquiry, django_capture_on_commit_callbacks):
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(_url("inquiry_reply", inquiry), {"body": "   "})
    assert response.status_code == 400
    assert "body" in response.context["reply_form"].errors
    assert counts() == before
    inquiry.refresh_from_db()
    assert inquiry.status == "new"
    assert not [message for message in mail.outbox if "Re:" in message.subject]


def test_a_closed_inquiry_must_be_reopened_before_it_is_answered(staff_client, camila, inquiry):
    inquiry_close(actor=camila, inquiry=inquiry)
    before = counts()
    response = staff_client.post(_url("inquiry_reply", inquiry), {"body": "Tarde"})
    assert response.status_code == 400
    assert "This inquiry is closed; reopen it first." in response.content.decode()
    assert counts() == before


# --- Notes, close, reopen -------------------------------------------------------------------


def test_an_internal_note_joins_the_thread_and_is_not_emailed(staff_client, camila, inquiry):
    sent = len(mail.outbox)
    staff_client.post(_url("inquiry_note", inquiry), {"body": "Ver con la red de Brasil."})
    note = InquiryMessage.objects.get(inquiry=inquiry, kind="note")
    assert (note.author, note.body) == (camila, "Ver con la red de Brasil.")
    assert len(mail.outbox) == sent
    inquiry.refresh_from_db()
    assert inquiry.status == "new"


def test_closing_and_reopening_are_dated_and_attributed(staff_client, camila, inquiry):
    inquiry_assign(actor=camila, inquiry=inquiry, assignee=camila)
    staff_client.post(_url("inquiry_close", inquiry), {"note": "Respondido por teléfono."})
    inquiry.refresh_from_db()
    assert inquiry.status == "closed" and inquiry.closed_at is not None
    assert _thread(inquiry)[-1] == ("event", "camila", "closed", None)
    staff_client.post(_url("inquiry_reopen", inquiry))
    inquiry.refresh_from_db()
    # Back to its assignee.
    assert (inquiry.status, inquiry.closed_at) == ("assigned", None)
    assert _thread(inquiry)[-1] == ("event", "camila", "assigned", None)


def test_an_unassigned_inquiry_reopens_as_new(camila, staff_client, inquiry):
    inquiry_close(actor=camila, inquiry=inquiry)
    staff_client.post(_url("inquiry_reopen", inquiry))
    inquiry.refresh_from_db()
    assert inquiry.status == "new"


def test_closing_twice_is_refused_and_changes_nothing(staff_client, camila, inquiry):
    inquiry_close(actor=camila, inquiry=inquiry)
    before = counts()
    assert staff_client.post(_url("inquiry_close", inquiry), {"note": ""}).status_code == 400
    assert counts() == before


def test_a_too_long_closing_note_is_refused(staff_client, inquiry):
    response = staff_client.post(_url("inquiry_close", inquiry), {"note": "x" * 1001})
    assert response.status_code == 400
    inquiry.refresh_from_db()
    assert inquiry.status == "new"


# --- The list -------------------------------------------------------------------------------


def test_the_list_filters_by_status_category_language_assignee_and_age(staff_client, camila):
    old = make_inquiry(category="press", language="fr", email="old@example.org")
    Inquiry.objects.filter(pk=old.pk).update(received_at=timezone.now() - datetime.timedelta(days=40))
    mine = make_inquiry(category="prices", language="en", email="mine@example.org")
    inquiry_assign(actor=camila, inquiry=mine, assignee=camila)
    new = make_inquiry(category="prices", language="es", email="new@example.org")

    def listed(query: str) -> list[int]:
        response = staff_client.get(reverse("communications:inquiry_list") + query)
        assert response.status_code == 200
        return [inquiry.pk for inquiry in response.context["page_obj"]]

    assert listed("") == [new.pk, mine.pk, old.pk]
    assert listed("?status=new") == [new.pk, old.pk]
    assert listed("?status=open") == [new.pk, mine.pk, old.pk]
    assert listed("?category=prices") == [new.pk, mine.pk]
    assert listed("?language=fr") == [old.pk]
    assert listed(f"?assignee={camila.pk}") == [mine.pk]
    assert listed("?assignee=none") == [new.pk, old.pk]
    assert listed("?age=7") == [new.pk, mine.pk]
    assert listed("?age=older") == [old.pk]


def test_a_bad_filter_is_a_400_with_the_form_explaining(staff_client):
    response = staff_client.get(reverse("communications:inquiry_list") + "?status=lost&assignee=abc")
    assert response.status_code == 400
    assert set(response.context["filter_form"].errors) == {"status", "assignee"}


def test_the_list_costs_the_same_queries_for_many_more_inquiries(
    staff_client, camila, colleague, django_assert_max_num_queries
):
    def seed(count: int, start: int) -> None:
        for index in range(start, start + count):
            inquiry = make_inquiry(email=f"p{index}@example.org")
            inquiry_assign(actor=camila, inquiry=inquiry, assignee=colleague if index % 2 else camila)

    seed(3, 0)
    url = reverse("communications:inquiry_list")
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    seed(40, 100)
    with django_assert_max_num_queries(len(few)):
        response = staff_client.get(url)
    assert response.context["page_obj"].paginator.count == 43


def test_the_detail_page_costs_the_same_queries_for_a_longer_thread(
    staff_client, camila, inquiry, django_assert_max_num_queries
):
    from communications.services import inquiry_note_add

    inquiry_note_add(actor=camila, inquiry=inquiry, body="uno")
    with CaptureQueriesContext(connection) as few:
        staff_client.get(_url("inquiry_detail", inquiry))
    for index in range(20):
        inquiry_note_add(actor=camila, inquiry=inquiry, body=f"nota {index}")
        inquiry_reply(actor=camila, inquiry=inquiry, body=f"respuesta {index}")
    with django_assert_max_num_queries(len(few)):
        assert staff_client.get(_url("inquiry_detail", inquiry)).status_code == 200


# --- Home panel -----------------------------------------------------------------------------


def test_the_home_panel_counts_new_inquiries_and_those_assigned_to_me(staff_client, camila):
    make_inquiry(email="a@example.org")
    make_inquiry(email="b@example.org")
    inquiry_assign(actor=camila, inquiry=make_inquiry(email="c@example.org"), assignee=camila)
    page = staff_client.get(reverse("dashboard:home")).content.decode()
    assert "2 new inquiries wait for someone to take them" in page
    assert "1 inquiry assigned to you is waiting for an answer" in page


def test_the_home_panel_is_not_shown_to_roles_that_do_not_handle_inquiries(client):
    make_inquiry()
    client.force_login(UserFactory(username="viewer", roles=[StaffRole.VIEWER], language="en"))
    page = client.get(reverse("dashboard:home")).content.decode()
    assert "inquiries-panel" not in page
    assert reverse("communications:inquiry_list") not in page


# --- Relay and retention --------------------------------------------------------------------


def test_the_relay_sends_acknowledgements_lost_on_the_way(camila):
    inquiry = make_inquiry()  # its on-commit send never ran: the broker was down
    Inquiry.objects.filter(pk=inquiry.pk).update(received_at=timezone.now() - datetime.timedelta(minutes=10))
    failing = make_inquiry(email="bounce@example.org")  # its task retries it, not the relay
    Inquiry.objects.filter(pk=failing.pk).update(
        received_at=timezone.now() - datetime.timedelta(minutes=10), acknowledgement_error="550 no such user"
    )
    assert inquiries_relay_unsent() == 1
    assert [message.to for message in mail.outbox] == [["rosa@example.org"]]
    assert inquiries_relay_unsent() == 0


def test_retention_erases_personal_data_of_inquiries_closed_long_ago(camila, settings):
    settings.INQUIRY_RETENTION_DAYS = 30
    old = make_inquiry(name="Old Sender", email="old@example.org", phone="+51 999 999 999")
    reply = inquiry_reply(actor=camila, inquiry=old, body="Answer quoting Old Sender")
    InquiryMessage.objects.filter(pk=reply.pk).update(delivery="failed", delivery_error="550 old@example.org unknown")
    inquiry_close(actor=camila, inquiry=old)
    Inquiry.objects.filter(pk=old.pk).update(closed_at=timezone.now() - datetime.timedelta(days=31))
    recent = make_inquiry(name="Recent Sender", email="recent@example.org")
    inquiry_close(actor=camila, inquiry=recent)
    still_open = make_inquiry(name="Open Sender", email="open@example.org")

    assert inquiries_anonymize_expired() == 1
    assert inquiries_anonymize_expired() == 0  # idempotent
    old.refresh_from_db()
    assert (old.name, old.email, old.phone, old.organization) == ("—", "", "", "")
    assert old.anonymized_at is not None
    assert (old.category, old.language, old.status) == ("membership", "es", "closed")
    assert not InquiryMessage.objects.filter(inquiry=old, body__contains="Old Sender").exists()
    assert not InquiryMessage.objects.filter(inquiry=old, delivery_error__contains="old@").exists()
    assert set(InquiryMessage.objects.filter(inquiry=old).values_list("body", flat=True)) <= {"—", ""}
    for kept in (recent, still_open):
        kept.refresh_from_db()
        assert kept.anonymized_at is None and kept.email.endswith("@example.org")
