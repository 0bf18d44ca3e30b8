"""Reads of the governance area: the access helpers of bodies, mandates and seats, a body's
current mandate and seats, terms ending soon, and what the network page, the governance
page, the dashboard home, the portal and the partner API show. Every list costs a constant
number of queries.

A mandate is current while `start <= today <= end`; a seat while `term_start <= today <=
term_end` (both ends are days in office). Every staff role reads every body; who may change
one is `network_can_change(user, body.network)` (CLAC's own bodies: administrators)."""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Window
from django.http import Http404
from django.utils import timezone

from clac.roles import user_is_staff_member
from members.models import Organization, Subregion
from networks.models import Body, Mandate, Network, Seat
from networks.selectors.networks import network_can_change

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "ENDING_SOON_DAYS",
    "OFFICER_ROLES",
    "WORKERS_SUBREGIONS",
    "bodies_with_current_seats",
    "body_detail_context",
    "body_get_for_user",
    "body_list",
    "current_mandate",
    "current_seats",
    "governance_home_context",
    "governance_overview",
    "mandate_get_for_user",
    "network_section",
    "organization_representation",
    "partner_body_list",
    "partner_body_rows",
    "seat_get_for_user",
    "seats_ending_soon",
    "workers_subregion_of",
]

# Terms ending within this many days are flagged (dashboard badge, home panel, list).
ENDING_SOON_DAYS = 30
# A mandate has at most one of each among the seats in office at the same time.
OFFICER_ROLES = frozenset({Seat.Role.CHAIR, Seat.Role.SECRETARY, Seat.Role.TREASURER})
# The workers network's three subregions (its coordinating committee: 2 workers from each).
WORKERS_SUBREGIONS: tuple[str, ...] = (
    Subregion.ANDEAN,
    Subregion.CENTRAL_AMERICA_CARIBBEAN,
    Subregion.SOUTH_AMERICA,
)
# Countries' own subregions folded into the workers network's three: Mexico and the
# Caribbean islands sit with Central America there.
_WORKERS_SUBREGION_OF: dict[str, str] = {
    Subregion.ANDEAN: Subregion.ANDEAN,
    Subregion.SOUTH_AMERICA: Subregion.SOUTH_AMERICA,
    Subregion.CENTRAL_AMERICA_CARIBBEAN: Subregion.CENTRAL_AMERICA_CARIBBEAN,
    Subregion.CARIBBEAN: Subregion.CENTRAL_AMERICA_CARIBBEAN,
    Subregion.NORTH_AMERICA: Subregion.CENTRAL_AMERICA_CARIBBEAN,
}
_ROLE_ORDER = {role: index for index, role in enumerate(Seat.Role.values)}


def workers_subregion_of(country_subregion: str) -> str:
    """The workers network's subregion of a country (by the country's own subregion)."""
    return _WORKERS_SUBREGION_OF.get(country_subregion, "")


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def _seat_sort_key(seat: Seat) -> tuple:
    return (_ROLE_ORDER.get(seat.role, 99), seat.subregion, seat.person.last_name, seat.person.first_name, seat.pk)


# --- Access helpers -----------------------------------------------------------------------


def _check_access(user, network: Network | None, *, for_change: bool) -> None:
    if for_change and not network_can_change(user, network):
        raise PermissionDenied


def body_get_for_user(*, user, pk: int, for_change: bool = False) -> Body:
    """One body for a staff member (every staff role reads every body); 404 for anyone else.
    `for_change`: 403 unless `network_can_change(user, body.network)`."""
    if not user_is_staff_member(user):
        raise Http404
    body = Body.objects.select_related("network", "country").filter(pk=pk).first()
    if body is None:
        raise Http404
    _check_access(user, body.network, for_change=for_change)
    return body


def mandate_get_for_user(*, user, pk: int, for_change: bool = False) -> Mandate:
    """One mandate, with its body, under the rules of body_get_for_user."""
    if not user_is_staff_member(user):
        raise Http404
    mandate = Mandate.objects.select_related("body", "body__network", "body__country").filter(pk=pk).first()
    if mandate is None:
        raise Http404
    _check_access(user, mandate.body.network, for_change=for_change)
    return mandate


def seat_get_for_user(*, user, pk: int, for_change: bool = False) -> Seat:
    """One seat, with its holder, organization, mandate and body, under the rules of
    body_get_for_user."""
    if not user_is_staff_member(user):
        raise Http404
    seat = (
        Seat.objects.select_related(
            "person", "organization", "organization__country", "mandate", "mandate__body", "mandate__body__network"
        )
        .filter(pk=pk)
        .first()
    )
    if seat is None:
        raise Http404
    _check_access(user, seat.mandate.body.network, for_change=for_change)
    return seat


