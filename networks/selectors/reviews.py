"""Reads of the reviews area: who may read and manage a review, the access helpers (review,
round, document), the lists, the portal's consultations, the price history, and the results
of the consultation rounds aggregated in the database.

Who reads what (docs/decisions/NNNN-reviews-aggregation.md, docs/user-guide.md):
- Administrators and M&E officers manage every review; a coordinator manages the reviews of
  the product networks they coordinate and reads the others; viewers read. Finance and
  communications have no part in price reviews: 403.
- An organization's individual answer is read by that organization (portal) and by the staff
  who manage the review. Everyone else (viewers, coordinators of other networks, partners,
  other organizations) sees aggregated figures only, and never the figures of a group of
  fewer than MIN_GROUP_ANSWERS answers (a country with one answer would reveal it).
- Portal: a round is found only by the organizations invited to it (404 for any other).

Results (one query per figure set, whatever the number of answers): every submitted answer's
total cost per unit is converted to USD with the rate of its currency on the round's closing
date or the latest before it (members.ExchangeRate); an answer whose currency has no such
rate is counted and reported, never silently dropped nor converted with a guess. Quartiles
are PostgreSQL's percentile_cont (linear interpolation); the weighted ones, by volume, are
the first value whose running sum of volumes reaches 25/50/75 % of the group's volume (window
sums). Outliers: below Q1 - 1.5·IQR or above Q3 + 1.5·IQR of the round's overall unweighted
quartiles; flagged and counted, kept in every figure. SQLite (the demo) computes the
unweighted quartiles in Python with the same interpolation."""

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from clac.roles import StaffRole, user_has_any_role, user_is_staff_member
from members.models import Country, ExchangeRate, Organization, Product
from members.selectors.access import access_scope
from networks.models import (
    ConsultationInvitation,
    ConsultationResponse,
    ConsultationRound,
    Network,
    PriceReference,
    Review,
    ReviewDocument,
    ReviewEvent,
)
from networks.models.reviews import COST_CATEGORIES
from networks.selectors.networks import network_ids_coordinated_by

__all__ = [
    "MIN_GROUP_ANSWERS",
    "REVIEW_MANAGER_ROLES",
    "REVIEW_READER_ROLES",
    "FigureSet",
    "RoundResults",
    "consultation_round_get_for_user",
    "percentile_cont",
    "portal_consultations",
    "price_reference_chart",
    "price_reference_list",
    "review_can_change",
    "review_detail_context",
    "review_document_get_for_user",
    "review_get_for_user",
    "review_list",
    "round_answers",
    "round_results",
    "rounds_results",
    "weighted_percentile",
]

# Roles that manage every review; coordinators manage their networks' reviews.
REVIEW_MANAGER_ROLES = frozenset({StaffRole.ADMIN, StaffRole.ME_OFFICER})
# Roles that read reviews at all (finance and communications do not: 403).
REVIEW_READER_ROLES = frozenset({StaffRole.ADMIN, StaffRole.ME_OFFICER, StaffRole.COORDINATOR, StaffRole.VIEWER})
# Fewer answers than this in a group (a country, or a whole round): its figures are shown only
# to the staff who manage the review, since they would reveal one organization's costs.
MIN_GROUP_ANSWERS = 5
OUTLIER_IQR_FACTOR = Decimal("1.5")
FIGURE_PLACES = Decimal("0.0001")
# How long a closed round's figures stay cached (the key changes with any new rate anyway).
CACHE_SECONDS = 24 * 3600


# --- Access ---------------------------------------------------------------------------------


def review_can_read(user) -> bool:
    return user_has_any_role(user, REVIEW_READER_ROLES)


def review_can_change(user, review: Review) -> bool:
    """Administrators and M&E officers: every review; a coordinator: their networks' reviews."""
    if user_has_any_role(user, REVIEW_MANAGER_ROLES):
        return True
    return user_has_any_role(user, [StaffRole.COORDINATOR]) and review.network_id in network_ids_coordinated_by(user)


