"""Demo data of product strategies, needs and SPO sustainability strategies:

- the coffee and cocoa networks' 2024-2026 strategies (approved, with goals and market targets),
  coffee's closed 2021-2023 one, and drafts for banana and honey;
- needs of member organizations and networks in every category, priority and status, with
  staff responses in Spanish and dated steps (about one per twenty organizations, and two or
  three for every organization a demo portal user belongs to, so each portal login sees its
  own needs and at least one answer);
- sustainability strategies of the SPOs in country networks: about 30 % adopted, 25 %
  drafting, 15 % recorded as having none, the rest not recorded yet.

Runs after the networks seeder (it uses `ctx.shared["networks"]` or the Network rows). Rows
are bulk-created with their history rows (ADR 0007)."""

import datetime
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Case, DateTimeField, Value, When
from django.utils import timezone

from clac.plugins import DemoContext
from clac.roles import StaffRole
from members.models import Organization, PortalAccess, ProductNetwork
from networks.models import (
    MarketTarget,
    Need,
    NeedEvent,
    Network,
    NetworkMembership,
    ProductStrategy,
    StrategicLine,
    SustainabilityArea,
    SustainabilityStrategy,
)

STRATEGIES: dict[str, list[dict[str, Any]]] = {
    ProductNetwork.COFFEE: [
        {
            "title": "Estrategia de la Red de Café 2024-2026",
            "years": (2024, 2026),
            "status": ProductStrategy.Status.APPROVED,
            "approved_on": datetime.date(2024, 3, 14),
            "lines": [StrategicLine.PRODUCT_NETWORKS, StrategicLine.FINANCIAL, StrategicLine.COMMUNICATION],
            "goals": [
                "Defender el precio mínimo de USD 1,80/lb y la prima de USD 0,20/lb ante Fairtrade International.",
                "Aumentar las ventas en condiciones Fairtrade de las organizaciones miembro.",
                "Abrir mercados de cafés especiales para organizaciones pequeñas.",
                "Fortalecer la respuesta de las organizaciones a la roya y al cambio climático.",
            ],
            "targets": [
                ("Alemania", "12000000", "lb", 2025),
                ("Estados Unidos, cafés especiales", "8500000", "lb", 2025),
                ("Estados Unidos, cafés especiales", "10000000", "lb", 2026),
                ("Reino Unido", "4000000", "lb", 2026),
                ("Ventas Fairtrade sobre producción certificada", "35", "percent", 2026),
            ],
        },
        {
            "title": "Estrategia de la Red de Café 2021-2023",
            "years": (2021, 2023),
            "status": ProductStrategy.Status.CLOSED,
            "approved_on": datetime.date(2021, 4, 20),
            "lines": [StrategicLine.PRODUCT_NETWORKS],
            "goals": [
                "Participar en el estudio de costos de producción de 2022.",
                "Lograr la revisión del precio mínimo del café arábica lavado.",
            ],
            "targets": [("Europa", "30", "percent", 2023)],
        },
    ],
    ProductNetwork.COCOA: [
        {
            "title": "Estrategia de la Red de Cacao 2024-2026",
            "years": (2024, 2026),
            "status": ProductStrategy.Status.APPROVED,
            "approved_on": datetime.date(2024, 5, 8),
            "lines": [StrategicLine.PRODUCT_NETWORKS, StrategicLine.COUNTRY_NETWORKS],
            "goals": [
                "Mantener el precio mínimo de USD 2.400/t y la prima de USD 240/t.",
                "Posicionar el cacao fino de aroma de las organizaciones en Europa.",
                "Preparar a las organizaciones para la norma europea de productos libres de deforestación.",
            ],
            "targets": [
                ("Países Bajos", "9000", "t", 2025),
                ("Suiza, cacao fino de aroma", "2500", "t", 2026),
                ("Organizaciones con trazabilidad hasta la parcela", "80", "percent", 2026),
            ],
        }
    ],
    ProductNetwork.BANANA: [
        {
            "title": "Estrategia de la Red de Banano 2025-2027",
            "years": (2025, 2027),
            "status": ProductStrategy.Status.DRAFT,
            "lines": [StrategicLine.PRODUCT_NETWORKS, StrategicLine.WORKERS_NETWORK],
            "goals": ["Negociar un precio que cubra el salario digno en las plantaciones."],
            "targets": [("Reino Unido", "14000000", "box", 2026)],
        }
    ],
    ProductNetwork.HONEY: [
        {
            "title": "Estrategia de la Red de Miel 2025-2027",
            "years": (2025, 2027),
            "status": ProductStrategy.Status.DRAFT,
            "lines": [StrategicLine.PRODUCT_NETWORKS],
            "goals": [],
            "targets": [],
        }
    ],
}

