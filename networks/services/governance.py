"""Writes of the governance area: bodies, their mandates (terms of office) and the seats filled
for each mandate. `<entity>_<action>(*, actor, ...)`, keyword-only, typed, atomic; every rule
is checked before saving and all its errors are reported at once.

Who may write: `network_can_change(actor, body.network)` (administrators everywhere, a
coordinator in the networks they coordinate; CLAC's own bodies, without a network, only
administrators). `actor=None` is the system (demo, commands) and is not checked. Views and the
API also fetch records through the access helpers (networks.selectors.governance), so a
refused write is a 403 there before it reaches these functions."""

import datetime
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from clac.models import User
from members.models import Affiliation, Country, Organization, Person, Subregion
from members.services._common import set_history_user
from networks.models import Body, Mandate, Network, Seat
from networks.selectors.governance import OFFICER_ROLES, WORKERS_SUBREGIONS, workers_subregion_of
from networks.selectors.networks import network_can_change

__all__ = [
    "body_create",
    "body_update",
    "mandate_create",
    "mandate_update",
    "seat_create",
    "seat_end",
    "seat_update",
]

# The workers' coordinating committee: 2 workers from each of the 3 subregions (DESIGN §1).
WORKERS_COORDINATING_SEATS_PER_SUBREGION = 2
# One body of these kinds per network (CLAC's own: one of each for CLAC).
_ONE_PER_NETWORK = frozenset(
    {
        Body.Kind.GENERAL_ASSEMBLY,
        Body.Kind.BOARD,
        Body.Kind.OVERSIGHT,
        Body.Kind.NETWORK_ASSEMBLY,
        Body.Kind.WORKERS_COORDINATING,
    }
)
_WORKERS_KINDS = frozenset({Body.Kind.NATIONAL_WORKERS, Body.Kind.WORKERS_COORDINATING})

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _require_change(actor: User | None, network: Network | None) -> None:
    if actor is not None and not network_can_change(actor, network):
        raise PermissionDenied(_("You cannot change the bodies of this network."))


def _period(start: datetime.date, end: datetime.date) -> str:
    return f"{start.year}\N{EN DASH}{end.year}"


# --- Bodies -------------------------------------------------------------------------------


def _check_body(
    errors: Errors,
    *,
    body: Body | None,
    kind: str,
    name: str,
    network: Network | None,
    country: Country | None,
    seats_per_subregion: int | None,
) -> None:
    if kind not in Body.Kind.values:
        _add(errors, "kind", _("Unknown kind of body."))
        return
    if not name:
        _add(errors, "name", _("Give the body a name."))
    elif len(name) > cast(int, Body._meta.get_field("name").max_length):  # a CharField: always set
        _add(errors, "name", _("The name is too long (at most 200 characters)."))

    if kind in Body.CLAC_KINDS:
        if network is not None:
            _add(errors, "network", _("CLAC's own bodies belong to no network."))
        if country is not None:
            _add(errors, "country", _("CLAC's own bodies have no country."))
    elif network is None:
        _add(errors, "network", _("Choose the network this body belongs to."))
    elif kind in _WORKERS_KINDS and network.kind != Network.Kind.WORKERS:
        _add(errors, "network", _("This kind of body belongs to the workers network."))

    if kind == Body.Kind.NATIONAL_WORKERS:
        if country is None:
            _add(errors, "country", _("A national workers' committee names its country."))
    elif country is not None and kind not in Body.CLAC_KINDS:
        _add(errors, "country", _("Only a national workers' committee names a country."))

    if seats_per_subregion is not None:
        if kind in Body.CLAC_KINDS or kind == Body.Kind.NATIONAL_WORKERS:
            _add(errors, "seats_per_subregion", _("This kind of body has no seats per subregion."))
        elif seats_per_subregion < 1:
            _add(errors, "seats_per_subregion", _("Give at least one seat per subregion, or leave it empty."))

    # pk=None excludes nothing (a new body); the django-stubs plugin refuses None for a pk lookup.
    others = Body.objects.exclude(pk=body.pk if body else None)  # type: ignore[misc]
    same_network = others.filter(network__isnull=True) if network is None else others.filter(network=network)
    if name and same_network.filter(name__iexact=name).exists():
        _add(errors, "name", _("Another body of the same network already has this name."))
    if kind in _ONE_PER_NETWORK and same_network.filter(kind=kind).exists():
        if network is None:
            _add(errors, "kind", _("CLAC already has this body."))
        else:
            _add(errors, "kind", _("This network already has a body of this kind."))
    if (
        kind == Body.Kind.NATIONAL_WORKERS
        and country is not None
        and others.filter(kind=kind, country=country).exists()
    ):
        _add(errors, "country", _("This country already has a national workers' committee."))


