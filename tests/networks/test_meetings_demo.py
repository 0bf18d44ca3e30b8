"""The meetings demo: two years of meetings of the networks and bodies the earlier seeders left,
with minutes, attendance limited to invited organizations, agreements and follow-up actions in
every status (some overdue), a few upcoming meetings; deterministic; nothing when there are no
networks or bodies."""

import datetime
import random

import pytest
from django.db.models import Count
from django.utils import timezone

from clac.plugins import DemoContext
from clac.roles import StaffRole
from networks.demo import meetings as demo_meetings
from networks.models import Agreement, Body, FollowUpAction, Meeting, MeetingAttendance
from networks.selectors.meetings import meeting_invited_organization_ids
from tests.factories import staff_user
from tests.networks.factories import (
    BodyFactory,
    ClacBodyFactory,
    CountryNetworkFactory,
    MandateFactory,
    NetworkMembershipFactory,
    SeatFactory,
)

pytestmark = pytest.mark.django_db


def _context(today: datetime.date, **shared) -> DemoContext:
    return DemoContext(seed=7, scale="small", organizations=None, today=today, log=None, shared=shared)


@pytest.fixture
def structure():
    today = timezone.localdate()
    peru = CountryNetworkFactory(name="Red Perú")
    colombia = CountryNetworkFactory(name="Red Colombia", countries=["CO"])
    for network in (peru, colombia):
        for _ in range(8):
            NetworkMembershipFactory(network=network, since=today - datetime.timedelta(days=1000))
    committee = BodyFactory(network=peru, kind=Body.Kind.COORDINATING)
    board = ClacBodyFactory(kind=Body.Kind.BOARD)
    for body in (committee, board):
        mandate = MandateFactory(
            body=body, start=today - datetime.timedelta(days=900), end=today + datetime.timedelta(days=400)
        )
        for _ in range(4):
            SeatFactory(mandate=mandate)
    admin = staff_user(StaffRole.ADMIN, username="demo-admin")
    coordinator = staff_user(StaffRole.COORDINATOR, username="demo-coord")
    return {
        "today": today,
        "shared": {
            "admin": admin,
            "staff_users": {"admin": admin, "coordinator": coordinator},
            "networks": {"country": {"PE": peru, "CO": colombia}},
            "bodies": {"board": board, (peru.pk, "coordinating"): committee},
        },
    }


def test_demo_seeds_two_years_of_meetings_with_agreements_and_actions(structure):
    today = structure["today"]
    counts = demo_meetings.seed(_context(today, **structure["shared"]), random.Random(1))

    assert counts["meetings"] == Meeting.objects.count() > 0
    past = Meeting.objects.filter(starts_at__date__lt=today)
    first = past.order_by("starts_at").first().starts_at.date()
    assert today - datetime.timedelta(days=2 * 365 + 1) <= first
    assert Meeting.objects.filter(starts_at__date__gte=today, status="planned").exists()
    # Board quarterly, each network about four a year.
    board = structure["shared"]["bodies"]["board"]
    assert 7 <= past.filter(body=board).count() <= 8
    assert past.filter(network__name="Red Colombia").count() == 8

    held = past.filter(status=Meeting.Status.HELD)
    assert not held.filter(minutes="").exists()
    per_meeting = held.annotate(n=Count("agreements")).values_list("n", flat=True)
    assert set(per_meeting) <= {1, 2, 3}
    assert not Agreement.objects.exclude(meeting__status="held").exists()

    statuses = set(FollowUpAction.objects.values_list("status", flat=True))
    assert statuses == set(FollowUpAction.Status.values)
    assert FollowUpAction.objects.filter(status__in=["open", "in_progress"], due_date__lt=today).exists()
    assert Meeting.history.count() == Meeting.objects.count()
    assert FollowUpAction.history.count() == FollowUpAction.objects.count()

    # Attendance lists only organizations invited on the meeting's date.
    for meeting in held.filter(attendance__isnull=False).distinct()[:10]:
        listed = set(
            MeetingAttendance.objects.filter(meeting=meeting, organization__isnull=False).values_list(
                "organization_id", flat=True
            )
        )
        assert listed <= meeting_invited_organization_ids(meeting)
    assert MeetingAttendance.objects.filter(person__isnull=False, present=False).exists()


def test_demo_is_deterministic(structure):
    today = structure["today"]
    demo_meetings.seed(_context(today, **structure["shared"]), random.Random(1))
    first = list(Meeting.objects.order_by("pk").values_list("title", "starts_at", "modality", "status"))
    Meeting.objects.all().delete()
    demo_meetings.seed(_context(today, **structure["shared"]), random.Random(99))
    assert list(Meeting.objects.order_by("pk").values_list("title", "starts_at", "modality", "status")) == first


def test_demo_uses_existing_rows_without_shared_data_and_creates_nothing_without_them(structure):
    today = structure["today"]
    assert demo_meetings.seed(_context(today, admin=structure["shared"]["admin"]), random.Random(1))["meetings"] > 0

    Meeting.objects.all().delete()
    Body.objects.all().delete()
    from networks.models import Network

    Network.objects.all().delete()
    assert demo_meetings.seed(_context(today), random.Random(1)) == {}
    assert Meeting.objects.count() == 0
