"""Reads of the meetings area: the access helpers (meeting, agreement, follow-up action), the
meeting and follow-up lists, who is invited, and the meetings part of a network's page.

Who reads what:
- dashboard and API (no `organization`): every staff role reads every meeting; changing one
  needs `network_can_change` for the meeting's network (403 otherwise). Anyone else: 404.
- portal (`organization` given, the portal's current organization): the user must have a
  portal access to it, and only meetings that organization is invited to are found (404 for
  any other, so the portal never reveals one). The portal never changes meetings.

Invited organizations (portal): the members of the network for a network's meeting (current
NetworkMembership, `until` empty), and for a body's meeting the organizations represented by a
seat of that body whose term covers the meeting's date."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from clac.roles import StaffRole, user_has_any_role, user_is_staff_member
from members.models import Organization
from members.selectors.access import access_scope
from networks.models import (
    Agreement,
    Body,
    FollowUpAction,
    Meeting,
    MeetingAttendance,
    Network,
    NetworkMembership,
    Seat,
)
from networks.selectors.networks import network_can_change, network_ids_coordinated_by

__all__ = [
    "MeetingFilters",
    "agreement_get_for_user",
    "followup_action_get_for_user",
    "followup_action_list",
    "followup_actions_overdue",
    "meeting_detail_context",
    "meeting_get_for_user",
    "meeting_invited_organization_ids",
    "meeting_list",
    "meeting_network",
    "meetings_for_organization",
    "network_section",
]

NETWORK_SECTION_MEETINGS = 3


def meeting_network(meeting: Meeting) -> Network | None:
    """The network whose records the meeting is (None: a CLAC body's meeting)."""
    if meeting.network_id is not None:
        return meeting.network
    assert meeting.body is not None  # a meeting belongs to a network or to a body
    return meeting.body.network


def meeting_can_change(user, meeting: Meeting) -> bool:
    if meeting.network_id is not None:
        return network_can_change(user, meeting.network)
    body = meeting.body
    assert body is not None  # a meeting belongs to a network or to a body
    return network_can_change(user, body.network if body.network_id is not None else None)


# --- Base querysets -------------------------------------------------------------------------


def _meetings() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("network", "body", "body__network")


def meetings_for_organization(organization: Organization) -> QuerySet[Meeting]:
    """The meetings `organization` is invited to (see the module's docstring), any status."""
    current_networks = NetworkMembership.objects.filter(organization=organization, until__isnull=True).values(
        "network_id"
    )
    seat_covers_date = Seat.objects.filter(
        mandate__body_id=OuterRef("body_id"),
        organization=organization,
        term_start__lte=OuterRef("starts_on"),
        term_end__gte=OuterRef("starts_on"),
    )
    return (
        _meetings()
        .annotate(starts_on=TruncDate("starts_at"))
        .filter(Q(network_id__in=current_networks) | Q(body_id__isnull=False) & Exists(seat_covers_date))
    )


def meeting_invited_organization_ids(meeting: Meeting, *, organization_ids: Iterable[int] | None = None) -> set[int]:
    """Organizations invited to the meeting on its date (attendance may list only these):
    members of the network on that date, or represented by a seat of the body whose term
    covers it. Limited to `organization_ids` when given (one query either way)."""
    on = timezone.localtime(meeting.starts_at).date()
    rows: QuerySet[NetworkMembership] | QuerySet[Seat]
    if meeting.network_id is not None:
        rows = NetworkMembership.objects.filter(network_id=meeting.network_id, since__lte=on).filter(
            Q(until__isnull=True) | Q(until__gte=on)
        )
    else:
        assert meeting.body_id is not None  # a meeting belongs to a network or to a body
        rows = Seat.objects.filter(mandate__body_id=meeting.body_id, term_start__lte=on, term_end__gte=on)
    if organization_ids is not None:
        ids = list(organization_ids)
        if not ids:
            return set()
        rows = rows.filter(organization_id__in=ids)
    return set(rows.values_list("organization_id", flat=True))


def meeting_invited_organizations(meeting: Meeting) -> QuerySet[Organization]:
    """The invited organizations by name, with only what the attendance form shows (the id
    and the name: a network meeting invites thousands)."""
    return (
        Organization.objects.filter(pk__in=meeting_invited_organization_ids(meeting))
        .only("id", "name")
        .order_by("name", "id")
    )


def meeting_seats(meeting: Meeting) -> list[Seat]:
    """A body meeting's seat holders on its date (the attendance form lists them)."""
    if meeting.body_id is None:
        return []
    on = timezone.localtime(meeting.starts_at).date()
    return list(
        Seat.objects.filter(mandate__body_id=meeting.body_id, term_start__lte=on, term_end__gte=on)
        .select_related("person", "organization")
        .order_by("person__last_name", "person__first_name", "id")
    )


# --- Access helpers -------------------------------------------------------------------------


def _scope(user, organization: Organization | None) -> Organization | None:
    """None for staff (dashboard, API), the organization for the portal; 404 for anyone else."""
    return access_scope(user=user, organization=organization)


def meeting_get_for_user(
    *, user, pk: int, organization: Organization | None = None, for_change: bool = False
) -> Meeting:
    scope = _scope(user, organization)
    queryset = meetings_for_organization(scope) if scope is not None else _meetings()
    meeting = queryset.filter(pk=pk).first()
    if meeting is None:
        raise Http404
    if for_change and (scope is not None or not meeting_can_change(user, meeting)):
        raise PermissionDenied
    return meeting


def agreement_get_for_user(*, user, pk: int, for_change: bool = False) -> Agreement:
    """Staff only (the portal reads agreements through their meeting)."""
    _scope(user, None)
    agreement = (
        Agreement.objects.select_related("meeting", "meeting__network", "meeting__body", "meeting__body__network")
        .filter(pk=pk)
        .first()
    )
    if agreement is None:
        raise Http404
    if for_change and not meeting_can_change(user, agreement.meeting):
        raise PermissionDenied
    return agreement


def followup_action_get_for_user(*, user, pk: int, for_change: bool = False) -> FollowUpAction:
    """Staff only: owners and due dates are CLAC's follow-up, not the portal's."""
    _scope(user, None)
    action = (
        FollowUpAction.objects.select_related(
            "agreement",
            "agreement__meeting",
            "agreement__meeting__network",
            "agreement__meeting__body",
            "agreement__meeting__body__network",
            "owner_person",
            "owner_user",
        )
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404
    if for_change and not meeting_can_change(user, action.agreement.meeting):
        raise PermissionDenied
    return action


# --- Lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingFilters:
    network: Network | None = None
    body: Body | None = None
    when: str = ""  # "upcoming" | "past" | "" (all)
    modality: str = ""
    status: str = ""
    # Meetings of these networks (their own and their bodies'); None: every network.
    network_ids: frozenset[int] | None = None


def _count(model, field: str, **extra: Any) -> Coalesce:
    """A correlated COUNT subquery: counting two relations with joins would multiply rows."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")}, **extra)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _network_q(network_ids: Iterable[int]) -> Q:
    ids = list(network_ids)
    return Q(network_id__in=ids) | Q(body__network_id__in=ids)


def meeting_list(*, filters: MeetingFilters | None = None, now: datetime.datetime | None = None) -> QuerySet[Meeting]:
    """Meetings with their owner and counts, newest first (upcoming: soonest first). Ordered by
    the indexed start and id so the last page costs what the first does."""
    filters = filters or MeetingFilters()
    now = now or timezone.now()
    queryset = _meetings().annotate(
        attendance_count=_count(MeetingAttendance, "meeting", present=True),
        agreement_count=_count(Agreement, "meeting"),
    )
    if filters.network is not None:
        queryset = queryset.filter(_network_q([filters.network.pk]))
    if filters.network_ids is not None:
        queryset = queryset.filter(_network_q(filters.network_ids))
    if filters.body is not None:
        queryset = queryset.filter(body=filters.body)
    if filters.modality:
        queryset = queryset.filter(modality=filters.modality)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.when == "upcoming":
        return queryset.filter(starts_at__gte=now).order_by("starts_at", "id")
    if filters.when == "past":
        queryset = queryset.filter(starts_at__lt=now)
    return queryset.order_by("-starts_at", "-id")


def meeting_detail_context(*, meeting: Meeting) -> dict[str, Any]:
    """What a meeting's page shows, in a fixed number of queries."""
    attendance = list(
        MeetingAttendance.objects.filter(meeting=meeting)
        .select_related("person", "organization")
        .order_by("-present", "organization__name", "person__last_name", "id")
    )
    actions = FollowUpAction.objects.select_related("owner_person", "owner_user").order_by("due_date", "id")
    agreements = list(Agreement.objects.filter(meeting=meeting).prefetch_related(Prefetch("actions", queryset=actions)))
    return {
        "attendance": attendance,
        "present_count": sum(1 for row in attendance if row.present),
        "agreements": agreements,
        "today": timezone.localdate(),
    }


def _actions() -> QuerySet[FollowUpAction]:
    return FollowUpAction.objects.select_related(
        "agreement",
        "agreement__meeting",
        "agreement__meeting__network",
        "agreement__meeting__body",
        "agreement__meeting__body__network",
        "owner_person",
        "owner_user",
    )


def _actions_in_networks(queryset: QuerySet[FollowUpAction], network_ids: Iterable[int]) -> QuerySet:
    ids = list(network_ids)
    return queryset.filter(Q(agreement__meeting__network_id__in=ids) | Q(agreement__meeting__body__network_id__in=ids))


def followup_action_list(
    *,
    network_ids: frozenset[int] | None = None,
    network: Network | None = None,
    status: str = "pending",
    overdue_only: bool = False,
    today: datetime.date | None = None,
) -> QuerySet[FollowUpAction]:
    """Follow-up actions by due date (so the overdue ones come first among pending ones).
    `status`: "pending" (open or in progress), one status, or "" for all. `network_ids`
    limits to meetings of those networks and their bodies (None: all, CLAC bodies included)."""
    today = today or timezone.localdate()
    queryset = _actions()
    if network_ids is not None:
        queryset = _actions_in_networks(queryset, network_ids)
    if network is not None:
        queryset = _actions_in_networks(queryset, [network.pk])
    if status == "pending" or overdue_only:
        queryset = queryset.filter(status__in=FollowUpAction.PENDING_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if overdue_only:
        queryset = queryset.filter(due_date__lt=today)
    return queryset.order_by("due_date", "id")


def followup_actions_overdue(*, user, today: datetime.date | None = None) -> QuerySet[FollowUpAction]:
    """Overdue actions (due before today, still open or in progress) a user should chase: an
    administrator all of them, a coordinator those of the networks they coordinate, anyone
    else none."""
    if user_has_any_role(user, [StaffRole.ADMIN]):
        return followup_action_list(overdue_only=True, today=today)
    if user_has_any_role(user, [StaffRole.COORDINATOR]):
        return followup_action_list(network_ids=network_ids_coordinated_by(user), overdue_only=True, today=today)
    return FollowUpAction.objects.none()


def default_action_scope(user) -> frozenset[int] | None:
    """The follow-up page opens on a coordinator's own networks; others see every action."""
    if user_is_staff_member(user) and not user_has_any_role(user, [StaffRole.ADMIN]):
        coordinated = network_ids_coordinated_by(user)
        if coordinated:
            return coordinated
    return None


# --- The network's page ---------------------------------------------------------------------


def network_section(*, network: Network) -> dict[str, Any] | None:
    """The meetings part of a network's dashboard page: the next and the latest meetings (its
    own and its bodies'), and how many follow-up actions are open and overdue. Four queries."""
    now = timezone.now()
    today = timezone.localdate()
    owned = _meetings().filter(_network_q([network.pk]))
    upcoming = list(
        owned.filter(starts_at__gte=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts_at", "id")[:NETWORK_SECTION_MEETINGS]
    )
    recent = list(owned.filter(starts_at__lt=now).order_by("-starts_at", "-id")[:NETWORK_SECTION_MEETINGS])
    pending = _actions_in_networks(FollowUpAction.objects.all(), [network.pk]).filter(
        status__in=FollowUpAction.PENDING_STATUSES
    )
    counts = pending.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    return {
        "upcoming_meetings": upcoming,
        "recent_meetings": recent,
        "open_actions": counts["open"],
        "overdue_actions": counts["overdue"],
    }


# --- Portal ---------------------------------------------------------------------------------


def portal_meetings(*, organization: Organization, now: datetime.datetime | None = None) -> dict[str, list[Meeting]]:
    """The portal's meetings page: upcoming meetings the organization is invited to (soonest
    first, cancelled ones included so nobody travels to one) and the latest past ones."""
    now = now or timezone.now()
    invited = meetings_for_organization(organization)
    return {
        "upcoming": list(invited.filter(starts_at__gte=now).order_by("starts_at", "id")[:20]),
        "past": list(invited.filter(starts_at__lt=now, status=Meeting.Status.HELD).order_by("-starts_at", "-id")[:20]),
    }


def portal_meeting_agreements(*, meeting: Meeting) -> list[Agreement]:
    return list(Agreement.objects.filter(meeting=meeting).order_by("number"))


def organization_attended(*, meeting: Meeting, organization: Organization) -> bool:
    return MeetingAttendance.objects.filter(meeting=meeting, organization=organization, present=True).exists()


def bodies_changeable_by(user) -> QuerySet[Body]:
    """Bodies whose meetings the user may plan: every body for administrators, the bodies of
    the networks a coordinator coordinates."""
    queryset = Body.objects.select_related("network").order_by("network__name", "name")
    if user_has_any_role(user, [StaffRole.ADMIN]):
        return queryset
    return queryset.filter(network_id__in=network_ids_coordinated_by(user))