@transaction.atomic
def body_create(
    *,
    actor: User | None,
    kind: str,
    name: str,
    network: Network | None = None,
    country: Country | None = None,
    seats_per_subregion: int | None = None,
    description: str = "",
) -> Body:
    """A new body of CLAC (General Assembly, Board, Oversight Committee: no network) or of a
    network. A national workers' committee names its country; it and the workers' coordinating
    committee (2 seats per subregion unless told otherwise) belong to the workers network."""
    _require_change(actor, network)
    name = name.strip()
    if kind == Body.Kind.WORKERS_COORDINATING and seats_per_subregion is None:
        seats_per_subregion = WORKERS_COORDINATING_SEATS_PER_SUBREGION
    errors: Errors = {}
    _check_body(
        errors,
        body=None,
        kind=kind,
        name=name,
        network=network,
        country=country,
        seats_per_subregion=seats_per_subregion,
    )
    if errors:
        raise ValidationError(errors)
    body = Body(
        kind=kind,
        name=name,
        network=network,
        country=country,
        seats_per_subregion=seats_per_subregion,
        description=description.strip(),
    )
    set_history_user(body, actor)
    body.save()
    return body


@transaction.atomic
def body_update(
    *,
    actor: User | None,
    body: Body,
    name: str,
    country: Country | None = None,
    seats_per_subregion: int | None = None,
    description: str = "",
) -> Body:
    """Rename or describe a body, or change its country or seats per subregion. Its kind and
    network stay: a body of another kind or network is another body, with its own mandates."""
    _require_change(actor, body.network)
    body = Body.objects.select_for_update(of=("self",)).select_related("network").get(pk=body.pk)
    name = name.strip()
    errors: Errors = {}
    _check_body(
        errors,
        body=body,
        kind=body.kind,
        name=name,
        network=body.network,
        country=country,
        seats_per_subregion=seats_per_subregion,
    )
    if seats_per_subregion is not None and seats_per_subregion != body.seats_per_subregion and not errors:
        # A smaller cap must still hold the seats already filled in any mandate.
        over = _subregions_over_cap(body=body, cap=seats_per_subregion)
        if over:
            _add(
                errors,
                "seats_per_subregion",
                _("Some subregions already hold more seats than that: %(subregions)s.")
                % {"subregions": ", ".join(str(Subregion(s).label) for s in over)},
            )
    if errors:
        raise ValidationError(errors)
    values = {
        "name": name,
        "country": country,
        "seats_per_subregion": seats_per_subregion,
        "description": description.strip(),
    }
    changed = [field for field, value in values.items() if getattr(body, field) != value]
    if changed:
        for field in changed:
            setattr(body, field, values[field])
        set_history_user(body, actor)
        body.save(update_fields=[*changed, "updated_at"])
    return body


def _subregions_over_cap(*, body: Body, cap: int) -> list[str]:
    """Subregions where more than `cap` seats of one mandate overlap in time."""
    over = set()
    seats = list(Seat.objects.filter(mandate__body=body).exclude(subregion="").order_by("term_start"))
    for seat in seats:
        overlapping = [
            s
            for s in seats
            if s.mandate_id == seat.mandate_id
            and s.subregion == seat.subregion
            and s.term_start <= seat.term_end
            and s.term_end >= seat.term_start
        ]
        if len(overlapping) > cap:
            over.add(seat.subregion)
    return sorted(over)


# --- Mandates -----------------------------------------------------------------------------


def _check_mandate(
    errors: Errors, *, body: Body, mandate: Mandate | None, start: datetime.date, end: datetime.date
) -> None:
    if end <= start:
        _add(errors, "end", _("A mandate ends after it starts."))
        return
    overlapping = (
        Mandate.objects.filter(body=body, start__lte=end, end__gte=start)
        # pk=None excludes nothing (a new mandate); the django-stubs plugin refuses None for a pk lookup.
        .exclude(pk=mandate.pk if mandate else None)  # type: ignore[misc]
        .order_by("start")
        .first()
    )
    if overlapping is not None:
        _add(
            errors,
            "start",
            _("The mandates of a body cannot overlap: this one overlaps the mandate %(period)s (%(start)s to %(end)s).")
            % {
                "period": _period(overlapping.start, overlapping.end),
                "start": overlapping.start.isoformat(),
                "end": overlapping.end.isoformat(),
            },
        )


