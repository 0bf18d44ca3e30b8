"""API of the reviews area, read-only, for partners with `reviews:read` and for the staff roles
that read reviews (finance and communications are refused, as on the dashboard):

- `GET /api/v1/reviews/`, `GET /api/v1/reviews/{id}/`: reviews with their stages and the dates
  they were reached, their consultation rounds with dates and response rates and, once a round
  has closed, its aggregated results in USD per unit of trade (never while answers still come
  in).
- `GET /api/v1/price-references/`: the positions and decisions per product (minimum price,
  premium, organic differential, unit, currency, incoterm, effective date), filtered by product.

Never one organization's answer: results are aggregated figures only, and a group (a country,
or a whole round) with fewer than MIN_GROUP_ANSWERS answers shows its count without figures.
`register(router)` adds the viewsets; `ACCESS` names their routes."""

import datetime
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from clac.api.pagination import DefaultCursorPagination
from clac.api.permissions import HasPartnerScope, request_is_partner
from clac.api.scopes import REVIEWS_READ
from clac.api.views import ClacGenericViewSet
from clac.plugins import ACCESS_API
from clac.roles import user_has_any_role
from members.api.common import product_codes_clean, url_pk
from members.models import Unit
from networks.models import PriceReference, Review
from networks.selectors import reviews as selectors


class ReviewsReadPermission(BasePermission):
    """A partner key with reviews:read, or a staff role that reads reviews; reads only."""

    message = HasPartnerScope.message

    def has_permission(self, request: Request, view: Any) -> bool:
        if not HasPartnerScope().has_permission(request, view):
            return False
        return request_is_partner(request) or user_has_any_role(request.user, selectors.REVIEW_READER_ROLES)


class ReviewCursorPagination(DefaultCursorPagination):
    max_page_size = 200
    ordering = ("-stage_since", "-id")


class PriceReferenceCursorPagination(DefaultCursorPagination):
    max_page_size = 500
    ordering = ("-effective_from", "-id")


# --- Serializers ----------------------------------------------------------------------------


class ProductSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.ChoiceField(choices=Unit.choices, help_text="Unit of trade.")


class StageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Review.Stage.choices)
    reached_on = serializers.DateField()
    note = serializers.CharField()


class FiguresSerializer(serializers.Serializer):
    country = serializers.CharField(allow_null=True, help_text="ISO country code; null for the whole round.")
    answers = serializers.IntegerField(help_text="Submitted answers converted to USD.")
    suppressed = serializers.BooleanField(help_text="Fewer answers than the minimum: figures withheld.")
    q1 = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    median = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    q3 = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    answers_with_volume = serializers.IntegerField()
    weighted_q1 = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    weighted_median = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    weighted_q3 = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    outliers = serializers.IntegerField(allow_null=True)


class ResultsSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="Always USD, per unit of trade of the product.")
    rate_date = serializers.DateField(help_text="Exchange rates of this date or the latest before it.")
    minimum_group = serializers.IntegerField(help_text="Groups with fewer answers show no figures.")
    answers_without_rate = serializers.IntegerField(help_text="Submitted answers left out: no exchange rate.")
    overall = FiguresSerializer()
    by_country = FiguresSerializer(many=True)


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    invited = serializers.IntegerField()
    submitted = serializers.IntegerField()
    response_rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="Submitted answers per 100 invited organizations."
    )
    results = ResultsSerializer(allow_null=True, required=False, help_text="Once the round has closed.")


class PriceReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = ProductSerializer()
    review = serializers.IntegerField(allow_null=True, help_text="The review it came from.")
    kind = serializers.ChoiceField(choices=PriceReference.Kind.choices)
    minimum_price = serializers.DecimalField(max_digits=12, decimal_places=4)
    premium = serializers.DecimalField(max_digits=12, decimal_places=4)
    organic_differential = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    unit = serializers.ChoiceField(choices=Unit.choices)
    currency = serializers.CharField()
    incoterm = serializers.ChoiceField(choices=PriceReference.Incoterm.choices)
    effective_from = serializers.DateField()
    effective_until = serializers.DateField(
        allow_null=True, help_text="The day before the product's next decision (decisions only); null: current."
    )


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Review.Kind.choices)
    product = ProductSerializer()
    network = serializers.IntegerField(help_text="The product network that leads it.")
    stage = serializers.ChoiceField(choices=Review.Stage.choices)
    stage_since = serializers.DateField()
    rounds = RoundSerializer(many=True)


class ReviewDetailSerializer(ReviewSerializer):
    description = serializers.CharField()
    stages = StageSerializer(many=True)
    price_references = PriceReferenceSerializer(many=True)


# --- Rows -----------------------------------------------------------------------------------


def _product(product: Any) -> dict[str, Any]:
    return {"code": product.code, "name": product.name, "unit": product.unit}


def _figures(figures: selectors.FigureSet) -> dict[str, Any]:
    return {
        "country": figures.country,
        "answers": figures.count,
        "suppressed": figures.small,
        "q1": figures.q1,
        "median": figures.median,
        "q3": figures.q3,
        "answers_with_volume": figures.weighted_count,
        "weighted_q1": figures.weighted_q1,
        "weighted_median": figures.weighted_median,
        "weighted_q3": figures.weighted_q3,
        "outliers": None if figures.small else figures.outliers,
    }


def _results(results: selectors.RoundResults) -> dict[str, Any]:
    public = results.without_small_groups()
    return {
        "currency": "USD",
        "rate_date": public.rate_date,
        "minimum_group": selectors.MIN_GROUP_ANSWERS,
        "answers_without_rate": sum(public.missing_rates.values()),
        "overall": _figures(public.overall),
        "by_country": [_figures(f) for f in public.by_country],
    }


