"""Demo data of the reviews area, after the Fairtrade reviews as they happened:

- coffee: the 2022 cost-of-production study (washed arabica, $1.76/lb), then the 2022-2023
  minimum price and premium review, its consultation from 1 December 2022 to 28 February 2023
  answered by most of the coffee network's members (hundreds at --scale small, thousands at
  --scale large), and the decision: $1.80/lb minimum, $0.20/lb premium, $0.40/lb organic
  differential from 1 August 2023. Earlier decisions ($1.25/lb in 2008, $1.40/lb since April
  2011) give the price chart its history;
- cocoa: the 2019 price review ($2,400/t minimum, $240/t premium from 1 October 2019, after
  $2,000/t and $200/t since 2011), and a cost-of-production study whose consultation is open
  now (`ctx.today`): the demo portal users of cocoa organizations can answer it; about a third
  of the invited have, in their own currencies (a few in bolivianos, for which CLAC keeps no
  exchange rate, so the results page shows how such answers are reported).

Answers are bulk-inserted (ConsultationResponse is not audited); reviews, rounds and price
references are saved one by one with their history. Uses the product networks left in
`ctx.shared["networks"]` (or the Network rows that exist) and their current members."""

import datetime
import math
import random
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from clac.plugins import DemoContext
from members.models import Product
from networks.models import (
    ConsultationInvitation,
    ConsultationResponse,
    ConsultationRound,
    Network,
    NetworkMembership,
    PriceReference,
    Review,
    ReviewDocument,
    ReviewEvent,
)
from networks.selectors.networks import CURRENT_MEMBERSHIP

# Share of each cost category in a coffee or cocoa farm's cost per unit (FAO and Fairtrade cost
# studies put labour first by far).
CATEGORY_SHARES = {
    "labour": Decimal("0.46"),
    "inputs": Decimal("0.19"),
    "certification": Decimal("0.05"),
    "processing": Decimal("0.12"),
    "transport": Decimal("0.08"),
    "administration": Decimal("0.10"),
}
# Currency → USD per unit used to write the open round's answers in local money.
LOCAL_CURRENCIES = {"PE": "PEN", "CO": "COP", "MX": "MXN", "BR": "BRL", "BO": "BOB"}
APPROXIMATE_RATES = {
    "PEN": Decimal("0.266"),
    "COP": Decimal("0.000248"),
    "MXN": Decimal("0.055"),
    "BRL": Decimal("0.19"),
    "BOB": Decimal("0.145"),
}


def _network(ctx: DemoContext, category: str) -> Network | None:
    shared = (ctx.shared.get("networks") or {}).get("product") or {}
    return shared.get(category) or Network.objects.filter(kind=Network.Kind.PRODUCT, product_network=category).first()


def _members(network: Network) -> list[tuple[int, str]]:
    return list(
        NetworkMembership.objects.filter(CURRENT_MEMBERSHIP, network=network)
        .order_by("organization_id")
        .values_list("organization_id", "organization__country_id")
    )


def _review(
    *,
    product: Product,
    network: Network,
    kind: str,
    title: str,
    description: str,
    moves: list[tuple[str, datetime.date, str]],
    actor: Any,
) -> Review:
    """A review with its moves (stage, date, note), the last one its current stage."""
    stage, since, _note = moves[-1]
    review = Review(
        product=product,
        network=network,
        kind=kind,
        title=title,
        description=description,
        stage=stage,
        stage_since=since,
        created_by=actor,
    )
    review.save()
    previous = ""
    for to_stage, effective_on, note in moves:
        ReviewEvent.objects.create(
            review=review, from_stage=previous, to_stage=to_stage, effective_on=effective_on, note=note, actor=actor
        )
        previous = to_stage
    return review


def _document(review: Review, stage: str, title: str, text: str, actor: Any) -> None:
    document = ReviewDocument(review=review, stage=stage, title=title, uploaded_by=actor)
    document.file.save(f"{title.lower().replace(' ', '-')[:60]}.txt", ContentFile(text.encode()), save=False)
    document.save()


def _price(product: Product, review: Review | None, kind: str, on: datetime.date, **values: Any) -> PriceReference:
    reference = PriceReference(product=product, review=review, kind=kind, effective_from=on, **values)
    reference.save()
    return reference