@transaction.atomic
def mandate_create(
    *, actor: User | None, body: Body, start: datetime.date, end: datetime.date, notes: str = ""
) -> Mandate:
    """A new term of office of the body (e.g. 2025 to 2027). Terms of one body never overlap."""
    _require_change(actor, body.network)
    # The body's row serializes mandate writes, so two overlapping mandates cannot both pass.
    body = Body.objects.select_for_update().get(pk=body.pk)
    errors: Errors = {}
    _check_mandate(errors, body=body, mandate=None, start=start, end=end)
    if errors:
        raise ValidationError(errors)
    mandate = Mandate(body=body, start=start, end=end, notes=notes.strip())
    set_history_user(mandate, actor)
    mandate.save()
    return mandate


@transaction.atomic
def mandate_update(
    *, actor: User | None, mandate: Mandate, start: datetime.date, end: datetime.date, notes: str = ""
) -> Mandate:
    """Change a mandate's dates or notes. Its seats' terms must stay inside the new dates."""
    _require_change(actor, mandate.body.network)
    Body.objects.select_for_update().filter(pk=mandate.body_id).first()
    mandate = Mandate.objects.select_for_update(of=("self",)).select_related("body").get(pk=mandate.pk)
    errors: Errors = {}
    _check_mandate(errors, body=mandate.body, mandate=mandate, start=start, end=end)
    if not errors:
        outside = mandate.seats.filter(Q(term_start__lt=start) | Q(term_end__gt=end)).count()
        if outside:
            _add(
                errors,
                "__all__",
                _("%(count)s seat terms would fall outside these dates: change or end those seats first.")
                % {"count": outside},
            )
    if errors:
        raise ValidationError(errors)
    values = {"start": start, "end": end, "notes": notes.strip()}
    changed = [field for field, value in values.items() if getattr(mandate, field) != value]
    if changed:
        for field in changed:
            setattr(mandate, field, values[field])
        set_history_user(mandate, actor)
        mandate.save(update_fields=[*changed, "updated_at"])
    return mandate


# --- Seats --------------------------------------------------------------------------------


def _check_seat(
    errors: Errors,
    *,
    mandate: Mandate,
    seat: Seat | None,
    person: Person,
    organization: Organization,
    role: str,
    subregion: str,
    term_start: datetime.date,
    term_end: datetime.date,
) -> None:
    body = mandate.body
    period = _period(mandate.start, mandate.end)
    # pk=None excludes nothing (a new seat); the django-stubs plugin refuses None for a pk lookup.
    others = Seat.objects.filter(mandate=mandate).exclude(pk=seat.pk if seat else None)  # type: ignore[misc]

    if role not in Seat.Role.values:
        _add(errors, "role", _("Unknown role."))

    # One person, one seat of the body per mandate (also a database constraint; checked here
    # to say so in words rather than fail on the constraint).
    if others.filter(person=person).exists():
        _add(
            errors,
            "person",
            _("%(person)s already holds a seat in %(body)s for the mandate %(period)s.")
            % {"person": person, "body": body.name, "period": period},
        )

    if not Affiliation.objects.filter(person=person, organization=organization, end_date__isnull=True).exists():
        _add(
            errors,
            "organization",
            _("%(person)s is not currently affiliated to %(organization)s, the organization they would represent.")
            % {"person": person, "organization": organization.name},
        )

    if body.kind == Body.Kind.NATIONAL_WORKERS and body.country_id and organization.country_id != body.country_id:
        _add(
            errors,
            "organization",
            _("A national workers' committee seats people of organizations of its own country (%(country)s).")
            % {"country": body.country},
        )

    dates_ok = True
    if term_start < mandate.start:
        _add(errors, "term_start", _("The term starts before the mandate (%(date)s).") % {"date": mandate.start})
        dates_ok = False
    if term_end > mandate.end:
        _add(errors, "term_end", _("The term ends after the mandate (%(date)s).") % {"date": mandate.end})
        dates_ok = False
    if term_end <= term_start:
        _add(errors, "term_end", _("The term ends after it starts."))
        dates_ok = False

    # Seats whose terms overlap this one's (both ends are days in office: a replacement starts
    # the day after the seat it replaces ends).
    overlapping = others.filter(term_start__lte=term_end, term_end__gte=term_start) if dates_ok else others.none()

    if body.seats_per_subregion:
        allowed = body_subregions(body)
        if not subregion:
            _add(errors, "subregion", _("Seats of this body stand for a subregion: choose it."))
        elif subregion not in allowed:
            _add(errors, "subregion", _("This body has no seats for that subregion."))
        else:
            organization_subregion = workers_subregion_of(organization.country.subregion)
            if organization_subregion != subregion:
                _add(
                    errors,
                    "subregion",
                    _("%(organization)s is not in the subregion %(subregion)s.")
                    % {"organization": organization.name, "subregion": Subregion(subregion).label},
                )
            taken = overlapping.filter(subregion=subregion).count()
            if dates_ok and taken >= body.seats_per_subregion:
                _add(
                    errors,
                    "subregion",
                    _("The subregion %(subregion)s already fills its %(count)s seats for this mandate.")
                    % {"subregion": Subregion(subregion).label, "count": body.seats_per_subregion},
                )
    elif subregion:
        _add(errors, "subregion", _("Seats of this body do not stand for a subregion."))

    if role in OFFICER_ROLES and dates_ok:
        holder = overlapping.filter(role=role).select_related("person").first()
        if holder is not None:
            _add(
                errors,
                "role",
                _("%(person)s is already %(role)s for this mandate: end that seat first, or choose another role.")
                % {"person": holder.person, "role": Seat.Role(role).label.lower()},
            )