NEEDS: dict[str, list[tuple[str, str]]] = {
    Need.Category.MARKET_ACCESS: [
        ("Contactos con compradores en Europa", "Buscamos compradores para 3 contenedores de la próxima cosecha."),
        ("Participación en feria internacional", "Solicitamos apoyo para asistir a la feria de cafés especiales."),
    ],
    Need.Category.PRODUCTION: [
        ("Control de la roya", "La roya afectó el 40 % de las parcelas; necesitamos asistencia técnica."),
        ("Renovación de plantaciones", "Muchos socios tienen plantas de más de 20 años y baja productividad."),
    ],
    Need.Category.FINANCE: [
        ("Crédito de acopio", "Necesitamos prefinanciamiento para pagar a los socios al momento de la entrega."),
        ("Uso de la prima", "Pedimos orientación para planificar el uso de la prima Fairtrade."),
    ],
    Need.Category.ORGANIZATION: [
        ("Formación del consejo directivo", "El nuevo consejo necesita capacitación en gobernanza."),
        ("Relevo generacional", "Queremos integrar a jóvenes en los órganos de la organización."),
    ],
    Need.Category.CERTIFICATION: [
        ("Preparación de la auditoría", "La auditoría de renovación de FLOCERT es en tres meses."),
        ("Costos de certificación", "Los costos de certificación son altos para una organización pequeña."),
    ],
    Need.Category.CLIMATE: [
        ("Sequía prolongada", "Dos años de sequía redujeron la producción; buscamos sistemas de riego."),
        ("Plan de adaptación", "Queremos elaborar un plan de adaptación al cambio climático."),
    ],
}
RESPONSES = (
    "Gracias por compartir esta necesidad. La coordinación de la red la incluyó en su plan de trabajo "
    "y les contactará para acordar una visita.",
    "CLAC les pondrá en contacto con dos organizaciones que resolvieron una situación similar; "
    "además, pueden postular al próximo Fondo de Fortalecimiento.",
    "Compartimos la guía elaborada por la red y un listado de proveedores de asistencia técnica. "
    "Escríbannos si necesitan acompañamiento adicional.",
    "La red organizará un taller regional sobre este tema; recibirán la invitación por correo.",
)
NETWORK_NEEDS = (
    ("Estudio de mercado regional", Need.Category.MARKET_ACCESS, "La red necesita un estudio de tendencias."),
    ("Plataforma de trazabilidad común", Need.Category.CERTIFICATION, "Varias organizaciones piden trazabilidad."),
)
# The steps each status went through (a closed need was answered first).
STEPS = {
    "open": ["open"],
    "in_progress": ["open", "in_progress"],
    "answered": ["open", "in_progress", "answered"],
    "closed": ["open", "in_progress", "answered", "closed"],
}
STATUS_WEIGHTS = {"open": 3, "in_progress": 2, "answered": 3, "closed": 2}
PRIORITY_WEIGHTS = {"low": 2, "medium": 4, "high": 3, "urgent": 1}
NEEDS_PER_ORGANIZATION = 1 / 20


def _networks(ctx: DemoContext) -> tuple[dict[str, Network], dict[str, Network]]:
    """(product category → network, ISO country code → country network)."""
    shared = ctx.shared.get("networks")
    if shared:
        return dict(shared["product"]), dict(shared["country"])
    products = {n.product_network: n for n in Network.objects.filter(kind=Network.Kind.PRODUCT)}
    countries: dict[str, Network] = {}
    for network in Network.objects.filter(kind=Network.Kind.COUNTRY).prefetch_related("countries"):
        for country in network.countries.all():
            countries[country.pk] = network
    return products, countries