def _answers(
    rng: random.Random,
    round_: ConsultationRound,
    members: list[tuple[int, str]],
    *,
    share: float,
    median: Decimal,
    spread: float,
    volume_range: tuple[int, int],
    local_currency: bool,
    submitted_between: tuple[datetime.datetime, datetime.datetime],
    skip: set[int],
    drafts: float = 0.05,
    exact_median: bool = False,
) -> int:
    """Answers of about `share` of the members: totals log-normal around `median` (USD per
    unit), a couple of outliers, split by category, most with a volume."""
    rows = []
    start, end = submitted_between
    for index, (organization_id, country) in enumerate(members):
        if organization_id in skip:
            continue
        draw = rng.random()
        if draw > share + drafts:
            continue
        is_draft = draw > share
        total_usd = median * Decimal(str(math.exp(rng.gauss(0, spread))))
        if index % 97 == 13:
            total_usd *= Decimal("2.6")  # a typing slip or a very small farm: flagged as outlier
        currency = "USD"
        factor = Decimal(1)
        if local_currency and country in LOCAL_CURRENCIES and rng.random() < 0.7:
            currency = LOCAL_CURRENCIES[country]
            factor = 1 / APPROXIMATE_RATES[currency]
        total = (total_usd * factor).quantize(Decimal("0.0001"))
        costs = {f"cost_{name}": (total * part).quantize(Decimal("0.0001")) for name, part in CATEGORY_SHARES.items()}
        moment = start + (end - start) * rng.random()
        rows.append(
            ConsultationResponse(
                round=round_,
                organization_id=organization_id,
                status=ConsultationResponse.Status.DRAFT if is_draft else ConsultationResponse.Status.SUBMITTED,
                currency=currency,
                **costs,
                cost_total=sum(costs.values(), Decimal(0)),
                yield_per_hectare=Decimal(rng.randint(8, 30) * 50),
                hectares=Decimal(rng.randint(40, 4000)),
                labour_days=Decimal(rng.randint(60, 160)),
                volume=Decimal(rng.randint(*volume_range)) if rng.random() < 0.85 else None,
                open_answers=["La mano de obra y los fertilizantes."] * len(round_.open_questions),
                submitted_at=None if is_draft else moment,
            )
        )
    if exact_median:
        # The study's published result is the median of its answers: scale them onto it.
        totals: list[Decimal] = sorted(
            r.cost_total for r in rows if r.status == ConsultationResponse.Status.SUBMITTED and r.cost_total is not None
        )
        if totals:
            middle = len(totals) // 2
            sample = totals[middle] if len(totals) % 2 else (totals[middle - 1] + totals[middle]) / 2
            factor = median / sample
            for row in rows:
                for name in CATEGORY_SHARES:
                    cost: Decimal = getattr(row, f"cost_{name}")
                    setattr(row, f"cost_{name}", (cost * factor).quantize(Decimal("0.0001")))
                row.cost_total = sum((getattr(row, f"cost_{name}") for name in CATEGORY_SHARES), Decimal(0))
    ConsultationResponse.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _invite(round_: ConsultationRound, members: list[tuple[int, str]], actor: Any) -> int:
    at = timezone.make_aware(datetime.datetime.combine(round_.opens_on, datetime.time(9)))
    ConsultationInvitation.objects.bulk_create(
        [
            ConsultationInvitation(round=round_, organization_id=pk, invited_at=at, invited_by=actor)
            for pk, _c in members
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(members)


def seed(ctx: DemoContext, rng: random.Random) -> dict[str, int]:
    rng = random.Random(f"{ctx.seed}:networks:reviews")
    coffee_network = _network(ctx, "coffee")
    cocoa_network = _network(ctx, "cocoa")
    coffee = Product.objects.filter(code="coffee").first()
    cocoa = Product.objects.filter(code="cocoa").first()
    if coffee_network is None or cocoa_network is None or coffee is None or cocoa is None:
        return {}
    staff = ctx.shared.get("staff_users") or {}
    coordinator = staff.get("coordinator") or ctx.shared.get("admin")
    me_officer = staff.get("me_officer") or ctx.shared.get("admin")
    today = ctx.today
    counts = {"reviews": 0, "consultation answers": 0, "consultation invitations": 0, "price references": 0}
    d = datetime.date

    # --- Coffee: earlier decisions, the 2022 cost study and the 2022-2023 price review ------
    for on, minimum, premium, organic in (
        (d(2008, 6, 1), "1.25", "0.10", "0.20"),
        (d(2011, 4, 1), "1.40", "0.20", "0.30"),
    ):
        _price(
            coffee, None, PriceReference.Kind.DECISION, on, minimum_price=Decimal(minimum), premium=Decimal(premium),
            organic_differential=Decimal(organic), unit="lb", notes="Arábica lavado, FOB",
        )  # fmt: skip
        counts["price references"] += 1
    study = _review(
        product=coffee,
        network=coffee_network,
        kind=Review.Kind.COST_STUDY,
        title="Estudio de costos sostenibles de producción de café 2022",
        description="Costos de producción de café arábica lavado en las organizaciones de la red, por país.",
        moves=[
            (Review.Stage.PLANNING, d(2022, 2, 1), ""),
            (Review.Stage.CONSULTATION, d(2022, 4, 4), "Encuesta a las organizaciones y visitas de campo."),
            (Review.Stage.ANALYSIS, d(2022, 7, 1), ""),
            (Review.Stage.PROPOSAL, d(2022, 9, 15), "Resultado: 1,76 USD/lb para el arábica lavado."),
            (Review.Stage.DECIDED, d(2022, 10, 20), "Estudio validado por el comité técnico."),
            (Review.Stage.PUBLISHED, d(2022, 11, 7), ""),
        ],
        actor=coordinator,
    )
    _document(
        study, Review.Stage.PUBLISHED, "Resumen del estudio de costos 2022",
        "Costo sostenible de producción del café arábica lavado: 1,76 USD por libra (mediana).\n", coordinator,
    )  # fmt: skip
    members = _members(coffee_network)
    study_round = ConsultationRound(
        review=study, title="Encuesta de costos 2022", opens_on=d(2022, 4, 4), closes_on=d(2022, 5, 31),
        open_questions=["¿Qué costo subió más desde 2019?"], reminder_days=7,
    )  # fmt: skip
    study_round.save()
    counts["consultation invitations"] += _invite(study_round, members, coordinator)
    counts["consultation answers"] += _answers(
        rng, study_round, members, share=0.45, median=Decimal("1.76"), spread=0.16, volume_range=(40_000, 4_000_000),
        local_currency=False, submitted_between=(_at(d(2022, 4, 5)), _at(d(2022, 5, 30))), skip=set(),
        exact_median=True,
    )  # fmt: skip

    review = _review(
        product=coffee,
        network=coffee_network,
        kind=Review.Kind.PRICE,
        title="Revisión del precio mínimo y la prima del café 2022-2023",
        description="Revisión de Fairtrade International del precio mínimo y la prima del café arábica y robusta.",
        moves=[
            (Review.Stage.PLANNING, d(2022, 9, 1), ""),
            (Review.Stage.CONSULTATION, d(2022, 12, 1), "Consulta abierta a productores y comercializadores."),
            (Review.Stage.ANALYSIS, d(2023, 3, 1), ""),
            (Review.Stage.PROPOSAL, d(2023, 4, 17), "Posición de la red: 1,80 USD/lb y prima de 0,20 USD/lb."),
            (Review.Stage.DECIDED, d(2023, 6, 15), "Decisión del Comité de Estándares."),
            (Review.Stage.PUBLISHED, d(2023, 6, 30), "Vigente desde el 1 de agosto de 2023."),
        ],
        actor=coordinator,
    )
    _document(
        review, Review.Stage.PUBLISHED, "Decisión sobre el precio mínimo del café",
        "Precio mínimo del arábica lavado: 1,80 USD/lb FOB; prima Fairtrade: 0,20 USD/lb; "
        "diferencial orgánico: 0,40 USD/lb; desde el 1 de agosto de 2023.\n", coordinator,
    )  # fmt: skip
    price_round = ConsultationRound(
        review=review, title="Consulta sobre precios del café 2022-2023", opens_on=d(2022, 12, 1),
        closes_on=d(2023, 2, 28), reminder_days=7,
        open_questions=["¿Qué nivel de precio mínimo cubre sus costos sostenibles?", "¿Cómo usa la prima hoy?"],
    )  # fmt: skip
    price_round.save()
    counts["consultation invitations"] += _invite(price_round, members, coordinator)
    ConsultationInvitation.objects.filter(round=price_round).update(reminded_at=_at(d(2023, 2, 21)))
    counts["consultation answers"] += _answers(
        rng, price_round, members, share=0.62, median=Decimal("1.78"), spread=0.17, volume_range=(40_000, 4_000_000),
        local_currency=False, submitted_between=(_at(d(2022, 12, 2)), _at(d(2023, 2, 28))), skip=set(),
    )  # fmt: skip
    _price(
        coffee, review, PriceReference.Kind.POSITION, d(2023, 4, 17), minimum_price=Decimal("1.80"),
        premium=Decimal("0.20"), organic_differential=Decimal("0.40"), unit="lb", notes="Posición de la red de café",
    )  # fmt: skip
    _price(
        coffee, review, PriceReference.Kind.DECISION, d(2023, 8, 1), minimum_price=Decimal("1.80"),
        premium=Decimal("0.20"), organic_differential=Decimal("0.40"), unit="lb", notes="Arábica lavado, FOB",
    )  # fmt: skip
    counts["price references"] += 2
    counts["reviews"] += 2

    # --- Cocoa: the 2019 price review and a cost study consulting now ---------------------
    _price(
        cocoa, None, PriceReference.Kind.DECISION, d(2011, 1, 1), minimum_price=Decimal("2000"),
        premium=Decimal("200"), organic_differential=Decimal("300"), unit="t", notes="FOB",
    )  # fmt: skip
    cocoa_members = _members(cocoa_network)
    cocoa_review = _review(
        product=cocoa,
        network=cocoa_network,
        kind=Review.Kind.PRICE,
        title="Revisión del precio mínimo y la prima del cacao 2019",
        description="Revisión del precio mínimo y la prima Fairtrade del cacao.",
        moves=[
            (Review.Stage.PLANNING, d(2018, 9, 3), ""),
            (Review.Stage.CONSULTATION, d(2019, 2, 1), ""),
            (Review.Stage.ANALYSIS, d(2019, 3, 18), ""),
            (Review.Stage.PROPOSAL, d(2019, 5, 6), ""),
            (Review.Stage.DECIDED, d(2019, 6, 20), "2.400 USD/t y prima de 240 USD/t."),
            (Review.Stage.PUBLISHED, d(2019, 7, 1), "Vigente desde el 1 de octubre de 2019."),
        ],
        actor=me_officer,
    )
    cocoa_round = ConsultationRound(
        review=cocoa_review, title="Consulta sobre precios del cacao 2019", opens_on=d(2019, 2, 1),
        closes_on=d(2019, 3, 15), open_questions=["¿Qué parte de su cacao vende en condiciones Fairtrade?"],
    )  # fmt: skip
    cocoa_round.save()
    counts["consultation invitations"] += _invite(cocoa_round, cocoa_members, me_officer)
    counts["consultation answers"] += _answers(
        rng, cocoa_round, cocoa_members, share=0.5, median=Decimal("2250"), spread=0.15, volume_range=(20, 3000),
        local_currency=False, submitted_between=(_at(d(2019, 2, 2)), _at(d(2019, 3, 15))), skip=set(),
    )  # fmt: skip
    _price(
        cocoa, cocoa_review, PriceReference.Kind.DECISION, d(2019, 10, 1), minimum_price=Decimal("2400"),
        premium=Decimal("240"), organic_differential=Decimal("300"), unit="t", notes="FOB",
    )  # fmt: skip
    counts["price references"] += 2

    opened = today - datetime.timedelta(days=20)
    cocoa_study = _review(
        product=cocoa,
        network=cocoa_network,
        kind=Review.Kind.COST_STUDY,
        title=f"Estudio de costos de producción del cacao {today.year}",
        description="Costos sostenibles de producción del cacao para preparar la próxima revisión de precios.",
        moves=[
            (Review.Stage.PLANNING, today - datetime.timedelta(days=75), ""),
            (Review.Stage.CONSULTATION, opened, "Consulta a las organizaciones de la red de cacao."),
        ],
        actor=me_officer,
    )
    open_round = ConsultationRound(
        review=cocoa_study, title=f"Encuesta de costos del cacao {today.year}", opens_on=opened,
        closes_on=today + datetime.timedelta(days=12), reminder_days=7,
        open_questions=["¿Qué costos subieron más en los dos últimos años?", "¿Qué apoyo necesita su organización?"],
    )  # fmt: skip
    open_round.save()
    counts["consultation invitations"] += _invite(open_round, cocoa_members, me_officer)
    # The demo portal users' organizations have not answered yet: they can try it.
    portal_orgs = set(
        NetworkMembership.objects.filter(
            organization__portal_accesses__user__username__in=list((ctx.shared.get("users") or {}).keys())
        ).values_list("organization_id", flat=True)
    )
    counts["consultation answers"] += _answers(
        rng, open_round, cocoa_members, share=0.33, median=Decimal("2550"), spread=0.18, volume_range=(20, 3000),
        local_currency=True, submitted_between=(_at(opened), timezone.now()), skip=portal_orgs, drafts=0.08,
    )  # fmt: skip
    counts["reviews"] += 2
    return counts


def _at(on: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(on, datetime.time(10)))