def review_can_create(user) -> bool:
    return user_has_any_role(user, REVIEW_MANAGER_ROLES) or bool(network_ids_coordinated_by(user))


def products_managed_by(user) -> QuerySet[Product]:
    """The products whose reviews the user may open: every product for administrators and M&E
    officers, a coordinator's networks' products otherwise."""
    products = Product.objects.order_by("name")
    if user_has_any_role(user, REVIEW_MANAGER_ROLES):
        return products
    categories = Network.objects.filter(pk__in=network_ids_coordinated_by(user), kind=Network.Kind.PRODUCT).values(
        "product_network"
    )
    return products.filter(network__in=categories)


def _require_reader(user) -> None:
    if not user_is_staff_member(user):
        raise Http404
    if not review_can_read(user):
        raise PermissionDenied


def review_get_for_user(*, user, pk: int, for_change: bool = False) -> Review:
    """A review for the staff roles that read reviews (403 for finance and communications, 404
    for anyone else and an unknown one); `for_change`: 403 unless review_can_change."""
    _require_reader(user)
    review = Review.objects.select_related("product", "network").filter(pk=pk).first()
    if review is None:
        raise Http404
    if for_change and not review_can_change(user, review):
        raise PermissionDenied
    return review


def review_document_get_for_user(*, user, pk: int, for_change: bool = False) -> ReviewDocument:
    _require_reader(user)
    document = ReviewDocument.objects.select_related("review").filter(pk=pk).first()
    if document is None:
        raise Http404
    if for_change and not review_can_change(user, document.review):
        raise PermissionDenied
    return document


def consultation_round_get_for_user(
    *, user, pk: int, organization: Organization | None = None, for_change: bool = False
) -> ConsultationRound:
    """A round. Staff (no `organization`): the review's readers, `for_change` its managers.
    Portal (`organization`, the portal's current one): only a round that organization is
    invited to (404 otherwise, so the portal never reveals one)."""
    scope = access_scope(user=user, organization=organization)
    rounds = ConsultationRound.objects.select_related("review", "review__product", "review__network")
    if scope is None:
        _require_reader(user)
        found = rounds.filter(pk=pk).first()
        if found is None:
            raise Http404
        if for_change and not review_can_change(user, found.review):
            raise PermissionDenied
        return found
    found = rounds.filter(pk=pk, invitations__organization=scope).first()
    if found is None:
        raise Http404
    return found


# --- Lists ----------------------------------------------------------------------------------


def review_list(*, filters: dict[str, Any] | None = None) -> QuerySet[Review]:
    """Reviews with their product and network, and their rounds counted (one query a page)."""
    filters = filters or {}
    queryset = Review.objects.select_related("product", "network").annotate(round_count=Count("rounds"))
    if filters.get("product"):
        queryset = queryset.filter(product=filters["product"])
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("stage"):
        queryset = queryset.filter(stage=filters["stage"])
    if filters.get("network"):
        queryset = queryset.filter(network=filters["network"])
    return queryset.order_by("-stage_since", "-id")


def rounds_with_counts(review_ids: Iterable[int]) -> QuerySet[ConsultationRound]:
    """Rounds of the reviews with their invited, submitted and draft counts (one query)."""
    return _rounds_counted(ConsultationRound.objects.filter(review_id__in=list(review_ids)))