# --- Current mandates and seats -----------------------------------------------------------


def _current_mandates(today: datetime.date) -> QuerySet[Mandate]:
    return Mandate.objects.filter(start__lte=today, end__gte=today)


def _current_seat_filter(today: datetime.date) -> Q:
    return Q(term_start__lte=today, term_end__gte=today)


def current_mandate(*, body: Body, today: datetime.date | None = None) -> Mandate | None:
    return _current_mandates(_today(today)).filter(body=body).first()


def current_seats(*, mandate: Mandate, today: datetime.date | None = None) -> list[Seat]:
    """The seats of the mandate in office today, chair first."""
    seats = list(
        mandate.seats.filter(_current_seat_filter(_today(today))).select_related(
            "person", "organization", "organization__country"
        )
    )
    return sorted(seats, key=_seat_sort_key)


def bodies_with_current_seats(bodies: Iterable[Body], *, today: datetime.date | None = None) -> list[Body]:
    """The bodies, each with `current_mandate` (or None) and `current_seats` (chair first,
    each with `ends_in_days`), in two queries whatever the number of bodies."""
    today = _today(today)
    bodies = list(bodies)
    mandates = {m.body_id: m for m in _current_mandates(today).filter(body__in=[b.pk for b in bodies])}
    seats_by_mandate: dict[int, list[Seat]] = defaultdict(list)
    if mandates:
        seats = Seat.objects.filter(
            _current_seat_filter(today), mandate__in=[m.pk for m in mandates.values()]
        ).select_related("person", "organization", "organization__country")
        for seat in seats:
            seat.ends_in_days = _ends_in_days(seat, today)
            seats_by_mandate[seat.mandate_id].append(seat)
    for body in bodies:
        body.current_mandate = mandates.get(body.pk)
        body.current_seats = (
            sorted(seats_by_mandate[body.current_mandate.pk], key=_seat_sort_key) if body.current_mandate else []
        )
    return bodies


def _ends_in_days(seat: Seat, today: datetime.date) -> int | None:
    """Days left in a term ending within ENDING_SOON_DAYS (0: today is the last day), else None."""
    days = (seat.term_end - today).days
    return days if 0 <= days <= ENDING_SOON_DAYS else None


def seats_ending_soon(*, days: int = ENDING_SOON_DAYS, today: datetime.date | None = None) -> QuerySet[Seat]:
    """Seats whose term ends within `days` (today included), soonest first; the seat_term_end
    index serves the range and the order."""
    today = _today(today)
    return (
        Seat.objects.filter(term_end__gte=today, term_end__lte=today + datetime.timedelta(days=days))
        .filter(term_start__lte=today)
        .select_related("person", "organization", "mandate", "mandate__body", "mandate__body__network")
        .order_by("term_end", "id")
    )


# --- Pages --------------------------------------------------------------------------------


def network_section(*, network: Network) -> dict[str, Any] | None:
    """The governance part of a network's dashboard page: its bodies with their current
    mandate and seats (three queries)."""
    bodies = Body.objects.filter(network=network).select_related("country").order_by("kind", "name", "id")
    return {
        "bodies": bodies_with_current_seats(bodies),
        "ending_soon_days": ENDING_SOON_DAYS,
    }


def governance_overview(*, today: datetime.date | None = None) -> dict[str, Any]:
    """CLAC's own bodies (General Assembly, Board, Oversight Committee) with their current
    mandate and seats, and every network's bodies as a list of links, grouped by network."""
    clac_bodies = Body.objects.filter(network__isnull=True).order_by("kind", "name", "id")
    # CLAC's bodies in their statutory order: Assembly, Board, Oversight.
    order: dict[str, int] = {kind: index for index, kind in enumerate(Body.CLAC_KINDS)}
    bodies = sorted(bodies_with_current_seats(clac_bodies, today=today), key=lambda b: (order.get(b.kind, 9), b.name))
    network_bodies = Body.objects.filter(network__isnull=False).select_related("network", "country")
    by_network: dict[int | None, dict[str, Any]] = {}
    for body in network_bodies.order_by("network__kind", "network__name", "kind", "name", "id"):
        entry = by_network.setdefault(body.network_id, {"network": body.network, "bodies": []})
        entry["bodies"].append(body)
    return {"clac_bodies": bodies, "networks": list(by_network.values()), "ending_soon_days": ENDING_SOON_DAYS}


