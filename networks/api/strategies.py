"""Staff API of product strategies, needs and SPO sustainability strategies (read-only): list
and one record each, with bounded filters. The access rules are the dashboard's (the same
selectors): every staff role reads product and sustainability strategies; needs are read by
administrators, M&E officers and viewers, and by coordinators within their networks (finance
and communications get 403). Partner keys and portal users get 403: nothing here is
published to partners (docs/decisions: strategies and needs).

`register(router)` adds the viewsets, `ACCESS` names their routes (clac.plugins.ACCESS_API)."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from clac.api.filters import IdFilter, integer_filter
from clac.api.pagination import DefaultCursorPagination
from clac.plugins import ACCESS_API
from members.api.common import country_codes_clean
from networks.api.common import NetworksStaffViewSet
from networks.models import (
    MarketTarget,
    Need,
    ProductStrategy,
    StrategicLine,
    SustainabilityArea,
    SustainabilityStrategy,
)
from networks.selectors import strategies as selectors


class StrategyCursorPagination(DefaultCursorPagination):
    max_page_size = 200
    ordering: tuple[str, ...] = ("-id",)


class NeedCursorPagination(StrategyCursorPagination):
    ordering = ("-created_at", "-id")


# --- Serializers ----------------------------------------------------------------------------


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MarketTargetSerializer(serializers.Serializer):
    market = serializers.CharField()
    target_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit = serializers.ChoiceField(choices=MarketTarget.Unit.choices)
    year = serializers.IntegerField()


class ProductStrategySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    network = RefSerializer()
    title = serializers.CharField()
    start_year = serializers.IntegerField()
    end_year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ProductStrategy.Status.choices)
    approved_on = serializers.DateField(allow_null=True)
    strategic_lines = serializers.ListField(
        child=serializers.ChoiceField(choices=StrategicLine.choices),
        help_text="CLAC's strategic lines the strategy serves (objectives once the strategy module exists).",
    )
    goals = serializers.ListField(child=serializers.CharField(), source="goal_list")


class ProductStrategyDetailSerializer(ProductStrategySerializer):
    market_targets = MarketTargetSerializer(many=True, source="market_targets.all")


class NeedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = RefSerializer(allow_null=True)
    country = serializers.SerializerMethodField(help_text="The organization's ISO country code.")
    network = RefSerializer(allow_null=True)
    title = serializers.CharField()
    category = serializers.ChoiceField(choices=Need.Category.choices)
    priority = serializers.ChoiceField(choices=Need.Priority.choices)
    status = serializers.ChoiceField(choices=Need.Status.choices)
    raised_via = serializers.ChoiceField(source="source", choices=Need.Source.choices)
    created_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_country(self, obj: Need) -> str | None:
        return obj.organization.country_id if obj.organization is not None else None


class NeedEventSerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.ChoiceField(choices=Need.Status.choices)
    at = serializers.DateTimeField()
    note = serializers.CharField()


class NeedDetailSerializer(NeedSerializer):
    description = serializers.CharField()
    response = serializers.CharField()
    events = NeedEventSerializer(many=True, source="events.all")


class SustainabilityStrategySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = RefSerializer()
    country = serializers.CharField(source="organization.country_id")
    status = serializers.ChoiceField(choices=SustainabilityStrategy.Status.choices)
    areas = serializers.ListField(child=serializers.ChoiceField(choices=SustainabilityArea.choices))
    adopted_on = serializers.DateField(allow_null=True)
    supporting_network = RefSerializer()
    updated_at = serializers.DateTimeField()


class SustainabilityStrategyDetailSerializer(SustainabilityStrategySerializer):
    notes = serializers.CharField()


# --- Filters --------------------------------------------------------------------------------


class ProductStrategyFilter(django_filters.FilterSet):
    network = IdFilter(field_name="network_id")
    status = django_filters.ChoiceFilter(choices=ProductStrategy.Status.choices)
    year = integer_filter(min_value=2000, max_value=2100, method="filter_year", help_text="Strategies covering a year.")

    class Meta:
        model = ProductStrategy
        fields: list[str] = []

    def filter_year(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(start_year__lte=value, end_year__gte=value)


def _country_filter() -> django_filters.CharFilter:
    return django_filters.CharFilter(
        method="filter_country", max_length=200, help_text="ISO country code(s), comma-separated: `PE,CO`."
    )


class NeedFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Need.Category.choices)
    status = django_filters.ChoiceFilter(choices=Need.Status.choices)
    priority = django_filters.ChoiceFilter(choices=Need.Priority.choices)
    country = _country_filter()
    network = IdFilter(method="filter_network", help_text="Network id: its own needs and its members'.")
    organization = IdFilter(field_name="organization_id")

    class Meta:
        model = Need
        fields: list[str] = []

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(organization__country_id__in=country_codes_clean(value, field=name))

    def filter_network(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        members = selectors.current_member_ids(network_id=value)
        return queryset.filter(Q(network_id=value) | Q(organization_id__in=members))


class SustainabilityFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SustainabilityStrategy.Status.choices)
    country = _country_filter()
    network = IdFilter(field_name="supporting_network_id", help_text="Supporting country network id.")
    organization = IdFilter(field_name="organization_id")
    area = django_filters.ChoiceFilter(choices=SustainabilityArea.choices, method="filter_area")

    class Meta:
        model = SustainabilityStrategy
        fields: list[str] = []

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(organization__country_id__in=country_codes_clean(value, field=name))

    def filter_area(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(areas__icontains=f'"{value}"')


# --- Viewsets -------------------------------------------------------------------------------


@extend_schema(tags=["staff: strategies"])
class ProductStrategyViewSet(NetworksStaffViewSet[ProductStrategy]):
    """Product networks' strategies: period, goals, strategic lines, market targets."""

    serializer_class = ProductStrategySerializer
    filterset_class = ProductStrategyFilter
    pagination_class = StrategyCursorPagination
    queryset = ProductStrategy.objects.none()
    access_helper = staticmethod(selectors.product_strategy_get_for_user)
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return ProductStrategy.objects.select_related("network")

    @extend_schema(summary="List product strategies")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ProductStrategySerializer(page, many=True).data)

    @extend_schema(summary="One product strategy with its market targets", responses=ProductStrategyDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ProductStrategyDetailSerializer(self.get_object()).data)


