"""Every page and endpoint of the meetings area walked with real records: who reaches it, who
is refused (other staff roles, a coordinator of ANOTHER network, a portal user of an organization
that is not invited, a partner key, anonymous visitors), that bad input changes nothing, and
that lists cost a constant number of queries."""

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clac.plugins import ACCESS_API, ACCESS_PORTAL, ACCESS_STAFF, ACCESS_STAFF_ROLES
from clac.roles import PortalRole, StaffRole
from communications.services import api_key_create
from networks.api import meetings as api_meetings
from networks.models import Agreement, FollowUpAction, Meeting, MeetingAttendance
from networks.portal import meetings as portal_meetings
from networks.selectors.meetings import network_section
from networks.views import meetings as views_meetings
from tests.factories import ExternalPartnerFactory, OrganizationFactory, PersonFactory, PortalAccessFactory, UserFactory
from tests.networks.factories import ClacBodyFactory, CountryNetworkFactory, NetworkMembershipFactory
from tests.networks.factories_meetings import (
    AgreementFactory,
    FollowUpActionFactory,
    MeetingAttendanceFactory,
    MeetingFactory,
    PlannedMeetingFactory,
    days_from_now,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    network: Any
    other_network: Any
    member: Any
    outsider: Any
    held: Any
    planned: Any
    board_meeting: Any
    agreement: Any
    action: Any
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    network = CountryNetworkFactory(name="Red Perú")
    other_network = CountryNetworkFactory(name="Red Colombia", countries=["CO"])
    member = OrganizationFactory(name="Cooperativa Miembro")
    NetworkMembershipFactory(network=network, organization=member)
    outsider = OrganizationFactory(name="Cooperativa Ajena")
    NetworkMembershipFactory(network=other_network, organization=outsider)
    held = MeetingFactory(network=network, title="Reunión celebrada")
    MeetingAttendanceFactory(meeting=held, organization=member)
    planned = PlannedMeetingFactory(network=network, title="Reunión próxima")
    board_meeting = MeetingFactory(body=ClacBodyFactory(), network=None, title="Junta")
    agreement = AgreementFactory(meeting=held, number=1)
    action = FollowUpActionFactory(agreement=agreement)

    users: dict[str, Any] = {role: UserFactory(username=f"m-{role}", roles=[role], language="en") for role in StaffRole}
    network.coordinators.add(users[StaffRole.COORDINATOR])
    users["other-coordinator"] = UserFactory(username="m-other-coord", roles=[StaffRole.COORDINATOR], language="en")
    other_network.coordinators.add(users["other-coordinator"])
    for name, organization in (("portal-member", member), ("portal-outsider", outsider)):
        users[name] = UserFactory(username=f"m-{name}", language="en")
        PortalAccessFactory(user=users[name], organization=organization, role=PortalRole.ADMIN)
    return World(network, other_network, member, outsider, held, planned, board_meeting, agreement, action, users)


def fingerprint() -> dict[str, int]:
    """Row counts of every networks table, history included: unchanged means nothing written."""
    tables = sorted(m._meta.db_table for m in apps.get_models() if m._meta.app_label == "networks")
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _client(client, user):
    client.force_login(user)
    return client


# --- The catalogue ---------------------------------------------------------------------------

READ_PAGES = {
    "networks:meeting_list": lambda w: {},
    "networks:meeting_detail": lambda w: {"pk": w.held.pk},
    "networks:followup_action_list": lambda w: {},
}
FORM_PAGES = {
    "networks:meeting_create": lambda w: {},
    "networks:meeting_edit": lambda w: {"pk": w.planned.pk},
    "networks:meeting_attendance": lambda w: {"pk": w.held.pk},
    "networks:agreement_create": lambda w: {"pk": w.held.pk},
    "networks:agreement_edit": lambda w: {"pk": w.agreement.pk},
    "networks:followup_action_create": lambda w: {"pk": w.agreement.pk},
    "networks:followup_action_edit": lambda w: {"pk": w.action.pk},
}
POST_ONLY = {
    "networks:meeting_cancel": lambda w: {"pk": w.planned.pk},
    "networks:meeting_mark_held": lambda w: {"pk": w.planned.pk},
    "networks:followup_action_status": lambda w: {"pk": w.action.pk},
}


def test_every_route_of_the_area_is_walked_here():
    declared = {**views_meetings.ACCESS, **portal_meetings.ACCESS, **api_meetings.ACCESS}
    walked = {*READ_PAGES, *FORM_PAGES, *POST_ONLY, *PORTAL_PAGES, *(f"api-v1:{n}" for n in API_ROUTES)}
    assert set(declared) == walked
    assert {name for name, level in declared.items() if level == ACCESS_STAFF} == set(READ_PAGES)
    assert {name for name, level in declared.items() if level == ACCESS_STAFF_ROLES} == {*FORM_PAGES, *POST_ONLY}
    assert {name for name, level in declared.items() if level == ACCESS_PORTAL} == set(PORTAL_PAGES)
    assert {name for name, level in declared.items() if level == ACCESS_API} == {f"api-v1:{n}" for n in API_ROUTES}


# --- Dashboard -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(READ_PAGES))
def test_every_staff_role_reads_and_others_are_refused(client, world, name):
    url = reverse(name, kwargs=READ_PAGES[name](world))
    for role in StaffRole:
        assert _client(client, world.users[role]).get(url).status_code == 200, role
    assert _client(client, world.users["other-coordinator"]).get(url).status_code == 200
    assert _client(client, world.users["portal-member"]).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("name", sorted(FORM_PAGES))
def test_forms_open_for_admins_and_the_networks_coordinator_only(client, world, name):
    url = reverse(name, kwargs=FORM_PAGES[name](world))
    assert _client(client, world.users[StaffRole.ADMIN]).get(url).status_code == 200
    assert _client(client, world.users[StaffRole.COORDINATOR]).get(url).status_code == 200
    refused = [world.users[r] for r in StaffRole if r not in (StaffRole.ADMIN, StaffRole.COORDINATOR)]
    if name != "networks:meeting_create":
        # Create lists only the user's own networks; every other page is a record of network A.
        refused.append(world.users["other-coordinator"])
    for user in [*refused, world.users["portal-member"]]:
        assert _client(client, user).get(url).status_code == 403, user.username
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("name", sorted({**FORM_PAGES, **POST_ONLY}))
def test_other_roles_and_other_coordinators_cannot_post_and_nothing_changes(client, world, name):
    url = reverse(name, kwargs={**FORM_PAGES, **POST_ONLY}[name](world))
    before = fingerprint()
    data = {"reason": "x", "status": "done", "text": "x", "network": world.network.pk, "title": "x"}
    data.update(starts_at="2020-01-01T10:00", modality="in_person", place="Lima")
    refused = [world.users[StaffRole.VIEWER], world.users["portal-member"]]
    if name == "networks:meeting_create":
        # The other coordinator may plan meetings, but network A is not among the choices.
        response = _client(client, world.users["other-coordinator"]).post(url, data)
        assert response.status_code == 200 and "network" in response.context["form"].errors
    else:
        refused.append(world.users["other-coordinator"])
    for user in refused:
        assert _client(client, user).post(url, data).status_code == 403
    client.logout()
    assert client.post(url, {"reason": "x"}).status_code == 302
    assert fingerprint() == before


def test_coordinator_cannot_open_a_clac_body_meeting_for_change(client, world):
    url = reverse("networks:meeting_edit", kwargs={"pk": world.board_meeting.pk})
    assert _client(client, world.users[StaffRole.COORDINATOR]).get(url).status_code == 403
    assert _client(client, world.users[StaffRole.ADMIN]).get(url).status_code == 200


def test_unknown_meeting_is_a_404(client, world):
    url = reverse("networks:meeting_detail", kwargs={"pk": 987654})
    assert _client(client, world.users[StaffRole.ADMIN]).get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "kwargs", "data"),
    [
        ("networks:meeting_create", lambda w: {}, {"network": "", "body": "", "title": "", "modality": "hybrid"}),
        (
            "networks:meeting_create",
            lambda w: {},
            {"network": "1", "title": "x", "starts_at": "mañana", "modality": "x"},
        ),
        (
            "networks:meeting_edit",
            lambda w: {"pk": w.planned.pk},
            {"title": "x", "starts_at": "2030-01-01T10:00", "modality": "hybrid", "place": ""},
        ),
        ("networks:agreement_create", lambda w: {"pk": w.planned.pk}, {"text": "Acuerdo de una reunión no celebrada"}),
        ("networks:agreement_create", lambda w: {"pk": w.held.pk}, {"text": "Duplicado", "number": "1"}),
        (
            "networks:followup_action_create",
            lambda w: {"pk": w.agreement.pk},
            {"description": "", "owner": "user:999999", "due_date": "x"},
        ),
        ("networks:meeting_attendance", lambda w: {"pk": w.held.pk}, {"organizations": ["999999"]}),
    ],
)
def test_bad_input_shows_errors_and_changes_nothing(client, world, name, kwargs, data):
    before = fingerprint()
    response = _client(client, world.users[StaffRole.COORDINATOR]).post(reverse(name, kwargs=kwargs(world)), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert fingerprint() == before


def test_cancelling_a_held_meeting_is_refused_with_a_message(client, world):
    before = fingerprint()
    url = reverse("networks:meeting_cancel", kwargs={"pk": world.held.pk})
    response = _client(client, world.users[StaffRole.ADMIN]).post(url, {"reason": "x"}, follow=True)
    assert "Only a planned meeting can be cancelled." in response.content.decode()
    assert fingerprint() == before


def test_coordinator_plans_records_and_follows_up_through_the_pages(client, world):
    c = _client(client, world.users[StaffRole.COORDINATOR])
    response = c.post(
        reverse("networks:meeting_create"),
        {
            "network": world.network.pk,
            "title": "Reunión de la red",
            "starts_at": "2020-05-04T10:00",
            "modality": "virtual",
            "online_url": "https://meet.example/abc",
            "agenda": "1. Informe",
            "minutes": "## Acta\n\n<script>alert(1)</script> **bien**",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(title="Reunión de la red")
    assert c.post(reverse("networks:meeting_mark_held", kwargs={"pk": meeting.pk})).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD

    member = world.member
    assert (
        c.post(
            reverse("networks:meeting_attendance", kwargs={"pk": meeting.pk}), {"organizations": [member.pk]}
        ).status_code
        == 302
    )
    assert list(MeetingAttendance.objects.filter(meeting=meeting).values_list("organization_id", flat=True)) == [
        member.pk
    ]

    assert (
        c.post(reverse("networks:agreement_create", kwargs={"pk": meeting.pk}), {"text": "Aprobar"}).status_code == 302
    )
    agreement = Agreement.objects.get(meeting=meeting)
    due = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    owner = f"user:{world.users[StaffRole.COORDINATOR].pk}"
    response = c.post(
        reverse("networks:followup_action_create", kwargs={"pk": agreement.pk}),
        {"description": "Enviar", "owner": owner, "due_date": due},
    )
    assert response.status_code == 302
    action = FollowUpAction.objects.get(agreement=agreement)
    c.post(reverse("networks:followup_action_status", kwargs={"pk": action.pk}), {"status": "done", "next": "actions"})
    action.refresh_from_db()
    assert action.status == "done" and action.completed_on == timezone.localdate()

    page = c.get(reverse("networks:meeting_detail", kwargs={"pk": meeting.pk})).content.decode()
    assert "<strong>bien</strong>" in page
    assert "<script>alert(1)</script>" not in page


def test_follow_up_page_opens_on_a_coordinators_networks_with_overdue_first(client, world):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    overdue = FollowUpActionFactory(agreement=world.agreement, due_date=yesterday, description="Atrasada")
    elsewhere = FollowUpActionFactory(due_date=yesterday, description="De otra red")
    response = _client(client, world.users[StaffRole.COORDINATOR]).get(reverse("networks:followup_action_list"))
    rows = [row["action"] for row in response.context["rows"]]
    assert rows == [overdue, world.action]
    assert elsewhere not in rows
    response = client.get(reverse("networks:followup_action_list"), {"scope": "all"})
    assert elsewhere in [row["action"] for row in response.context["rows"]]


# --- Portal ----------------------------------------------------------------------------------

PORTAL_PAGES = {
    "networks_portal:meeting_list": lambda w: {},
    "networks_portal:meeting_detail": lambda w: {"pk": w.held.pk},
}


def test_portal_user_of_a_member_sees_its_meetings(client, world):
    c = _client(client, world.users["portal-member"])
    response = c.get(reverse("networks_portal:meeting_list"))
    assert response.status_code == 200
    assert [m.pk for m in response.context["upcoming"]] == [world.planned.pk]
    assert [m.pk for m in response.context["past"]] == [world.held.pk]
    detail = c.get(reverse("networks_portal:meeting_detail", kwargs={"pk": world.held.pk}))
    assert detail.status_code == 200
    assert "<h2>Acta</h2>" in detail.content.decode()


def test_portal_user_of_an_organization_not_invited_gets_404(client, world):
    c = _client(client, world.users["portal-outsider"])
    assert c.get(reverse("networks_portal:meeting_list")).context["past"] == []
    for meeting in (world.held, world.planned, world.board_meeting):
        assert c.get(reverse("networks_portal:meeting_detail", kwargs={"pk": meeting.pk})).status_code == 404


@pytest.mark.parametrize("name", sorted(PORTAL_PAGES))
def test_staff_without_portal_access_and_anonymous_are_refused_in_the_portal(client, world, name):
    url = reverse(name, kwargs=PORTAL_PAGES[name](world))
    assert _client(client, world.users[StaffRole.ADMIN]).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


# --- API -------------------------------------------------------------------------------------

API_ROUTES = {
    "meeting-list": lambda w: {},
    "meeting-detail": lambda w: {"pk": w.held.pk},
    "meeting-cancel": lambda w: {"pk": w.planned.pk},
    "meeting-held": lambda w: {"pk": w.planned.pk},
    "meeting-attendance": lambda w: {"pk": w.held.pk},
    "meeting-agreement-list": lambda w: {},
    "meeting-agreement-detail": lambda w: {"pk": w.agreement.pk},
    "followup-action-list": lambda w: {},
    "followup-action-detail": lambda w: {"pk": w.action.pk},
}
API_READS = (
    "meeting-list",
    "meeting-detail",
    "meeting-agreement-list",
    "meeting-agreement-detail",
    "followup-action-list",
    "followup-action-detail",
)


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _partner() -> APIClient:
    _key, raw = api_key_create(
        partner=ExternalPartnerFactory(name="Partner M"), name="m", scopes=["directory:read", "stats:read"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.mark.parametrize("name", API_READS)
def test_api_reads_are_for_staff_only(world, name):
    url = reverse(f"api-v1:{name}", kwargs=API_ROUTES[name](world))
    assert _api(world.users[StaffRole.VIEWER]).get(url).status_code == 200
    assert _api(world.users["portal-member"]).get(url).status_code == 403
    assert _partner().get(url).status_code == 403
    assert _api().get(url).status_code in (401, 403)


@pytest.mark.parametrize("name", sorted(API_ROUTES))
def test_api_writes_refused_to_other_coordinators_readers_partners_and_change_nothing(world, name):
    url = reverse(f"api-v1:{name}", kwargs=API_ROUTES[name](world))
    method = {"meeting-attendance": "put", "meeting-cancel": "post", "meeting-held": "post"}.get(name)
    if method is None:
        method = "post" if name.endswith("-list") else "patch"
    before = fingerprint()
    for client in (
        _api(world.users["other-coordinator"]),
        _api(world.users[StaffRole.VIEWER]),
        _api(world.users["portal-member"]),
        _partner(),
    ):
        response = getattr(client, method)(url, {"reason": "x", "text": "x", "meeting": world.held.pk}, format="json")
        if name.endswith("-list") and client is not None:
            # A create names its meeting or agreement: refused as 403 (role) or by the helper.
            assert response.status_code in (400, 403), response.content
        else:
            assert response.status_code == 403, (name, response.content)
    assert fingerprint() == before


def test_api_staff_plan_change_and_follow_up(world):
    coordinator = _api(world.users[StaffRole.COORDINATOR])
    created = coordinator.post(
        reverse("api-v1:meeting-list"),
        {
            "network": world.network.pk,
            "title": "API",
            "starts_at": "2031-01-01T10:00:00Z",
            "modality": "virtual",
            "online_url": "https://meet.example/a",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    meeting_id = created.json()["id"]
    assert created.json()["network"] == {"id": world.network.pk, "name": "Red Perú"}
    changed = coordinator.patch(
        reverse("api-v1:meeting-detail", kwargs={"pk": meeting_id}), {"agenda": "1. Nueva"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["agenda"] == "1. Nueva"

    refused = _api(world.users["other-coordinator"]).post(
        reverse("api-v1:meeting-list"),
        {
            "network": world.network.pk,
            "title": "No",
            "starts_at": "2031-01-01T10:00:00Z",
            "modality": "virtual",
            "online_url": "https://x.example",
        },
        format="json",
    )
    assert refused.status_code == 403

    before = fingerprint()
    bad = coordinator.post(
        reverse("api-v1:meeting-list"),
        {"network": world.network.pk, "title": "", "starts_at": "2031-01-01T10:00:00Z", "modality": "hybrid"},
        format="json",
    )
    assert bad.status_code == 400
    assert fingerprint() == before

    action_url = reverse("api-v1:followup-action-detail", kwargs={"pk": world.action.pk})
    done = coordinator.patch(action_url, {"status": "done"}, format="json")
    assert done.status_code == 200 and done.json()["completed_on"] == timezone.localdate().isoformat()

    detail = coordinator.get(reverse("api-v1:meeting-detail", kwargs={"pk": world.held.pk})).json()
    assert detail["agreements"][0]["actions"][0]["status"] == "done"
    assert detail["attendance"][0]["organization"]["name"] == "Cooperativa Miembro"
    assert "<h2>Acta</h2>" in detail["minutes_html"]


# --- Query counts ----------------------------------------------------------------------------


@pytest.fixture
def many(world):
    """Enough rows of every kind to show an N+1: meetings of bodies and networks, with
    attendance, agreements and actions owned by people and staff."""
    board = ClacBodyFactory()
    for index in range(30):
        meeting = MeetingFactory(
            network=None if index % 2 else world.network,
            body=board if index % 2 else None,
            starts_at=days_from_now(-index - 1),
        )
        MeetingAttendanceFactory(meeting=meeting, person=PersonFactory())
        agreement = AgreementFactory(meeting=meeting, number=1)
        FollowUpActionFactory(agreement=agreement, due_date=timezone.localdate() - datetime.timedelta(days=index))
        FollowUpActionFactory(agreement=agreement, owner_person=None, owner_user=world.users[StaffRole.ADMIN])
        PlannedMeetingFactory(network=world.network, starts_at=days_from_now(index + 1))
    return world


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("networks:meeting_list", {}),
        ("networks:meeting_list", {"when": "upcoming", "network": "NETWORK"}),
        ("networks:followup_action_list", {}),
        ("networks:followup_action_list", {"overdue": "on", "status": "all"}),
    ],
)
def test_dashboard_lists_cost_constant_queries(client, many, django_assert_max_num_queries, name, params):
    params = {k: (many.network.pk if v == "NETWORK" else v) for k, v in params.items()}
    c = _client(client, many.users[StaffRole.ADMIN])
    with django_assert_max_num_queries(12):
        response = c.get(reverse(name), params)
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) >= 20


def test_meeting_page_costs_constant_queries(client, many, django_assert_max_num_queries):
    for _ in range(10):
        MeetingAttendanceFactory(meeting=many.held, person=PersonFactory())
        FollowUpActionFactory(agreement=many.agreement)
    c = _client(client, many.users[StaffRole.COORDINATOR])
    with django_assert_max_num_queries(12):
        assert c.get(reverse("networks:meeting_detail", kwargs={"pk": many.held.pk})).status_code == 200


def test_portal_meetings_cost_constant_queries(client, many, django_assert_max_num_queries):
    c = _client(client, many.users["portal-member"])
    with django_assert_max_num_queries(14):
        response = c.get(reverse("networks_portal:meeting_list"))
    assert len(response.context["upcoming"]) == 20


@pytest.mark.parametrize("name", ["meeting-list", "meeting-agreement-list", "followup-action-list"])
def test_api_lists_cost_constant_queries(many, django_assert_max_num_queries, name):
    client = _api(many.users[StaffRole.ADMIN])
    with django_assert_max_num_queries(8):
        response = client.get(reverse(f"api-v1:{name}"))
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 30


def test_network_section_costs_constant_queries(many, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        section = network_section(network=many.network)
    assert len(section["upcoming_meetings"]) == 3
    assert section["open_actions"] >= 15
    assert section["overdue_actions"] >= 1