def _seed_product_strategies(products: dict[str, Network], admin: Any) -> tuple[int, int]:
    strategies: list[ProductStrategy] = []
    targets_plan: list[list[tuple[str, str, str, int]]] = []
    for category, plans in STRATEGIES.items():
        network = products.get(category)
        if network is None:
            continue
        for plan in plans:
            strategies.append(
                ProductStrategy(
                    network=network,
                    title=plan["title"],
                    start_year=plan["years"][0],
                    end_year=plan["years"][1],
                    goals="\n".join(plan["goals"]),
                    strategic_lines=[str(line) for line in plan["lines"]],
                    status=plan["status"],
                    approved_on=plan.get("approved_on"),
                    created_by=admin,
                )
            )
            targets_plan.append(plan["targets"])
    ProductStrategy.objects.bulk_create(strategies)
    if any(s.pk is None for s in strategies):  # databases without RETURNING
        by_title = {s.title: s for s in ProductStrategy.objects.all()}
        strategies = [by_title[s.title] for s in strategies]
    ProductStrategy.history.bulk_history_create(strategies, default_user=admin)
    targets = [
        MarketTarget(strategy=strategy, market=market, target_value=Decimal(value), unit=unit, year=year)
        for strategy, plan in zip(strategies, targets_plan, strict=True)
        for market, value, unit, year in plan
    ]
    MarketTarget.objects.bulk_create(targets)
    MarketTarget.history.bulk_history_create(targets, default_user=admin)
    return len(strategies), len(targets)


def _seed_needs(
    ctx: DemoContext, rng: random.Random, products: dict[str, Network], countries: dict[str, Network], staff: list
) -> tuple[int, int]:
    now = timezone.now()
    admin = ctx.shared.get("admin")
    orgs = list(
        Organization.objects.filter(network_memberships__until__isnull=True)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not orgs:
        return 0, 0
    product_of: dict[int, list[int]] = defaultdict(list)
    product_ids = {n.pk for n in products.values()}
    for member_id, product_network_id in NetworkMembership.objects.filter(
        until__isnull=True, network_id__in=product_ids
    ).values_list("organization_id", "network_id"):
        product_of[member_id].append(product_network_id)
    portal_orgs = sorted(set(PortalAccess.objects.values_list("organization_id", flat=True)))
    chosen = rng.sample(orgs, k=min(len(orgs), max(20, int(len(orgs) * NEEDS_PER_ORGANIZATION))))
    # Every portal login's organization gets two or three needs, the first one answered.
    owners: list[tuple[int | None, int | None, str | None]] = []
    for portal_org_id in portal_orgs:
        for index in range(rng.randint(2, 3)):
            owners.append((portal_org_id, None, "answered" if index == 0 else None))
    portal_set = set(portal_orgs)
    owners += [(chosen_id, None, None) for chosen_id in chosen if chosen_id not in portal_set]
    owners += [(None, network.pk, None) for network in list(products.values())[:4]]

    categories = list(NEEDS)
    needs: list[Need] = []
    plans: list[tuple[datetime.datetime, list[tuple[str, datetime.datetime]]]] = []
    for position, (org_id, owner_network_id, forced_status) in enumerate(owners):
        network_id: int | None = owner_network_id
        # Every category and every status appear, then chance decides.
        category = categories[position % len(categories)]
        status = forced_status or (
            Need.Status.values[position % 4]
            if position < 8
            else rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        )
        priority = rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0]
        if owner_network_id is not None:
            title, category, description = NETWORK_NEEDS[position % len(NETWORK_NEEDS)]
        else:
            title, description = rng.choice(NEEDS[category])
            # Market and production needs are raised within the organization's product network.
            if category in (Need.Category.MARKET_ACCESS, Need.Category.PRODUCTION) and product_of.get(org_id or 0):
                network_id = product_of[org_id or 0][0]
        raised_at = now - datetime.timedelta(days=rng.randint(5, 400), hours=rng.randint(0, 23))
        path = STEPS[status]
        source = Need.Source.PORTAL if org_id is not None and rng.random() < 0.7 else Need.Source.STAFF
        answered = "answered" in path
        need = Need(
            organization_id=org_id,
            network_id=network_id,
            title=title,
            category=category,
            priority=priority,
            priority_rank=Need.PRIORITY_RANK[priority],
            description=description,
            status=status,
            source=source,
            response=rng.choice(RESPONSES) if answered else "",
            raised_by=None if source == Need.Source.PORTAL else rng.choice(staff),
        )
        step_dates: list[tuple[str, datetime.datetime]] = []
        at = raised_at
        for step in path:
            step_dates.append((step, at))
            at = min(at + datetime.timedelta(days=rng.randint(2, 30)), now)
        if answered:
            need.answered_at = step_dates[path.index("answered")][1]
            need.answered_by = rng.choice(staff)
        needs.append(need)
        plans.append((raised_at, step_dates))
    Need.objects.bulk_create(needs, batch_size=1000)
    if any(n.pk is None for n in needs):  # databases without RETURNING
        needs = list(Need.objects.order_by("pk"))[-len(needs) :]
    # Raised in the past: created_at (auto_now_add) is set to the day each need was raised.
    Need.objects.filter(pk__in=[n.pk for n in needs]).update(
        created_at=Case(
            *[When(pk=need.pk, then=Value(raised)) for need, (raised, _steps) in zip(needs, plans, strict=True)],
            output_field=DateTimeField(),
        )
    )
    for need, (raised, _steps) in zip(needs, plans, strict=True):
        need.created_at = raised
    Need.history.bulk_history_create(needs, default_user=admin, batch_size=1000)
    events = []
    for need, (_raised, steps) in zip(needs, plans, strict=True):
        previous = ""
        for step, step_at in steps:
            actor = need.raised_by if previous == "" else (need.answered_by or rng.choice(staff))
            events.append(
                NeedEvent(
                    need=need,
                    from_status=previous,
                    to_status=step,
                    at=step_at,
                    actor=actor,
                )
            )
            previous = step
    NeedEvent.objects.bulk_create(events, batch_size=2000)
    return len(needs), len(events)


