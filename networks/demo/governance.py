"""Demo data of the governance area: `seed(ctx, rng) -> dict[str, int]` (counts by label), called by
networks/demo/__init__.py in order (networks, governance, meetings, assemblies).

CLAC's General Assembly, Board (12 seats) and Oversight Committee (3); per network an
assembly and a coordinating committee (product networks also a technical committee); national
workers' committees in the countries with most hired-labour organizations and the workers'
coordinating committee (2 seats per subregion). Each body has the previous three-year mandate
(ended) and the current one, both computed from `ctx.today` so the demo stays current. Seats
go to people currently affiliated to active member organizations of the right country,
product or subregion; a few current terms end within 30 days, and a few seats were ended
mid-term and given to a replacement.

Uses the networks left in `ctx.shared["networks"]` by the networks seeder, or else whatever
Network rows exist (it creates none). Leaves `ctx.shared["bodies"]`: "general_assembly",
"board", "oversight" → Body, (network_id, kind) → Body, and for national workers' committees
(network_id, "national_workers", country code) → Body.

The rows are planned to satisfy the rules of networks.services.governance (one seat per
person and mandate, officers, subregion caps, terms inside the mandate, holders affiliated
to the organization they represent) and bulk-written with their first history row."""

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from simple_history.utils import bulk_create_with_history

from clac.plugins import DemoContext
from members.models import Affiliation, Membership, Organization, PortalAccess
from networks.models import Body, Mandate, Network, Seat
from networks.selectors.governance import ENDING_SOON_DAYS, WORKERS_SUBREGIONS, workers_subregion_of

CHANGE_REASON = "Demo data (seed_demo)"
# CLAC's governing cycle: three-year mandates, one running 2025 to 2027 (and 2022 to 2024 before).
CYCLE_ANCHOR_YEAR = 2025
MANDATE_YEARS = 3
NATIONAL_WORKERS_COMMITTEES = 8
# Roles of a seat holder's affiliation that a member organization sends to a body.
SEAT_ROLES = (
    Affiliation.Role.LEGAL_REPRESENTATIVE,
    Affiliation.Role.BOARD_MEMBER,
    Affiliation.Role.DELEGATE,
    Affiliation.Role.WORKER_REPRESENTATIVE,
    Affiliation.Role.MANAGER,
)
R = Seat.Role
BOARD_ROLES = (R.CHAIR, R.SECRETARY, R.TREASURER, *[R.MEMBER] * 7, R.ALTERNATE, R.ALTERNATE)
OVERSIGHT_ROLES = (R.CHAIR, R.SECRETARY, R.MEMBER)
PRESIDING_ROLES = (R.CHAIR, R.SECRETARY)
COORDINATING_ROLES = (R.CHAIR, R.SECRETARY, R.TREASURER, R.MEMBER, R.MEMBER)
TECHNICAL_ROLES = (R.CHAIR, R.MEMBER, R.MEMBER, R.MEMBER)
NATIONAL_WORKERS_ROLES = (R.CHAIR, R.SECRETARY, R.MEMBER)

PRODUCT_LABELS = {
    "coffee": "Café",
    "cocoa": "Cacao",
    "banana": "Banano",
    "sugar": "Azúcar",
    "juices_fruit": "Jugos y Frutas",
    "honey": "Miel",
    "quinoa": "Quinua",
    "other": "Otros Productos",
}


@dataclass(frozen=True)
class Candidate:
    person_id: int
    organization_id: int
    country: str
    kind: str
    # The workers network's subregion of the organization's country.
    subregion: str


