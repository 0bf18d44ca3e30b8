"""Demo data of the assemblies area: one past General Assembly (the last one before this year,
on the three-year cycle of 2023) with about 200 delegates chosen per country and per product
among the active members' people, its quorum certified, six motions voted (the strategic plan,
the financial statements, the budget, the Board election, a statute reform needing two
thirds, and one rejected motion) and its record closed; plus one upcoming network assembly
with designation open, so the portal's "Delegates" page has something to do.

Called by networks/demo/__init__.py after the networks and governance seeders; without a
General Assembly body (governance not seeded) it creates nothing."""

import datetime
import random
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from clac.plugins import DemoContext
from members.models import Affiliation, Membership, Organization, PortalAccess
from networks.models import AssemblySession, Body, Delegate, Motion, NetworkMembership
from networks.services.assemblies import motion_result

GA_CYCLE_START = 2023  # CLAC's General Assemblies: 2017, 2020, 2023, 2026…
GA_DELEGATES = 200
NETWORK_ASSEMBLY_DELEGATES = 6
# Roles that organizations usually send to an assembly, most likely first.
DELEGATE_ROLES = (
    Affiliation.Role.DELEGATE,
    Affiliation.Role.LEGAL_REPRESENTATIVE,
    Affiliation.Role.BOARD_MEMBER,
    Affiliation.Role.MANAGER,
    Affiliation.Role.WORKER_REPRESENTATIVE,
)


def _ga_year(today: datetime.date) -> int:
    """The last General Assembly year before this one (2023 for a 2026 demo)."""
    year = today.year - 1
    return year - (year - GA_CYCLE_START) % 3


def _motions(year: int) -> list[dict[str, Any]]:
    plan = f"{year + 1}\N{EN DASH}{year + 3}"
    return [
        {"title": f"Aprobación del Plan Estratégico {plan}", "share_for": 0.86, "two_thirds": False},
        {"title": f"Aprobación de los estados financieros {year - 1}", "share_for": 0.91, "two_thirds": False},
        {"title": f"Aprobación del presupuesto {year + 1}", "share_for": 0.78, "two_thirds": False},
        {"title": f"Elección de la Junta Directiva {plan}", "share_for": 0.82, "two_thirds": False},
        {
            "title": "Reforma de los estatutos: representación de la Red de Trabajadores",
            "share_for": 0.71,
            "two_thirds": True,
        },
        {
            "title": "Propuesta de aumentar la cuota anual de membresía en un 20 %",
            "share_for": 0.38,
            "two_thirds": False,
        },
    ]


def _delegate_candidates(organization_ids: list[int]) -> dict[str, list[tuple[Organization, int, str]]]:
    """Active members by country, each with the person it would send and its main product
    network: (organization, person id, product network). Three queries."""
    organizations = {
        o.pk: o
        for o in Organization.objects.filter(pk__in=organization_ids, membership__status=Membership.Status.ACTIVE)
    }
    # The product an organization was registered with first is its main one.
    main_product: dict[int, str] = {}
    for organization_id, network in (
        Organization.products.through.objects.filter(organization_id__in=organizations)
        .order_by("id")
        .values_list("organization_id", "product__network")
    ):
        main_product.setdefault(organization_id, network)
    person_by_org: dict[int, int] = {}
    rank: dict[str, int] = {role: index for index, role in enumerate(DELEGATE_ROLES)}
    affiliations = Affiliation.objects.filter(
        organization_id__in=organizations, end_date__isnull=True, role__in=DELEGATE_ROLES
    ).values_list("organization_id", "person_id", "role")
    best: dict[int, tuple[int, int]] = {}
    for organization_id, person_id, role in affiliations:
        if organization_id not in best or rank[role] < best[organization_id][0]:
            best[organization_id] = (rank[role], person_id)
    person_by_org = {org_id: person for org_id, (_, person) in best.items()}
    by_country: dict[str, list[tuple[Organization, int, str]]] = defaultdict(list)
    for organization in sorted(organizations.values(), key=lambda o: o.pk):
        if organization.pk not in person_by_org:
            continue
        by_country[organization.country_id].append(
            (organization, person_by_org[organization.pk], main_product.get(organization.pk, ""))
        )
    return by_country


