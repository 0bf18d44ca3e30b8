"""Donor reporting-deadline reminders: a deadline is marked reminded only in the transaction
that sent its e-mails, so a failing mail server loses no reminder; a second run sends nothing
more; one failing deadline does not hold back the others."""

import datetime
import smtplib
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone

from clac.roles import StaffRole
from finance.models import ReportingDeadline
from finance.services.donors import agreement_create, deadline_create, deadline_reminders_send, donor_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FAILING = {"default": {"BACKEND": "tests.finance.test_dues_donor_reminders.FailingBackend"}}


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("451 try again later")


class FailOnTitleBackend(BaseEmailBackend):
    """Refuses the messages about one report, delivers the others to the locmem outbox."""

    def send_messages(self, email_messages):
        if any("Informe final" in message.subject for message in email_messages):
            raise smtplib.SMTPServerDisconnected("connection lost")
        mail.outbox.extend(email_messages)
        return len(email_messages)


def _deadline(title: str, days: int) -> ReportingDeadline:
    today = timezone.localdate()
    donor = donor_create(name=f"Donante {title}", kind="foundation", actor=None)
    agreement = agreement_create(
        donor=donor,
        title=f"Convenio {title}",
        currency="USD",
        amount=Decimal("1000"),
        start_date=today.replace(month=1, day=1),
        end_date=today.replace(month=12, day=31),
        restricted=False,
        strategic_lines=[],
        actor=None,
    )
    return deadline_create(agreement=agreement, title=title, due_date=today + datetime.timedelta(days=days), actor=None)


@pytest.fixture
def staff(db):
    UserFactory(username="r-finance", roles=[StaffRole.FINANCE], email="finanzas@example.org", language="es")
    UserFactory(username="r-admin", roles=[StaffRole.ADMIN], email="admin@example.org", language="en")
    UserFactory(username="r-coord", roles=[StaffRole.COORDINATOR], email="coord@example.org")


def test_a_failing_mail_server_leaves_the_deadline_unmarked_for_the_next_run(staff, settings, caplog):
    deadline = _deadline("Informe intermedio", 10)
    settings.MAILERS = FAILING
    assert deadline_reminders_send(today=timezone.localdate()) == 0
    deadline.refresh_from_db()
    assert deadline.reminded_on is None
    assert mail.outbox == []
    assert "not sent" in caplog.text
    # The next day's run, with the server back, sends it and marks it.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert deadline_reminders_send(today=timezone.localdate()) == 1
    deadline.refresh_from_db()
    assert deadline.reminded_on == timezone.localdate()
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "admin@example.org",
        "finanzas@example.org",
    ]


def test_a_second_run_after_success_sends_nothing_more(staff):
    deadline = _deadline("Informe intermedio", 10)
    assert deadline_reminders_send(today=timezone.localdate()) == 1
    sent = len(mail.outbox)
    assert sent == 2
    assert deadline_reminders_send(today=timezone.localdate()) == 0
    assert len(mail.outbox) == sent
    deadline.refresh_from_db()
    assert deadline.reminded_on == timezone.localdate()


def test_one_failing_deadline_does_not_hold_back_the_others(staff, settings):
    failing = _deadline("Informe final", 5)
    going = _deadline("Informe intermedio", 10)
    far = _deadline("Informe anual", 200)
    settings.MAILERS = {"default": {"BACKEND": "tests.finance.test_dues_donor_reminders.FailOnTitleBackend"}}
    assert deadline_reminders_send(today=timezone.localdate()) == 1
    for deadline in (failing, going, far):
        deadline.refresh_from_db()
    assert (failing.reminded_on, going.reminded_on, far.reminded_on) == (None, timezone.localdate(), None)
    assert {message.subject.split(": ", 1)[1] for message in mail.outbox} == {"Informe intermedio"}


def test_each_recipient_reads_the_reminder_in_their_language(staff):
    _deadline("Informe intermedio", 10)
    deadline_reminders_send(today=timezone.localdate())
    by_address = {message.to[0]: message.subject for message in mail.outbox}
    assert by_address["admin@example.org"].startswith("Report due")
    assert not by_address["finanzas@example.org"].startswith("Report due")


def test_a_submitted_report_gets_no_reminder(staff):
    deadline = _deadline("Informe intermedio", 10)
    ReportingDeadline.objects.filter(pk=deadline.pk).update(submitted_on=timezone.localdate())
    assert deadline_reminders_send(today=timezone.localdate()) == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_deadline_another_run_holds_is_skipped_not_sent_twice(staff):
    deadline = _deadline("Informe intermedio", 10)
    locked, release = threading.Event(), threading.Event()

    def other_run() -> None:
        try:
            with transaction.atomic():
                ReportingDeadline.objects.select_for_update().get(pk=deadline.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert locked.wait(10)
        assert deadline_reminders_send(today=timezone.localdate()) == 0
        assert mail.outbox == []
    finally:
        release.set()
        thread.join()
    deadline.refresh_from_db()
    assert deadline.reminded_on is None