def body_list(*, filters: dict[str, Any] | None = None, today: datetime.date | None = None) -> QuerySet[Body]:
    """Bodies for the staff list. Filters: network (a Network, or "clac" for CLAC's own), kind.
    Each row carries its current mandate's dates and current seat count (subqueries: the page
    costs the same with any number of bodies). Ordered by the (network, name) unique index."""
    filters = filters or {}
    today = _today(today)
    queryset = Body.objects.select_related("network", "country")
    network = filters.get("network")
    if network == "clac":
        queryset = queryset.filter(network__isnull=True)
    elif isinstance(network, Network):
        queryset = queryset.filter(network=network)
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    current = _current_mandates(today).filter(body=OuterRef("pk"))
    seat_count = (
        Seat.objects.filter(_current_seat_filter(today), mandate=OuterRef("pk"))
        .order_by()
        .values("mandate")
        .annotate(count=Count("id"))
        .values("count")
    )
    current_with_count = current.annotate(seat_count=Subquery(seat_count))
    return queryset.annotate(
        current_start=Subquery(current.values("start")[:1]),
        current_end=Subquery(current.values("end")[:1]),
        current_seat_count=Subquery(current_with_count.values("seat_count")[:1]),
    ).order_by("network_id", "name", "id")


def body_detail_context(*, body: Body, mandate_id: int | None = None, today: datetime.date | None = None) -> dict:
    """A body's page: its mandates (newest first), the one shown (asked for, else the current,
    else the newest) and its seats, each with `is_current` and `ends_in_days`."""
    today = _today(today)
    mandates = list(body.mandates.annotate(seat_count=Count("seats")).order_by("-start"))
    for mandate in mandates:
        mandate.is_current = mandate.start <= today <= mandate.end
    selected = next((m for m in mandates if m.pk == mandate_id), None) if mandate_id else None
    selected = selected or next((m for m in mandates if m.is_current), None) or (mandates[0] if mandates else None)
    seats: list[Seat] = []
    if selected is not None:
        seats = list(selected.seats.select_related("person", "organization", "organization__country"))
        for seat in seats:
            seat.is_current = seat.term_start <= today <= seat.term_end
            seat.ends_in_days = _ends_in_days(seat, today) if seat.is_current else None
        # Seats in office first (chair first), then past and future ones.
        seats.sort(key=lambda s: (not s.is_current, *_seat_sort_key(s)))
    return {
        "mandates": mandates,
        "mandate": selected,
        "seats": seats,
        "subregion_counts": _subregion_counts(body, seats),
        "ending_soon_days": ENDING_SOON_DAYS,
    }


def _subregion_counts(body: Body, seats: list[Seat]) -> list[tuple["StrOrPromise", int, int]]:
    """(subregion label, seats in office, seats allowed) for a body with seats per subregion."""
    if not body.seats_per_subregion:
        return []
    in_office = Counter(s.subregion for s in seats if s.is_current)
    return [(Subregion(s).label, in_office[s], body.seats_per_subregion) for s in WORKERS_SUBREGIONS]


def governance_home_context(*, today: datetime.date | None = None) -> dict[str, Any]:
    """The dashboard home panel: how many terms end within ENDING_SOON_DAYS, and the first few,
    in one query (the count rides on each row as a window over the whole range)."""
    first = list(seats_ending_soon(today=today).annotate(total=Window(Count("id")))[:5])
    today = _today(today)
    for seat in first:
        seat.ends_in_days = (seat.term_end - today).days
    return {"ending_count": first[0].total if first else 0, "ending_first": first}


# --- Portal -------------------------------------------------------------------------------


def organization_representation(*, organization: Organization, today: datetime.date | None = None) -> QuerySet[Seat]:
    """The organization's current seats (its people in office today in a current mandate of
    any body), with holder, body and network; only this organization's seats."""
    today = _today(today)
    return (
        Seat.objects.filter(
            _current_seat_filter(today),
            organization=organization,
            mandate__start__lte=today,
            mandate__end__gte=today,
        )
        .select_related("person", "mandate", "mandate__body", "mandate__body__network", "mandate__body__country")
        .order_by("term_end", "id")
    )


# --- Partner API --------------------------------------------------------------------------


def partner_body_list(*, filters: dict[str, Any] | None = None, today: datetime.date | None = None) -> QuerySet[Body]:
    """Bodies with a current mandate (partners read who sits where today). Filters: network
    (id), kind."""
    filters = filters or {}
    today = _today(today)
    queryset = Body.objects.filter(Exists(_current_mandates(today).filter(body=OuterRef("pk"))))
    if filters.get("network"):
        queryset = queryset.filter(network_id=filters["network"])
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    return queryset.select_related("network", "country").order_by("network_id", "name", "id")


def partner_body_rows(bodies: list[Body], *, today: datetime.date | None = None) -> list[Body]:
    """The page's bodies with `current_mandate` and `current_seats` (holder, organization and
    its country loaded), in two queries."""
    return bodies_with_current_seats(bodies, today=today)