def _quota(by_country: dict[str, list], total: int) -> dict[str, int]:
    """Seats per country, proportional to its active members with at least one each (the
    General Assembly elects delegates per country)."""
    available = sum(len(c) for c in by_country.values())
    total = min(total, available)
    quota = dict.fromkeys(by_country, 1)
    remaining = total - len(quota)
    if remaining > 0:
        for code, candidates in by_country.items():
            quota[code] += int(remaining * len(candidates) / available)
        # Rounding leftovers go to the largest countries.
        for code in sorted(by_country, key=lambda c: -len(by_country[c])):
            if sum(quota.values()) >= total:
                break
            quota[code] += 1
    return {code: min(quota[code], len(by_country[code])) for code in by_country}


def _seed_general_assembly(ctx: DemoContext, rng: random.Random, body: Body, admin: Any) -> dict[str, int]:
    year = _ga_year(ctx.today)
    starts_on = datetime.date(year, 10, 18)
    by_country = _delegate_candidates(ctx.shared.get("organizations") or [])
    if not by_country:
        return {}
    quota = _quota(by_country, GA_DELEGATES)
    at = timezone.make_aware(datetime.datetime(year, 10, 18, 9, 0))
    delegates: list[Delegate] = []
    for code in sorted(quota):
        for organization, person_id, product in rng.sample(by_country[code], quota[code]):
            roll = rng.random()
            status = (
                Delegate.Status.WITHDRAWN
                if roll < 0.03
                else Delegate.Status.DESIGNATED
                if roll < 0.09
                else Delegate.Status.ACCREDITED
            )
            delegates.append(
                Delegate(
                    organization=organization,
                    person_id=person_id,
                    country_id=code,
                    product_network=product,
                    # Large second-tier unions carry two votes.
                    votes=2 if organization.kind == Organization.Kind.SPO2 else 1,
                    status=status,
                    designated_at=at - datetime.timedelta(days=rng.randint(20, 60)),
                    designated_by=admin,
                    accredited_at=at if status == Delegate.Status.ACCREDITED else None,
                    accredited_by=admin if status == Delegate.Status.ACCREDITED else None,
                    withdrawn_at=at - datetime.timedelta(days=3) if status == Delegate.Status.WITHDRAWN else None,
                )
            )
    expected = sum(d.votes for d in delegates if d.status != Delegate.Status.WITHDRAWN)
    accredited = sum(d.votes for d in delegates if d.status == Delegate.Status.ACCREDITED)
    session = AssemblySession(
        body=body,
        title=f"Asamblea General Ordinaria {year}",
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=2),
        place=rng.choice(["Lima, Perú", "Santo Domingo, República Dominicana", "Medellín, Colombia"]),
        status=AssemblySession.Status.CLOSED,
        quorum_percent=Decimal("50.00"),
        expected_votes=expected,
        delegates_per_organization=2,
        designation_opened_at=at - datetime.timedelta(days=90),
        designation_closed_at=at - datetime.timedelta(days=7),
        quorum_certified_at=at + datetime.timedelta(hours=1),
        quorum_certified_by=admin,
        quorum_votes=accredited,
        closed_at=at + datetime.timedelta(days=2, hours=8),
        closed_by=admin,
    )
    # simple_history reads it when saving (as members.demo.writing); not a model field.
    session._history_user = admin  # type: ignore[attr-defined]
    session.save()
    for delegate in delegates:
        delegate.session = session
    Delegate.objects.bulk_create(delegates)
    Delegate.history.bulk_history_create(delegates, default_user=admin, default_date=at)

    motions = []
    for number, spec in enumerate(_motions(year), start=1):
        present = accredited - rng.randint(0, max(1, accredited // 20))
        abstain = int(present * rng.uniform(0.02, 0.08))
        votes_for = int((present - abstain) * spec["share_for"])
        votes_against = present - abstain - votes_for
        motions.append(
            Motion(
                session=session,
                number=number,
                title=spec["title"],
                requires_two_thirds=spec["two_thirds"],
                votes_for=votes_for,
                votes_against=votes_against,
                votes_abstain=abstain,
                result=motion_result(
                    votes_for=votes_for, votes_against=votes_against, requires_two_thirds=spec["two_thirds"]
                ),
                recorded_at=at + datetime.timedelta(days=1, hours=number),
                recorded_by=admin,
            )
        )
    Motion.objects.bulk_create(motions)
    Motion.history.bulk_history_create(motions, default_user=admin, default_date=at)
    return {"assembly sessions": 1, "assembly delegates": len(delegates), "assembly motions": len(motions)}


def _portal_organization_ids(ctx: DemoContext) -> list[int]:
    users = [u for u in (ctx.shared.get("users") or {}).values() if getattr(u, "pk", None)]
    return list(PortalAccess.objects.filter(user__in=users).values_list("organization_id", flat=True))


def _network_assembly_body(ctx: DemoContext) -> Body | None:
    """A network assembly the demo's portal organizations belong to (so their portal shows the
    open designation), else any network assembly."""
    bodies = Body.objects.filter(kind=Body.Kind.NETWORK_ASSEMBLY, network__isnull=False)
    today = ctx.today
    portal_orgs = _portal_organization_ids(ctx)
    if portal_orgs:
        network_ids = NetworkMembership.objects.filter(organization_id__in=portal_orgs, since__lte=today).filter(
            Q(until__isnull=True) | Q(until__gte=today)
        )
        # The network most of them belong to (the coffee network in the demo), so that most
        # demo portal users find the open designation.
        counts = Counter(network_ids.values_list("network_id", flat=True))
        by_network = {
            body.network_id: body for body in bodies.filter(network_id__in=counts) if body.network_id is not None
        }
        ranked = sorted(by_network, key=lambda network_id: (-counts[network_id], network_id))
        if ranked:
            return by_network[ranked[0]]
    return bodies.order_by("id").first()


def _seed_network_assembly(ctx: DemoContext, rng: random.Random, body: Body, admin: Any) -> dict[str, int]:
    assert body.network is not None  # a network's assembly
    starts_on = ctx.today + datetime.timedelta(days=60)
    now = timezone.now()
    session = AssemblySession(
        body=body,
        title=f"Asamblea de la {body.network.name} {starts_on.year}",
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=1),
        place=rng.choice(["Lima", "Bogotá", "Tegucigalpa", "Quito", "San José"]),
        status=AssemblySession.Status.DESIGNATION_OPEN,
        delegates_per_organization=2,
        designation_opened_at=now - datetime.timedelta(days=10),
    )
    # simple_history reads it when saving (as members.demo.writing); not a model field.
    session._history_user = admin  # type: ignore[attr-defined]
    session.save()
    # A few members have already named someone; the portal organizations have not.
    portal_orgs = set(_portal_organization_ids(ctx))
    today = ctx.today
    members = list(
        NetworkMembership.objects.filter(network=body.network, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .exclude(organization_id__in=portal_orgs)
        .order_by("organization_id")
        .values_list("organization_id", flat=True)[:200]
    )
    chosen = rng.sample(members, min(NETWORK_ASSEMBLY_DELEGATES, len(members)))
    people = dict(
        Affiliation.objects.filter(organization_id__in=chosen, end_date__isnull=True)
        .order_by("organization_id", "-id")
        .values_list("organization_id", "person_id")
    )
    product = body.network.product_network
    countries = dict(Organization.objects.filter(pk__in=chosen).values_list("pk", "country_id"))
    delegates = [
        Delegate(
            session=session,
            organization_id=org_id,
            person_id=people[org_id],
            country_id=countries[org_id],
            product_network=product,
            designated_at=now - datetime.timedelta(days=rng.randint(1, 9)),
            designated_by=admin,
        )
        for org_id in chosen
        if org_id in people
    ]
    Delegate.objects.bulk_create(delegates)
    Delegate.history.bulk_history_create(delegates, default_user=admin)
    return {"assembly sessions": 1, "assembly delegates": len(delegates)}


def seed(ctx: DemoContext, rng: random.Random) -> dict[str, int]:
    rng = random.Random(f"{ctx.seed}:networks:assemblies")  # own stream: other areas' draws do not move ours
    admin = ctx.shared.get("admin")
    bodies = ctx.shared.get("bodies") or {}
    general_assembly = bodies.get("general_assembly") or Body.objects.filter(kind=Body.Kind.GENERAL_ASSEMBLY).first()
    counts: dict[str, int] = defaultdict(int)
    if general_assembly is not None:
        for key, value in _seed_general_assembly(ctx, rng, general_assembly, admin).items():
            counts[key] += value
    network_body = _network_assembly_body(ctx)
    if network_body is not None:
        for key, value in _seed_network_assembly(ctx, rng, network_body, admin).items():
            counts[key] += value
    return dict(counts)