def _price_rows(references: list[PriceReference]) -> list[dict[str, Any]]:
    """Rows with `effective_until` from the product's next decision (one query for the page)."""
    products = {r.product_id for r in references}
    decisions: dict[int, list] = {}
    for product_id, effective_from in (
        PriceReference.objects.filter(product_id__in=products, kind=PriceReference.Kind.DECISION)
        .order_by("product_id", "effective_from")
        .values_list("product_id", "effective_from")
    ):
        decisions.setdefault(product_id, []).append(effective_from)
    rows = []
    for reference in references:
        until = None
        if reference.kind == PriceReference.Kind.DECISION:
            later = [d for d in decisions.get(reference.product_id, []) if d > reference.effective_from]
            if later:
                until = later[0] - datetime.timedelta(days=1)
        rows.append(
            {
                "id": reference.pk,
                "product": _product(reference.product),
                "review": reference.review_id,
                "kind": reference.kind,
                "minimum_price": reference.minimum_price,
                "premium": reference.premium,
                "organic_differential": reference.organic_differential,
                "unit": reference.unit,
                "currency": reference.currency,
                "incoterm": reference.incoterm,
                "effective_from": reference.effective_from,
                "effective_until": until,
            }
        )
    return rows


def review_rows(reviews: list[Review], *, detail: bool = False) -> list[dict[str, Any]]:
    """Reviews with their rounds and, for closed rounds, results: a constant number of queries
    for the whole page (the rounds, their counts and figures are read for all reviews at once)."""
    rounds_by_review = selectors.review_list_prefetch_rounds(reviews)
    today = timezone.localdate()
    closed = [r for rounds in rounds_by_review.values() for r in rounds if r.closes_on < today]
    results = selectors.rounds_results(closed)
    events = selectors.review_events([r.pk for r in reviews]) if detail else {}
    references = (
        _price_rows(list(PriceReference.objects.filter(review__in=reviews).select_related("product"))) if detail else []
    )
    rows = []
    for review in reviews:
        rounds = [
            {
                "id": round_.pk,
                "title": round_.title,
                "opens_on": round_.opens_on,
                "closes_on": round_.closes_on,
                "invited": round_.invited_count,  # type: ignore[attr-defined]
                "submitted": round_.submitted_count,  # type: ignore[attr-defined]
                "response_rate": round_.response_rate,  # type: ignore[attr-defined]
                "results": _results(results[round_.pk]) if round_.pk in results else None,
            }
            for round_ in rounds_by_review.get(review.pk, [])
        ]
        row: dict[str, Any] = {
            "id": review.pk,
            "title": review.title,
            "kind": review.kind,
            "product": _product(review.product),
            "network": review.network_id,
            "stage": review.stage,
            "stage_since": review.stage_since,
            "rounds": rounds,
        }
        if detail:
            row["description"] = review.description
            row["stages"] = [
                {"stage": e.to_stage, "reached_on": e.effective_on, "note": e.note} for e in events.get(review.pk, [])
            ]
            row["price_references"] = [p for p in references if p["review"] == review.pk]
        rows.append(row)
    return rows


# --- Views ----------------------------------------------------------------------------------


class ProductCodeFilterMixin(django_filters.FilterSet):
    product = django_filters.CharFilter(method="filter_product", help_text="Product code(s), comma-separated.")

    def filter_product(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(product__code__in=product_codes_clean(value, field=name))


class ReviewFilter(ProductCodeFilterMixin):
    kind = django_filters.ChoiceFilter(choices=Review.Kind.choices)
    stage = django_filters.ChoiceFilter(choices=Review.Stage.choices)

    class Meta:
        model = Review
        fields: list[str] = []


class PriceReferenceFilter(ProductCodeFilterMixin):
    kind = django_filters.ChoiceFilter(choices=PriceReference.Kind.choices)

    class Meta:
        model = PriceReference
        fields: list[str] = []


@extend_schema(tags=["reviews"])
class ReviewViewSet(ClacGenericViewSet):
    """Cost, price and standard reviews with their stages, rounds and aggregated results."""

    permission_classes = [ReviewsReadPermission]
    required_scope = REVIEWS_READ
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    pagination_class = ReviewCursorPagination
    queryset = Review.objects.none()

    def get_queryset(self) -> QuerySet:
        return Review.objects.select_related("product")

    @extend_schema(summary="List the reviews with their rounds and response rates")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # a pagination class is set
        return self.get_paginated_response(review_rows(list(page)))

    @extend_schema(summary="One review: stages, rounds, aggregated results", responses=ReviewDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        review = self.get_queryset().filter(pk=url_pk(pk)).first()
        if review is None:
            raise NotFound()
        return Response(review_rows([review], detail=True)[0])


@extend_schema(tags=["reviews"])
class PriceReferenceViewSet(ClacGenericViewSet):
    """Minimum prices, premiums and differentials per product: positions and decisions."""

    permission_classes = [ReviewsReadPermission]
    required_scope = REVIEWS_READ
    serializer_class = PriceReferenceSerializer
    filterset_class = PriceReferenceFilter
    pagination_class = PriceReferenceCursorPagination
    queryset = PriceReference.objects.none()

    def get_queryset(self) -> QuerySet:
        return PriceReference.objects.select_related("product")

    @extend_schema(summary="List the price references, newest first")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # a pagination class is set
        return self.get_paginated_response(_price_rows(list(page)))


ACCESS: dict[str, str] = {
    f"api-v1:{name}": ACCESS_API for name in ("review-list", "review-detail", "price-reference-list")
}
urlpatterns: list = []


def register(router: SimpleRouter) -> None:
    router.register("reviews", ReviewViewSet, basename="review")
    router.register("price-references", PriceReferenceViewSet, basename="price-reference")
