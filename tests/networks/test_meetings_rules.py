"""The meetings area's rules: the services (who may write, every error at once, state changes),
the minutes sanitizer, and which organizations are invited to which meetings."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clac.roles import StaffRole
from members.models import Organization
from networks.markup import minutes_html, sanitize_html
from networks.models import Agreement, FollowUpAction, Meeting, MeetingAttendance
from networks.selectors.meetings import (
    followup_actions_overdue,
    meeting_invited_organization_ids,
    meetings_for_organization,
)
from networks.services import meetings as services
from networks.services.meetings import AttendanceEntry
from tests.factories import OrganizationFactory, PersonFactory, staff_user
from tests.networks.factories import (
    BodyFactory,
    ClacBodyFactory,
    CountryNetworkFactory,
    MandateFactory,
    NetworkMembershipFactory,
    SeatFactory,
)
from tests.networks.factories_meetings import (
    AgreementFactory,
    FollowUpActionFactory,
    MeetingFactory,
    PlannedMeetingFactory,
    days_from_now,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    return CountryNetworkFactory(name="Red Perú")


@pytest.fixture
def coordinator(network):
    user = staff_user(StaffRole.COORDINATOR, username="coord-pe")
    network.coordinators.add(user)
    return user


@pytest.fixture
def admin():
    return staff_user(StaffRole.ADMIN, username="admin-m")


def _create(actor, **overrides):
    fields = {
        "title": "Reunión ordinaria",
        "starts_at": days_from_now(10),
        "modality": Meeting.Modality.IN_PERSON,
        "place": "Lima",
    }
    fields.update(overrides)
    return services.meeting_create(actor=actor, **fields)


# --- Meetings -------------------------------------------------------------------------------


def test_coordinator_plans_a_meeting_of_their_network_with_history(network, coordinator):
    meeting = _create(coordinator, network=network)

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    assert meeting.history.get().history_user == coordinator


def test_coordinator_of_another_network_cannot_plan_a_meeting(network):
    other = staff_user(StaffRole.COORDINATOR, username="coord-co")
    CountryNetworkFactory(name="Red Colombia").coordinators.add(other)

    with pytest.raises(PermissionDenied):
        _create(other, network=network)
    assert Meeting.objects.count() == 0


def test_only_admins_plan_meetings_of_clac_bodies(coordinator, admin):
    board = ClacBodyFactory()

    with pytest.raises(PermissionDenied):
        _create(coordinator, body=board)
    assert _create(admin, body=board).body == board


def test_a_meeting_has_a_body_or_a_network_not_both(network, admin):
    with pytest.raises(ValidationError) as error:
        _create(admin, network=network, body=BodyFactory(network=network))
    assert "body" in error.value.message_dict
    with pytest.raises(ValidationError):
        _create(admin)


def test_meeting_errors_are_reported_at_once(network, admin):
    with pytest.raises(ValidationError) as error:
        _create(
            admin,
            network=network,
            title=" ",
            modality=Meeting.Modality.HYBRID,
            place="",
            online_url="",
            ends_at=days_from_now(9),
        )
    assert set(error.value.message_dict) == {"title", "place", "online_url", "ends_at"}
    assert Meeting.objects.count() == 0


def test_virtual_meeting_needs_a_link_and_drops_the_place(network, admin):
    with pytest.raises(ValidationError) as error:
        _create(admin, network=network, modality=Meeting.Modality.VIRTUAL, place="Lima")
    assert list(error.value.message_dict) == ["online_url"]

    meeting = _create(admin, network=network, modality="virtual", place="Lima", online_url="https://meet.example/x")
    assert meeting.place == ""


def test_javascript_link_is_refused(network, admin):
    with pytest.raises(ValidationError) as error:
        _create(admin, network=network, modality="virtual", online_url="javascript:alert(1)")
    assert "online_url" in error.value.message_dict


def test_a_meeting_is_marked_held_only_once_it_started(network, admin):
    future = PlannedMeetingFactory(network=network)
    with pytest.raises(ValidationError) as error:
        services.meeting_mark_held(actor=admin, meeting=future)
    assert "starts_at" in error.value.message_dict

    past = PlannedMeetingFactory(network=network, starts_at=days_from_now(-1))
    services.meeting_mark_held(actor=admin, meeting=past)
    past.refresh_from_db()
    assert past.status == Meeting.Status.HELD


def test_held_meeting_cannot_move_to_the_future(network, admin):
    meeting = MeetingFactory(network=network)
    with pytest.raises(ValidationError) as error:
        services.meeting_update(actor=admin, meeting=meeting, starts_at=days_from_now(3))
    assert "starts_at" in error.value.message_dict


def test_cancel_needs_a_reason_and_a_planned_meeting_and_closes_it(network, admin):
    meeting = PlannedMeetingFactory(network=network)
    with pytest.raises(ValidationError) as error:
        services.meeting_cancel(actor=admin, meeting=meeting, reason="  ")
    assert "reason" in error.value.message_dict

    services.meeting_cancel(actor=admin, meeting=meeting, reason="Sin quórum")
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancellation_reason) == (Meeting.Status.CANCELLED, "Sin quórum")
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=admin, meeting=meeting, reason="otra vez")
    with pytest.raises(ValidationError):
        services.meeting_update(actor=admin, meeting=meeting, title="Nueva")


def test_viewer_cannot_change_a_meeting(network):
    viewer = staff_user(StaffRole.VIEWER, username="viewer-m")
    meeting = PlannedMeetingFactory(network=network)
    with pytest.raises(PermissionDenied):
        services.meeting_update(actor=viewer, meeting=meeting, title="x")


# --- Attendance -----------------------------------------------------------------------------


def test_attendance_lists_members_and_people_and_replaces_the_previous_list(network, coordinator):
    meeting = MeetingFactory(network=network)
    member = NetworkMembershipFactory(network=network).organization
    person = PersonFactory()

    count = services.attendance_record(
        actor=coordinator,
        meeting=meeting,
        entries=[AttendanceEntry(organization=member), AttendanceEntry(person=person, organization=member)],
    )
    assert count == 2
    services.attendance_record(actor=coordinator, meeting=meeting, entries=[AttendanceEntry(person=person)])
    assert list(MeetingAttendance.objects.filter(meeting=meeting).values_list("person_id", "organization_id")) == [
        (person.pk, None)
    ]
    assert MeetingAttendance.history.filter(history_user=coordinator).count() == 3


def test_attendance_refuses_organizations_not_invited_and_duplicates_all_at_once(network, coordinator):
    meeting = MeetingFactory(network=network)
    outsider = OrganizationFactory(name="Cooperativa Ajena")
    person = PersonFactory()
    MeetingAttendance.objects.create(meeting=meeting, person=person)

    with pytest.raises(ValidationError) as error:
        services.attendance_record(
            actor=coordinator,
            meeting=meeting,
            entries=[
                AttendanceEntry(organization=outsider),
                AttendanceEntry(person=person),
                AttendanceEntry(person=person),
                AttendanceEntry(),
            ],
        )
    assert set(error.value.message_dict) == {"organizations", "people", "entries"}
    assert MeetingAttendance.objects.filter(meeting=meeting).count() == 1


def test_attendance_of_a_body_meeting_takes_the_organizations_seated_on_its_date(coordinator, network):
    body = BodyFactory(network=network)
    today = timezone.localdate()
    mandate = MandateFactory(
        body=body, start=today - datetime.timedelta(days=400), end=today + datetime.timedelta(days=300)
    )
    seated = SeatFactory(mandate=mandate)
    left = SeatFactory(mandate=mandate, term_end=today - datetime.timedelta(days=200))
    meeting = MeetingFactory(body=body, network=None, starts_at=days_from_now(-30))

    assert meeting_invited_organization_ids(meeting) == {seated.organization_id}
    with pytest.raises(ValidationError):
        services.attendance_record(
            actor=coordinator, meeting=meeting, entries=[AttendanceEntry(organization=left.organization)]
        )


def test_attendance_waits_for_the_meeting(network, coordinator):
    meeting = PlannedMeetingFactory(network=network)
    with pytest.raises(ValidationError) as error:
        services.attendance_record(actor=coordinator, meeting=meeting, entries=[])
    assert "meeting" in error.value.message_dict


# --- Agreements and actions -----------------------------------------------------------------


def test_agreements_are_numbered_in_order_and_need_a_held_meeting(network, coordinator):
    meeting = MeetingFactory(network=network)
    first = services.agreement_add(actor=coordinator, meeting=meeting, text="Uno")
    second = services.agreement_add(actor=coordinator, meeting=meeting, text="Dos")
    assert (first.number, second.number) == (1, 2)
    with pytest.raises(ValidationError) as error:
        services.agreement_add(actor=coordinator, meeting=meeting, text="", number=2)
    assert set(error.value.message_dict) == {"text", "number"}

    planned = PlannedMeetingFactory(network=network)
    with pytest.raises(ValidationError) as error:
        services.agreement_add(actor=coordinator, meeting=planned, text="Tres")
    assert "meeting" in error.value.message_dict
    assert Agreement.objects.count() == 2


def test_an_action_has_exactly_one_owner_and_a_staff_owner_must_be_staff(network, coordinator):
    agreement = AgreementFactory(meeting=MeetingFactory(network=network))
    due = timezone.localdate() + datetime.timedelta(days=10)
    with pytest.raises(ValidationError) as error:
        services.followup_action_add(
            actor=coordinator,
            agreement=agreement,
            description="x",
            due_date=due,
            owner_person=PersonFactory(),
            owner_user=coordinator,
        )
    assert "owner" in error.value.message_dict
    portal_only = staff_user(StaffRole.VIEWER, username="v2")
    portal_only.groups.clear()
    with pytest.raises(ValidationError):
        services.followup_action_add(
            actor=coordinator, agreement=agreement, description="x", due_date=due, owner_user=portal_only
        )
    action = services.followup_action_add(
        actor=coordinator, agreement=agreement, description="Enviar acta", due_date=due, owner_user=coordinator
    )
    assert action.owner == coordinator


def test_done_sets_completed_on_and_reopening_clears_it(network, coordinator):
    action = FollowUpActionFactory(agreement=AgreementFactory(meeting=MeetingFactory(network=network)))

    services.followup_action_set_status(actor=coordinator, action=action, status="done")
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", timezone.localdate())

    services.followup_action_set_status(actor=coordinator, action=action, status="in_progress")
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("in_progress", None)


def test_a_cancelled_action_cannot_be_completed(network, coordinator):
    action = FollowUpActionFactory(
        agreement=AgreementFactory(meeting=MeetingFactory(network=network)), status=FollowUpAction.Status.CANCELLED
    )
    with pytest.raises(ValidationError) as error:
        services.followup_action_set_status(actor=coordinator, action=action, status="done")
    assert "reopen" in str(error.value)
    action.refresh_from_db()
    assert action.status == FollowUpAction.Status.CANCELLED


def test_completion_date_cannot_be_in_the_future(network, coordinator):
    action = FollowUpActionFactory(agreement=AgreementFactory(meeting=MeetingFactory(network=network)))
    with pytest.raises(ValidationError) as error:
        services.followup_action_set_status(
            actor=coordinator,
            action=action,
            status="done",
            completed_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert "completed_on" in error.value.message_dict


def test_overdue_actions_for_a_coordinator_are_those_of_their_networks(network, coordinator, admin):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    mine = FollowUpActionFactory(
        agreement=AgreementFactory(meeting=MeetingFactory(network=network)), due_date=yesterday
    )
    body_meeting = MeetingFactory(body=BodyFactory(network=network), network=None)
    mine_by_body = FollowUpActionFactory(agreement=AgreementFactory(meeting=body_meeting), due_date=yesterday)
    other = FollowUpActionFactory(due_date=yesterday)
    FollowUpActionFactory(agreement=AgreementFactory(meeting=MeetingFactory(network=network)))  # not due yet
    FollowUpActionFactory(
        agreement=AgreementFactory(meeting=MeetingFactory(network=network)),
        due_date=yesterday,
        status="done",
        completed_on=yesterday,
    )

    assert set(followup_actions_overdue(user=coordinator)) == {mine, mine_by_body}
    assert set(followup_actions_overdue(user=admin)) == {mine, mine_by_body, other}
    assert list(followup_actions_overdue(user=staff_user(StaffRole.VIEWER, username="v3"))) == []


# --- Invited organizations ------------------------------------------------------------------


def test_an_organization_is_invited_to_its_current_networks_and_to_bodies_where_it_holds_a_seat(network):
    org = OrganizationFactory(name="Cooperativa Invitada")
    NetworkMembershipFactory(network=network, organization=org)
    former = CountryNetworkFactory(name="Red Antigua")
    NetworkMembershipFactory(network=former, organization=org, until=datetime.date(2021, 1, 1))
    own = MeetingFactory(network=network)
    not_anymore = MeetingFactory(network=former)

    body = ClacBodyFactory()
    mandate = MandateFactory(body=body, start=datetime.date(2022, 1, 1), end=datetime.date(2024, 12, 31))
    SeatFactory(
        mandate=mandate, organization=org, term_start=datetime.date(2022, 1, 1), term_end=datetime.date(2023, 6, 30)
    )
    seated = MeetingFactory(body=body, network=None, starts_at=timezone.make_aware(datetime.datetime(2023, 3, 1, 10)))
    after_term = MeetingFactory(
        body=body, network=None, starts_at=timezone.make_aware(datetime.datetime(2024, 3, 1, 10))
    )
    other_body_meeting = MeetingFactory(body=BodyFactory(network=network), network=None)

    invited = set(meetings_for_organization(org))
    assert invited == {own, seated}
    assert not {not_anymore, after_term, other_body_meeting} & invited
    assert not meetings_for_organization(
        Organization.objects.create(name="Sin red", country_id="PE", kind="spo")
    ).exists()


# --- Minutes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[clic](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        '<p onclick="alert(1)">x</p>',
        "[x](JaVaScRiPt:alert(1))",
        "![img](javascript:alert(1))",
    ],
)
def test_minutes_strip_scripts_handlers_and_javascript_links(source):
    for html in (str(minutes_html(source)), str(sanitize_html(source))):
        # Typed HTML comes out as text (&lt;…); no live tag may carry a script, handler or link.
        tags = re.findall(r"<[^>]*>", html.lower())
        assert not [tag for tag in tags if tag.startswith(("<script", "<img")) or "javascript:" in tag or " on" in tag]
        assert "alert(1)</script>" not in html


def test_minutes_keep_markdown_structure():
    html = str(minutes_html("## Acuerdos\n\n1. **Aprobar** el [informe](https://clac.example/informe)\n"))
    assert "<h2>Acuerdos</h2>" in html
    assert "<strong>Aprobar</strong>" in html
    assert 'href="https://clac.example/informe"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert minutes_html("") == ""