def _seed_sustainability(
    ctx: DemoContext, rng: random.Random, countries: dict[str, Network], admin: Any
) -> tuple[int, int]:
    today = ctx.today
    spos = Organization.objects.filter(
        kind__in=(Organization.Kind.SPO, Organization.Kind.SPO2), network_memberships__until__isnull=True
    ).distinct()
    rows: list[SustainabilityStrategy] = []
    areas = list(SustainabilityArea.values)
    for org_id, country_id in spos.order_by("pk").values_list("pk", "country_id"):
        network = countries.get(country_id)
        if network is None:
            continue
        draw = rng.random()
        if draw < 0.30:
            status = SustainabilityStrategy.Status.ADOPTED
        elif draw < 0.55:
            status = SustainabilityStrategy.Status.DRAFTING
        elif draw < 0.70:
            status = SustainabilityStrategy.Status.NONE
        else:
            continue  # not recorded yet
        chosen = sorted(rng.sample(areas, k=rng.randint(2, 5))) if status != "none" else []
        rows.append(
            SustainabilityStrategy(
                organization_id=org_id,
                status=status,
                areas=chosen,
                adopted_on=today - datetime.timedelta(days=rng.randint(30, 365 * 4)) if status == "adopted" else None,
                supporting_network=network,
                updated_by=admin,
            )
        )
    SustainabilityStrategy.objects.bulk_create(rows, batch_size=1000)
    if any(row.pk is None for row in rows):  # databases without RETURNING
        rows = list(SustainabilityStrategy.objects.order_by("pk"))
    SustainabilityStrategy.history.bulk_history_create(rows, default_user=admin, batch_size=1000)
    adopted = sum(1 for row in rows if row.status == SustainabilityStrategy.Status.ADOPTED)
    return len(rows), adopted


def seed(ctx: DemoContext, rng: random.Random) -> dict[str, int]:
    # A stream of its own: what the other areas draw does not change these rows.
    rng = random.Random(f"{ctx.seed}:networks:strategies")
    products, countries = _networks(ctx)
    if not products and not countries:
        return {}
    admin = ctx.shared.get("admin")
    staff_users = ctx.shared.get("staff_users") or {}
    staff = [
        user for user in (staff_users.get(StaffRole.COORDINATOR), staff_users.get(StaffRole.ADMIN), admin) if user
    ] or [None]
    strategies, targets = _seed_product_strategies(products, admin)
    needs, events = _seed_needs(ctx, rng, products, countries, staff)
    sustainability, adopted = _seed_sustainability(ctx, rng, countries, admin)
    return {
        "product strategies": strategies,
        "market targets": targets,
        "needs": needs,
        "need steps": events,
        "sustainability strategies": sustainability,
        "adopted sustainability strategies": adopted,
    }