def _rounds_counted(rounds: QuerySet[ConsultationRound]) -> QuerySet[ConsultationRound]:
    invited = (
        ConsultationInvitation.objects.filter(round_id=OuterRef("pk"))
        .order_by()
        .values("round_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    answered = (
        ConsultationResponse.objects.filter(round_id=OuterRef("pk"), status=ConsultationResponse.Status.SUBMITTED)
        .order_by()
        .values("round_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    drafts = (
        ConsultationResponse.objects.filter(round_id=OuterRef("pk"), status=ConsultationResponse.Status.DRAFT)
        .order_by()
        .values("round_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return rounds.annotate(
        invited_count=Coalesce(Subquery(invited), 0),
        submitted_count=Coalesce(Subquery(answered), 0),
        draft_count=Coalesce(Subquery(drafts), 0),
    ).order_by("review_id", "opens_on", "id")


def response_rate(submitted: int, invited: int) -> Decimal | None:
    """Submitted answers as a percentage of the invited organizations (None: nobody invited)."""
    if not invited:
        return None
    return (Decimal(submitted) * 100 / Decimal(invited)).quantize(Decimal("0.1"))


def review_detail_context(*, review: Review) -> dict[str, Any]:
    """A review's page: its moves, documents by stage, rounds with their counts, and price
    references (a constant number of queries)."""
    rounds = list(rounds_with_counts([review.pk]))
    for round_ in rounds:
        round_.response_rate = response_rate(round_.submitted_count, round_.invited_count)  # type: ignore[attr-defined]
    documents = list(review.documents.select_related("uploaded_by").order_by("created_at", "id"))
    stage_order = {value: index for index, value in enumerate(Review.Stage.values)}
    documents.sort(key=lambda d: (stage_order[d.stage], d.created_at, d.pk))
    return {
        "events": list(review.events.select_related("actor").order_by("effective_on", "id")),
        "documents": documents,
        "rounds": rounds,
        "price_references": list(review.price_references.order_by("kind", "-effective_from", "id")),
    }


def review_events(review_ids: Sequence[int]) -> dict[int, list[ReviewEvent]]:
    events: dict[int, list[ReviewEvent]] = defaultdict(list)
    for event in ReviewEvent.objects.filter(review_id__in=list(review_ids)).order_by("effective_on", "id"):
        events[event.review_id].append(event)
    return events


# --- Portal ---------------------------------------------------------------------------------


def portal_consultations(*, organization: Organization, today: datetime.date | None = None) -> dict[str, Any]:
    """The rounds `organization` is invited to, with its own answer's status: open now, and the
    others (upcoming and closed). Two queries."""
    today = today or timezone.localdate()
    own_status = ConsultationResponse.objects.filter(round_id=OuterRef("round_id"), organization=organization).values(
        "status"
    )[:1]
    invitations = list(
        ConsultationInvitation.objects.filter(organization=organization)
        .select_related("round", "round__review", "round__review__product")
        .annotate(answer_status=Subquery(own_status))
        .order_by("-round__closes_on", "-round_id")
    )
    open_now = [i for i in invitations if i.round.opens_on <= today <= i.round.closes_on]
    others = [i for i in invitations if not (i.round.opens_on <= today <= i.round.closes_on)]
    return {"open_rounds": open_now, "other_rounds": others, "today": today}


def organization_response(*, round_: ConsultationRound, organization: Organization) -> ConsultationResponse | None:
    return ConsultationResponse.objects.filter(round=round_, organization=organization).first()


# --- Price references -----------------------------------------------------------------------


def price_reference_list(*, product: Product | None = None, kind: str = "") -> QuerySet[PriceReference]:
    queryset = PriceReference.objects.select_related("product", "review")
    if product is not None:
        queryset = queryset.filter(product=product)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("product__name", "-effective_from", "-id")


CHART_WIDTH = 600
CHART_HEIGHT = 200
CHART_PAD = 30


@dataclass
class ChartPoint:
    x: float
    y: float
    value: Decimal
    on: datetime.date


@dataclass
class ChartSeries:
    key: str
    label: str
    points: list[ChartPoint]
    polyline: str


def price_reference_chart(
    references: Sequence[PriceReference], *, labels: dict[str, str], today: datetime.date | None = None
) -> dict[str, Any] | None:
    """The decisions of one product as step lines (a price holds until the next decision), the
    minimum price and the premium, on a time axis up to today, both from zero to the largest
    value. None when there is nothing to draw."""
    decisions = sorted(
        (r for r in references if r.kind == PriceReference.Kind.DECISION), key=lambda r: r.effective_from
    )
    if not decisions:
        return None
    today = today or timezone.localdate()
    start = decisions[0].effective_from
    end = max(today, decisions[-1].effective_from + datetime.timedelta(days=365))
    span = max((end - start).days, 1)
    top = max(max(r.minimum_price, r.premium) for r in decisions) or Decimal(1)
    inner_w = CHART_WIDTH - 2 * CHART_PAD
    inner_h = CHART_HEIGHT - 2 * CHART_PAD

    def x_of(on: datetime.date) -> float:
        return round(CHART_PAD + inner_w * (on - start).days / span, 1)

    def y_of(value: Decimal) -> float:
        return round(CHART_HEIGHT - CHART_PAD - inner_h * float(value / top), 1)

    series = []
    for key in ("minimum_price", "premium"):
        points = [
            ChartPoint(x_of(r.effective_from), y_of(getattr(r, key)), getattr(r, key), r.effective_from)
            for r in decisions
        ]
        steps: list[str] = []
        for index, point in enumerate(points):
            if index:
                steps.append(f"{point.x},{points[index - 1].y}")
            steps.append(f"{point.x},{point.y}")
        steps.append(f"{x_of(end)},{points[-1].y}")
        series.append(ChartSeries(key, labels[key], points, " ".join(steps)))
    years = range(start.year + 1, end.year + 1)
    ticks = [{"x": x_of(datetime.date(year, 1, 1)), "year": year} for year in years]
    return {
        "series": series,
        "ticks": ticks,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_PAD,
        "left": CHART_PAD,
        "right": CHART_WIDTH - CHART_PAD,
        "top_value": top,
        "top_y": CHART_PAD,
        "unit": decisions[-1].unit,
        "currency": decisions[-1].currency,
    }


# --- Results --------------------------------------------------------------------------------


def percentile_cont(values: Sequence[Decimal], fraction: Decimal) -> Decimal | None:
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = Decimal(len(ordered) - 1) * fraction
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def weighted_percentile(pairs: Sequence[tuple[Decimal, Decimal]], fraction: Decimal) -> Decimal | None:
    """The first value (ascending) at which the running sum of weights reaches `fraction` of the
    total weight: what the SQL's window sums compute."""
    ordered = sorted(pairs, key=lambda pair: pair[0])
    total = sum((weight for _, weight in ordered), Decimal(0))
    if not ordered or total <= 0:
        return None
    running = Decimal(0)
    for value, weight in ordered:
        running += weight
        if running >= fraction * total:
            return value
    return ordered[-1][0]


@dataclass
class FigureSet:
    """The figures of one group (a country, or the whole round), in USD per unit of trade."""

    country: str | None  # ISO code; None: the whole round
    count: int = 0
    q1: Decimal | None = None
    median: Decimal | None = None
    q3: Decimal | None = None
    weighted_count: int = 0
    weighted_q1: Decimal | None = None
    weighted_median: Decimal | None = None
    weighted_q3: Decimal | None = None
    category_medians: dict[str, Decimal | None] = field(default_factory=dict)
    outliers: int = 0
    # Fewer answers than MIN_GROUP_ANSWERS: shown only to the review's managers.
    small: bool = False
    # The country's name in the reader's language, set by round_results_named for the pages.
    country_name: str = ""


@dataclass
class RoundResults:
    round_id: int
    invited: int = 0
    submitted: int = 0
    drafts: int = 0
    response_rate: Decimal | None = None
    rate_date: datetime.date | None = None
    overall: FigureSet = field(default_factory=lambda: FigureSet(country=None))
    by_country: list[FigureSet] = field(default_factory=list)
    # Submitted answers left out of the USD figures because their currency had no rate on or
    # before the closing date: currency → count.
    missing_rates: dict[str, int] = field(default_factory=dict)
    outlier_low: Decimal | None = None
    outlier_high: Decimal | None = None

    def without_small_groups(self) -> "RoundResults":
        """The results as anyone but the review's managers sees them: the figures of groups
        with fewer than MIN_GROUP_ANSWERS answers are removed (counts stay)."""
        hidden = [_hide(f) if f.small else f for f in self.by_country]
        overall = _hide(self.overall) if self.overall.small else self.overall
        bounds = (None, None) if self.overall.small else (self.outlier_low, self.outlier_high)
        return RoundResults(
            round_id=self.round_id,
            invited=self.invited,
            submitted=self.submitted,
            drafts=self.drafts,
            response_rate=self.response_rate,
            rate_date=self.rate_date,
            overall=overall,
            by_country=hidden,
            missing_rates=self.missing_rates,
            outlier_low=bounds[0],
            outlier_high=bounds[1],
        )


def _hide(figures: FigureSet) -> FigureSet:
    return FigureSet(country=figures.country, count=figures.count, weighted_count=figures.weighted_count, small=True)


def _d(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(FIGURE_PLACES)


_USD = DecimalField(max_digits=30, decimal_places=10)


def _converted_answers(round_ids: Sequence[int]) -> Any:
    """Submitted answers with their costs in USD (null when the currency has no rate on or
    before the round's closing date) and their country: the rows every figure set reads."""
    rate = (
        ExchangeRate.objects.filter(currency=OuterRef("currency"), date__lte=OuterRef("round__closes_on"))
        .order_by("-date")
        .values("usd_per_unit")[:1]
    )
    conversion = Case(
        When(currency="USD", then=Value(Decimal(1), output_field=_USD)),
        default=Subquery(rate, output_field=_USD),
        output_field=_USD,
    )
    usd = {
        f"usd_{name}": ExpressionWrapper(F(f"cost_{name}") * F("rate"), output_field=_USD)
        for name in ("total", *COST_CATEGORIES)
    }
    return (
        ConsultationResponse.objects.filter(round_id__in=list(round_ids), status=ConsultationResponse.Status.SUBMITTED)
        .annotate(rate=conversion, country=F("organization__country_id"))
        .annotate(**usd)
        .values("id", "round_id", "country", "currency", "volume", "rate", *usd)
        .order_by()
    )


def _unweighted_postgresql(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Per (round, country) and per round: count, quartiles of the total and the median of each
    category. One query (GROUPING SETS)."""
    category_medians = ", ".join(f"percentile_cont(0.5) WITHIN GROUP (ORDER BY usd_{name})" for name in COST_CATEGORIES)
    query = f"""
        SELECT round_id, CASE WHEN GROUPING(country) = 1 THEN NULL ELSE country END, COUNT(*),
               percentile_cont(0.25) WITHIN GROUP (ORDER BY usd_total),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY usd_total),
               percentile_cont(0.75) WITHIN GROUP (ORDER BY usd_total),
               {category_medians}
        FROM ({sql}) answers
        WHERE usd_total IS NOT NULL
        GROUP BY GROUPING SETS ((round_id, country), (round_id))
    """  # noqa: S608 -- only our own column names and the compiled queryset are interpolated
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return list(cursor.fetchall())


def _unweighted_portable(queryset: QuerySet) -> list[tuple]:
    """The same rows as _unweighted_postgresql, computed in Python (SQLite: the demo)."""
    groups: dict[tuple[int, str | None], list[dict[str, Any]]] = defaultdict(list)
    for row in queryset:
        if row["usd_total"] is None:
            continue
        groups[(row["round_id"], row["country"])].append(row)
        groups[(row["round_id"], None)].append(row)
    result = []
    for (round_id, country), rows in groups.items():
        totals = [Decimal(str(r["usd_total"])) for r in rows]
        medians = []
        for name in COST_CATEGORIES:
            values = [Decimal(str(r[f"usd_{name}"])) for r in rows if r[f"usd_{name}"] is not None]
            medians.append(percentile_cont(values, Decimal("0.5")))
        result.append(
            (
                round_id,
                country,
                len(rows),
                percentile_cont(totals, Decimal("0.25")),
                percentile_cont(totals, Decimal("0.5")),
                percentile_cont(totals, Decimal("0.75")),
                *medians,
            )
        )
    return result


def _weighted(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Per (round, country) and per round, the volume-weighted quartiles of the total: the first
    value whose running sum of volumes reaches the fraction of the group's volume. Window sums,
    one query, PostgreSQL and SQLite alike."""
    query = f"""
        WITH answers AS (
            SELECT id, round_id, country, usd_total, volume FROM ({sql}) a
            WHERE usd_total IS NOT NULL AND volume IS NOT NULL
        ),
        grouped AS (
            SELECT id, round_id, country AS grp, usd_total, volume FROM answers
            UNION ALL
            SELECT id, round_id, NULL AS grp, usd_total, volume FROM answers
        ),
        running AS (
            SELECT round_id, grp, usd_total,
                   SUM(volume) OVER (PARTITION BY round_id, grp ORDER BY usd_total, id
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative,
                   SUM(volume) OVER (PARTITION BY round_id, grp) AS total
            FROM grouped
        )
        SELECT round_id, grp, COUNT(*),
               MIN(CASE WHEN cumulative >= 0.25 * total THEN usd_total END),
               MIN(CASE WHEN cumulative >= 0.5 * total THEN usd_total END),
               MIN(CASE WHEN cumulative >= 0.75 * total THEN usd_total END)
        FROM running GROUP BY round_id, grp
    """  # noqa: S608 -- only the compiled queryset is interpolated
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return list(cursor.fetchall())


def rounds_results(rounds: Sequence[ConsultationRound]) -> dict[int, RoundResults]:
    """The results of the rounds, as their managers see them (the small groups flagged, not
    hidden: call RoundResults.without_small_groups for anyone else). A constant number of
    queries, whatever the number of rounds and answers: counts, unweighted figures, weighted
    figures, missing rates, outliers."""
    round_ids = [r.pk for r in rounds]
    results = {r.pk: RoundResults(round_id=r.pk, rate_date=r.closes_on) for r in rounds}
    if not round_ids:
        return results
    for row in rounds_with_counts_by_ids(round_ids):
        result = results[row["id"]]
        result.invited, result.submitted, result.drafts = (
            row["invited_count"],
            row["submitted_count"],
            row["draft_count"],
        )
        result.response_rate = response_rate(result.submitted, result.invited)

    # A closed round's figures change only when an exchange rate is added or changed (its
    # answers are final): they are cached under a key that says so (docs/decisions, reviews).
    today = timezone.localdate()
    closed = {r.pk: r for r in rounds if r.closes_on < today}
    keys: dict[int, str] = {}
    if closed:
        rates = ExchangeRate.objects.aggregate(n=Count("id"), last=Max("id"), total=Sum("usd_per_unit"))
        fingerprint = f"{rates['n']}:{rates['last']}:{rates['total']}"
        keys = {
            pk: f"networks:round-results:v1:{pk}:{r.updated_at.timestamp()}:{results[pk].submitted}:{fingerprint}"
            for pk, r in closed.items()
        }
        cached = cache.get_many(list(keys.values()))
        for pk, key in keys.items():
            if key in cached:
                results[pk] = cached[key]
        round_ids = [pk for pk in round_ids if pk not in keys or keys[pk] not in cached]
        if not round_ids:
            return results
    _compute_figures(round_ids, results)
    cache.set_many({keys[pk]: results[pk] for pk in round_ids if pk in keys}, timeout=CACHE_SECONDS)
    return results


def _compute_figures(round_ids: list[int], results: dict[int, RoundResults]) -> None:
    answers = _converted_answers(round_ids)
    sql, params = answers.query.sql_with_params()
    if connection.vendor == "postgresql":
        unweighted = _unweighted_postgresql(sql, params)
    else:
        unweighted = _unweighted_portable(answers)
    groups: dict[tuple[int, str | None], FigureSet] = {}
    for round_id, country, count, q1, median, q3, *medians in unweighted:
        groups[(round_id, country)] = FigureSet(
            country=country,
            count=count,
            q1=_d(q1),
            median=_d(median),
            q3=_d(q3),
            category_medians={name: _d(value) for name, value in zip(COST_CATEGORIES, medians, strict=True)},
            small=count < MIN_GROUP_ANSWERS,
        )
    for round_id, country, count, q1, median, q3 in _weighted(sql, params):
        figures = groups.setdefault((round_id, country), FigureSet(country=country))
        figures.weighted_count, figures.weighted_q1 = count, _d(q1)
        figures.weighted_median, figures.weighted_q3 = _d(median), _d(q3)

    missing = (
        ConsultationResponse.objects.filter(pk__in=answers.filter(usd_total__isnull=True).values("id"))
        .values_list("round_id", "currency")
        .annotate(n=Count("id"))
        .order_by("round_id", "currency")
    )
    for round_id, currency, count in missing:
        results[round_id].missing_rates[currency] = count

    fences: dict[int, tuple[Decimal, Decimal]] = {}
    for round_id in round_ids:
        overall = groups.get((round_id, None))
        if overall is not None and overall.q1 is not None and overall.q3 is not None:
            spread = overall.q3 - overall.q1
            fences[round_id] = (overall.q1 - OUTLIER_IQR_FACTOR * spread, overall.q3 + OUTLIER_IQR_FACTOR * spread)
            results[round_id].outlier_low, results[round_id].outlier_high = fences[round_id]
    if fences:
        outside = Q()
        for round_id, (low, high) in fences.items():
            outside |= Q(round_id=round_id) & (Q(usd_total__lt=low) | Q(usd_total__gt=high))
        outlier_rows = (
            answers.filter(outside)
            .values("round_id", "country")
            .annotate(n=Count("id"))
            .values_list("round_id", "country", "n")
        )
        for round_id, country, count in outlier_rows:
            if (round_id, country) in groups:
                groups[(round_id, country)].outliers = count
            groups[(round_id, None)].outliers += count

    for (round_id, country), figures in groups.items():
        if country is None:
            results[round_id].overall = figures
        else:
            results[round_id].by_country.append(figures)
    for round_id in round_ids:
        results[round_id].by_country.sort(key=lambda f: f.country or "")


def rounds_with_counts_by_ids(round_ids: Sequence[int]) -> list[dict[str, Any]]:
    counted: Any = _rounds_counted(ConsultationRound.objects.filter(pk__in=list(round_ids)))
    return list(counted.values("id", "invited_count", "submitted_count", "draft_count"))


def round_results(round_: ConsultationRound) -> RoundResults:
    return rounds_results([round_])[round_.pk]


def results_with_country_names(results: RoundResults) -> RoundResults:
    """The results with each country's name in the active language (one query)."""
    codes = [f.country for f in results.by_country if f.country]
    names = {country.code: str(country) for country in Country.objects.filter(code__in=codes)}
    for figures in results.by_country:
        figures.country_name = names.get(figures.country or "", figures.country or "")
    results.by_country.sort(key=lambda f: f.country_name)
    return results


def round_answers(
    *, round_: ConsultationRound, fences: tuple[Decimal | None, Decimal | None] = (None, None)
) -> list[dict[str, Any]]:
    """Every submitted answer of a round with its USD figures and flags, for the review's
    managers only (the XLSX export): the caller checks review_can_change."""
    low, high = fences
    rows: list[dict[str, Any]] = list(
        _converted_answers([round_.pk])
        .annotate(organization_name=F("organization__name"))
        .order_by("country", "organization_name", "id")
    )
    for row in rows:
        value = row["usd_total"]
        row["no_rate"] = value is None
        row["outlier"] = value is not None and low is not None and high is not None and not (low <= value <= high)
    return rows


def review_list_prefetch_rounds(reviews: Sequence[Review]) -> dict[int, list[ConsultationRound]]:
    """The rounds of a page of reviews with their counts (one query), by review id."""
    by_review: dict[int, list[ConsultationRound]] = defaultdict(list)
    for round_ in rounds_with_counts([r.pk for r in reviews]):
        round_.response_rate = response_rate(round_.submitted_count, round_.invited_count)  # type: ignore[attr-defined]
        by_review[round_.review_id].append(round_)
    return by_review


__all__ += ["organization_response", "review_events", "review_list_prefetch_rounds", "rounds_with_counts"]