@extend_schema(tags=["staff: strategies"])
class NeedViewSet(NetworksStaffViewSet[Need]):
    """Needs of member organizations and networks (coordinators: within their networks)."""

    serializer_class = NeedSerializer
    filterset_class = NeedFilter
    pagination_class = NeedCursorPagination
    queryset = Need.objects.none()
    access_helper = staticmethod(selectors.need_get_for_user)
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return selectors.need_list_for_user(user=self.request.user)

    @extend_schema(summary="List needs")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(NeedSerializer(page, many=True).data)

    @extend_schema(summary="One need with its response and steps", responses=NeedDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        need = self.get_object()
        need = Need.objects.select_related("organization", "network").prefetch_related("events").get(pk=need.pk)
        return Response(NeedDetailSerializer(need).data)


@extend_schema(tags=["staff: strategies"])
class SustainabilityStrategyViewSet(NetworksStaffViewSet[SustainabilityStrategy]):
    """SPOs' sustainability strategies: status, areas, adoption date, supporting network."""

    serializer_class = SustainabilityStrategySerializer
    filterset_class = SustainabilityFilter
    pagination_class = StrategyCursorPagination
    queryset = SustainabilityStrategy.objects.none()
    access_helper = staticmethod(selectors.sustainability_strategy_get_for_user)
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return SustainabilityStrategy.objects.select_related("organization", "supporting_network")

    @extend_schema(summary="List sustainability strategies")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(SustainabilityStrategySerializer(page, many=True).data)

    @extend_schema(summary="One sustainability strategy", responses=SustainabilityStrategyDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(SustainabilityStrategyDetailSerializer(self.get_object()).data)


def register(router: SimpleRouter) -> None:
    router.register("product-strategies", ProductStrategyViewSet, basename="product-strategy")
    router.register("needs", NeedViewSet, basename="need")
    router.register("sustainability-strategies", SustainabilityStrategyViewSet, basename="sustainability-strategy")


urlpatterns: list[Any] = []
ACCESS: dict[str, str] = {
    f"api-v1:{name}": ACCESS_API
    for name in (
        "product-strategy-list",
        "product-strategy-detail",
        "need-list",
        "need-detail",
        "sustainability-strategy-list",
        "sustainability-strategy-detail",
    )
}