def body_subregions(body: Body) -> tuple[str, ...]:
    """The subregions a body's seats may stand for (its seats per subregion apply to each)."""
    return WORKERS_SUBREGIONS if body.seats_per_subregion else ()


def _lock_mandate(mandate: Mandate) -> Mandate:
    # The mandate's row serializes seat writes: caps (one person, officers, subregions) are
    # counted and written under it, so two concurrent requests cannot both take the last seat.
    return Mandate.objects.select_for_update(of=("self",)).select_related("body", "body__network").get(pk=mandate.pk)


@transaction.atomic
def seat_create(
    *,
    actor: User | None,
    mandate: Mandate,
    person: Person,
    organization: Organization,
    role: str = Seat.Role.MEMBER,
    subregion: str = "",
    term_start: datetime.date | None = None,
    term_end: datetime.date | None = None,
) -> Seat:
    """Seat `person` in the mandate's body, representing `organization` (they must currently
    be affiliated to it). The term defaults to the whole mandate."""
    _require_change(actor, mandate.body.network)
    mandate = _lock_mandate(mandate)
    term_start = term_start or mandate.start
    term_end = term_end or mandate.end
    errors: Errors = {}
    _check_seat(
        errors,
        mandate=mandate,
        seat=None,
        person=person,
        organization=organization,
        role=role,
        subregion=subregion,
        term_start=term_start,
        term_end=term_end,
    )
    if errors:
        raise ValidationError(errors)
    seat = Seat(
        mandate=mandate,
        person=person,
        organization=organization,
        role=role,
        subregion=subregion,
        term_start=term_start,
        term_end=term_end,
    )
    set_history_user(seat, actor)
    seat.save()
    return seat


@transaction.atomic
def seat_update(
    *,
    actor: User | None,
    seat: Seat,
    organization: Organization,
    role: str,
    subregion: str = "",
    term_start: datetime.date,
    term_end: datetime.date,
) -> Seat:
    """Change a seat's role, organization represented, subregion or term. The holder stays:
    another person is another seat."""
    _require_change(actor, seat.mandate.body.network)
    mandate = _lock_mandate(seat.mandate)
    seat = Seat.objects.select_related("person").get(pk=seat.pk)
    errors: Errors = {}
    _check_seat(
        errors,
        mandate=mandate,
        seat=seat,
        person=seat.person,
        organization=organization,
        role=role,
        subregion=subregion,
        term_start=term_start,
        term_end=term_end,
    )
    if errors:
        raise ValidationError(errors)
    values = {
        "organization": organization,
        "role": role,
        "subregion": subregion,
        "term_start": term_start,
        "term_end": term_end,
    }
    changed = [field for field, value in values.items() if getattr(seat, field) != value]
    if changed:
        for field in changed:
            setattr(seat, field, values[field])
        set_history_user(seat, actor)
        seat.save(update_fields=[*changed, "updated_at"])
    return seat


@transaction.atomic
def seat_end(*, actor: User | None, seat: Seat, end_date: datetime.date) -> Seat:
    """End a seat before its term (resignation, replacement): `end_date` is its holder's last
    day in office; a replacement may start the day after."""
    _require_change(actor, seat.mandate.body.network)
    _lock_mandate(seat.mandate)
    seat = Seat.objects.select_related("mandate").get(pk=seat.pk)
    errors: Errors = {}
    if end_date <= seat.term_start:
        _add(errors, "end_date", _("The seat ends after its term starts (%(date)s).") % {"date": seat.term_start})
    elif end_date > seat.term_end:
        _add(
            errors,
            "end_date",
            _("The term already ends on %(date)s: choose an earlier date.") % {"date": seat.term_end},
        )
    if errors:
        raise ValidationError(errors)
    if end_date != seat.term_end:
        seat.term_end = end_date
        set_history_user(seat, actor)
        seat.save(update_fields=["term_end", "updated_at"])
    return seat