def _mandate_years(today: datetime.date) -> tuple[tuple[int, int], tuple[int, int]]:
    """(previous, current) mandate years, e.g. ((2022, 2024), (2025, 2027)) in 2026."""
    start = CYCLE_ANCHOR_YEAR + MANDATE_YEARS * ((today.year - CYCLE_ANCHOR_YEAR) // MANDATE_YEARS)
    return (start - MANDATE_YEARS, start - 1), (start, start + MANDATE_YEARS - 1)


def _networks(ctx: DemoContext) -> dict[str, Any]:
    shared = ctx.shared.get("networks")
    if shared:
        return shared
    found: dict[str, Any] = {"country": {}, "product": {}, "workers": None}
    for network in Network.objects.prefetch_related("countries"):
        if network.kind == Network.Kind.COUNTRY:
            for country in network.countries.all():
                found["country"][country.code] = network
        elif network.kind == Network.Kind.PRODUCT:
            found["product"][network.product_network] = network
        else:
            found["workers"] = network
    return found


def _candidates() -> tuple[list[Candidate], dict[int, set[str]]]:
    """People currently affiliated to active member organizations in a role that sits on
    bodies, and each organization's product networks."""
    rows = (
        Affiliation.objects.filter(
            end_date__isnull=True,
            role__in=SEAT_ROLES,
            organization__membership__status=Membership.Status.ACTIVE,
        )
        .order_by("person_id", "organization_id")
        .values_list(
            "person_id",
            "organization_id",
            "organization__country_id",
            "organization__kind",
            "organization__country__subregion",
        )
    )
    seen: set[int] = set()
    candidates = []
    for person_id, organization_id, country, kind, subregion in rows:
        # One organization per person: a seat holder represents one organization here.
        if person_id in seen:
            continue
        seen.add(person_id)
        candidates.append(Candidate(person_id, organization_id, country, kind, workers_subregion_of(subregion)))
    products: dict[int, set[str]] = defaultdict(set)
    through = Organization.products.through.objects.filter(organization_id__in={c.organization_id for c in candidates})
    for organization_id, product_network in through.values_list("organization_id", "product__network"):
        products[organization_id].add(product_network)
    return candidates, products


class Picker:
    """Draws seat holders, preferring people who hold no seat yet, never twice per mandate."""

    def __init__(self, rng: random.Random, featured: set[int]) -> None:
        self.rng = rng
        self.load: Counter[int] = Counter()
        # Organizations with demo portal logins: at equal load their people go first, so the
        # portal's Representation page has something to show.
        self.featured = featured

    def pick(self, pool: list[Candidate], count: int, *, taken: set[int], spread: bool = True) -> list[Candidate]:
        available = [c for c in pool if c.person_id not in taken]
        self.rng.shuffle(available)
        available.sort(key=lambda c: (self.load[c.person_id], c.organization_id not in self.featured))
        chosen: list[Candidate] = []
        countries: set[str] = set()
        # First pass one per country (a board represents the whole region), then anyone.
        for candidate in available:
            if len(chosen) == count:
                break
            if spread and candidate.country in countries:
                continue
            chosen.append(candidate)
            countries.add(candidate.country)
        for candidate in available:
            if len(chosen) == count:
                break
            if candidate not in chosen:
                chosen.append(candidate)
        for candidate in chosen:
            taken.add(candidate.person_id)
            self.load[candidate.person_id] += 1
        return chosen


def seed(ctx: DemoContext, rng: random.Random) -> dict[str, int]:
    today = ctx.today
    admin = ctx.shared.get("admin")
    networks = _networks(ctx)
    candidates, products = _candidates()
    picker = Picker(rng, set(PortalAccess.objects.values_list("organization_id", flat=True)))
    (previous_start, previous_end), (current_start, current_end) = _mandate_years(today)
    periods = [
        (datetime.date(previous_start, 1, 1), datetime.date(previous_end, 12, 31)),
        (datetime.date(current_start, 1, 1), datetime.date(current_end, 12, 31)),
    ]

    by_country: dict[str, list[Candidate]] = defaultdict(list)
    by_product: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_country[candidate.country].append(candidate)
        for product_network in products.get(candidate.organization_id, ()):
            by_product[product_network].append(candidate)

    # (body, pool of holders, roles, seats by subregion) in creation order.
    specs: list[tuple[Body, list[Candidate], tuple[str, ...], bool]] = []

    def add(body: Body, pool: list[Candidate], roles: tuple[str, ...], *, by_subregion: bool = False) -> None:
        specs.append((body, pool, roles, by_subregion))

    add(
        Body(
            kind=Body.Kind.GENERAL_ASSEMBLY,
            name="Asamblea General de la CLAC",
            description="Máxima autoridad de la CLAC; se reúne cada tres años con delegados por país y producto.",
        ),
        candidates,
        PRESIDING_ROLES,
    )
    add(
        Body(kind=Body.Kind.BOARD, name="Junta Directiva", description="Elegida por la Asamblea General."),
        candidates,
        BOARD_ROLES,
    )
    add(
        Body(
            kind=Body.Kind.OVERSIGHT,
            name="Comité de Vigilancia",
            description="Vigila la gestión y certifica el quórum de la Asamblea General.",
        ),
        candidates,
        OVERSIGHT_ROLES,
    )

    country_networks = {n.pk: n for n in networks["country"].values()}
    for network in sorted(country_networks.values(), key=lambda n: n.name):
        codes = [code for code, n in networks["country"].items() if n.pk == network.pk]
        pool = [c for code in codes for c in by_country.get(code, [])]
        add(
            Body(kind=Body.Kind.NETWORK_ASSEMBLY, name=f"Asamblea de la {network.name}", network=network),
            pool,
            PRESIDING_ROLES,
        )
        add(
            Body(kind=Body.Kind.COORDINATING, name=f"Comité Coordinador de la {network.name}", network=network),
            pool,
            COORDINATING_ROLES,
        )
    for product_network, network in sorted(networks["product"].items()):
        pool = by_product.get(product_network, [])
        label = PRODUCT_LABELS.get(product_network, network.name)
        add(
            Body(kind=Body.Kind.NETWORK_ASSEMBLY, name=f"Asamblea de la {network.name}", network=network),
            pool,
            PRESIDING_ROLES,
        )
        add(
            Body(kind=Body.Kind.COORDINATING, name=f"Comité Operativo de {label}", network=network),
            pool,
            COORDINATING_ROLES,
        )
        add(
            Body(kind=Body.Kind.TECHNICAL, name=f"Comité Técnico de {label}", network=network),
            pool,
            TECHNICAL_ROLES,
        )

    workers = networks.get("workers")
    if workers is not None:
        hired_labour = [c for c in candidates if c.kind == Organization.Kind.HL]
        add(
            Body(kind=Body.Kind.NETWORK_ASSEMBLY, name="Asamblea de la Red de Trabajadores", network=workers),
            hired_labour,
            PRESIDING_ROLES,
        )
        add(
            Body(
                kind=Body.Kind.WORKERS_COORDINATING,
                name="Comité Coordinador de Trabajadores",
                network=workers,
                seats_per_subregion=2,
                description="Dos trabajadores por subregión: Andina, Centroamérica y Caribe, Sudamérica.",
            ),
            hired_labour,
            (R.CHAIR, R.SECRETARY, R.MEMBER, R.MEMBER, R.MEMBER, R.MEMBER),
            by_subregion=True,
        )
        hl_by_country = Counter(c.country for c in hired_labour)
        for code, _count in hl_by_country.most_common(NATIONAL_WORKERS_COMMITTEES):
            pool = [c for c in hired_labour if c.country == code]
            add(
                Body(
                    kind=Body.Kind.NATIONAL_WORKERS,
                    name=f"Comité Nacional de Trabajadores ({code})",
                    network=workers,
                    country_id=code,
                ),
                pool,
                NATIONAL_WORKERS_ROLES,
            )

    bodies = bulk_create_with_history(
        [spec[0] for spec in specs], Body, default_user=admin, default_change_reason=CHANGE_REASON
    )
    mandates: list[Mandate] = []
    for body in bodies:
        for start, end in periods:
            mandates.append(Mandate(body=body, start=start, end=end))
    mandates = bulk_create_with_history(mandates, Mandate, default_user=admin, default_change_reason=CHANGE_REASON)
    mandates_of: dict[int, list[Mandate]] = defaultdict(list)
    for mandate in mandates:
        mandates_of[mandate.body_id].append(mandate)

    seats: list[Seat] = []
    ending_soon_left = 4
    replacements_left = 3
    for (_template, pool, roles, by_subregion), body in zip(specs, bodies, strict=True):
        for mandate in mandates_of[body.pk]:
            taken: set[int] = set()
            planned = _plan_seats(picker, pool, roles, by_subregion=by_subregion, taken=taken)
            current = mandate.start <= today <= mandate.end
            for role, holder, subregion in planned:
                seat = Seat(
                    mandate=mandate,
                    person_id=holder.person_id,
                    organization_id=holder.organization_id,
                    role=role,
                    subregion=subregion,
                    term_start=mandate.start,
                    term_end=mandate.end,
                )
                seats.append(seat)
                if not current or role in (R.CHAIR,):
                    continue
                soon = today + datetime.timedelta(days=rng.randint(3, ENDING_SOON_DAYS - 2))
                if ending_soon_left and body.network_id is None and soon < mandate.end:
                    # A term cut short: the holder leaves office within the month.
                    seat.term_end = soon
                    ending_soon_left -= 1
                elif replacements_left and role == R.MEMBER and body.kind == Body.Kind.COORDINATING:
                    replacement = next(iter(picker.pick(pool, 1, taken=taken, spread=False)), None)
                    handover = mandate.start + (today - mandate.start) // 2
                    if replacement is None or handover <= mandate.start:
                        continue
                    # Resigned mid-term; a replacement from the same network took the seat.
                    seat.term_end = handover
                    seats.append(
                        Seat(
                            mandate=mandate,
                            person_id=replacement.person_id,
                            organization_id=replacement.organization_id,
                            role=role,
                            term_start=handover + datetime.timedelta(days=1),
                            term_end=mandate.end,
                        )
                    )
                    replacements_left -= 1
    bulk_create_with_history(seats, Seat, batch_size=500, default_user=admin, default_change_reason=CHANGE_REASON)

    shared: dict[Any, Body] = {}
    for body in bodies:
        if body.network_id is None:
            shared[body.kind] = body
        elif body.kind == Body.Kind.NATIONAL_WORKERS:
            shared[(body.network_id, body.kind, body.country_id)] = body
        else:
            shared.setdefault((body.network_id, body.kind), body)
    ctx.shared["bodies"] = shared
    return {"bodies": len(bodies), "mandates": len(mandates), "seats": len(seats)}


def _plan_seats(
    picker: Picker, pool: list[Candidate], roles: tuple[str, ...], *, by_subregion: bool, taken: set[int]
) -> list[tuple[str, Candidate, str]]:
    """(role, holder, subregion) for one mandate; fewer seats when the pool is small."""
    if not by_subregion:
        return [
            (role, holder, "") for role, holder in zip(roles, picker.pick(pool, len(roles), taken=taken), strict=False)
        ]
    planned: list[tuple[str, Candidate, str]] = []
    role_iter = iter(roles)
    for subregion in WORKERS_SUBREGIONS:
        local = [c for c in pool if c.subregion == subregion]
        for holder in picker.pick(local, 2, taken=taken):
            planned.append((next(role_iter, R.MEMBER), holder, subregion))
    return planned
