"""The demo's inquiries: about twenty in each state, in the four languages, with threads,
mostly handled by the demo communications user; flushed with the rest of the demo."""

import datetime

import pytest
from django.db.models import Count

from clac.plugins import DemoContext
from clac.roles import StaffRole
from communications.demo import inquiries as demo_inquiries
from communications.models import Inquiry, InquiryMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_has_inquiries_in_every_state_and_language_with_threads():
    communications = UserFactory(username="communications", roles=[StaffRole.COMMUNICATIONS])
    admin = UserFactory(username="admin", roles=[StaffRole.ADMIN])
    ctx = DemoContext(
        seed=1,
        scale="small",
        organizations=None,
        today=datetime.date(2026, 11, 30),
        log=None,
        shared={"staff_users": {StaffRole.COMMUNICATIONS: communications, StaffRole.ADMIN: admin}},
    )
    assert demo_inquiries.is_empty() == (True, "")

    report = demo_inquiries.seed(ctx)

    by_status = dict(Inquiry.objects.values_list("status").annotate(n=Count("pk")))
    assert by_status == {"new": 20, "assigned": 20, "answered": 20, "closed": 20}
    assert set(Inquiry.objects.values_list("language", flat=True)) == {"es", "en", "pt-br", "fr"}
    assert not Inquiry.objects.filter(status="new").exclude(assignee=None).exists()
    handled = Inquiry.objects.exclude(status="new")
    assert handled.filter(assignee=communications).count() > handled.count() // 2
    assert not Inquiry.objects.filter(status="closed", closed_at=None).exists()
    # Every inquiry starts with the sender's message; answered ones have a reply.
    assert InquiryMessage.objects.filter(kind="incoming").count() == 80
    assert not Inquiry.objects.filter(status="answered").exclude(messages__kind="reply").exists()
    assert report.counts["inquiries"] == 80

    demo_inquiries.flush()
    assert Inquiry.objects.count() == InquiryMessage.objects.count() == 0
