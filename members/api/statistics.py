"""Statistics for partners (stats:read): figures aggregated from approved yearly reports."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from clac.api.permissions import HasPartnerScope
from clac.api.scopes import STATS_READ
from clac.api.views import ClacAPIView
from members.api.common import (
    CountryRefSerializer,
    QueryParamsSerializer,
    codes,
    country_codes_clean,
    product_codes_clean,
    validated,
)
from members.selectors import STATISTICS_GROUP_DIMENSIONS, yearly_report_statistics

STATISTICS_DESCRIPTION = """
Figures aggregated from **approved** yearly reports only (drafts, submitted and returned
reports never count). Needs a partner key with `stats:read`, or a staff account.

**Grouping.** `group_by` takes `country`, `product` and/or `year`, comma-separated (default
`country,year`). Each result row carries the values of its group (the others are null).

**One year at a time.** Organization figures (members, workers, hectares, premium) are stocks
reported each year, so adding them across years would be meaningless: when `year` is neither
grouped by nor given, the figures are for the latest year with approved reports, and the
response says which (`filters.year`).

**No double counting of organizations.** An organization reports once a year, so within a
row each organization counts once. When grouping by `product`, the organization figures of
a row are those of the organizations that reported volumes of that product: an organization
with two products appears in both product rows. Add organization figures across product
rows only knowing that; for totals, group without `product`.

**Volumes** are always per product, in the product's unit of trade (`unit`); they are never
added across products.

**Premium** is in USD, converted at approval with the exchange rate of the report year's end.
""".strip()


class StatisticsQuerySerializer(QueryParamsSerializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text="Report year.")
    country = serializers.CharField(required=False, help_text="ISO country code(s), comma-separated.")
    product = serializers.CharField(required=False, help_text="Product code(s), comma-separated.")
    group_by = serializers.CharField(
        required=False, default="country,year", help_text="Any of country, product, year, comma-separated."
    )

    def validate_country(self, value: str) -> list[str]:
        return country_codes_clean(value)

    def validate_product(self, value: str) -> list[str]:
        return product_codes_clean(value)

    def validate_group_by(self, value: str) -> list[str]:
        dimensions = list(dict.fromkeys(d.lower() for d in codes(value)))
        unknown = [d for d in dimensions if d not in STATISTICS_GROUP_DIMENSIONS]
        if not dimensions:
            raise serializers.ValidationError(_("Group by at least one of country, product, year."))
        if unknown:
            raise serializers.ValidationError(
                _("Cannot group by %(unknown)s; use country, product and/or year.") % {"unknown": ", ".join(unknown)}
            )
        return dimensions


class ProductRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField(help_text="Unit of trade: lb, kg, t or box.")


class VolumeSerializer(serializers.Serializer):
    product = serializers.CharField(help_text="Product code.")
    unit = serializers.CharField()
    produced = serializers.DecimalField(max_digits=20, decimal_places=2)
    sold_fairtrade = serializers.DecimalField(max_digits=20, decimal_places=2)
    sold_other = serializers.DecimalField(max_digits=20, decimal_places=2)


class StatisticsRowSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    country = CountryRefSerializer(allow_null=True)
    product = ProductRefSerializer(allow_null=True)
    organizations_reporting = serializers.IntegerField()
    members_total = serializers.IntegerField()
    members_women = serializers.IntegerField()
    members_youth = serializers.IntegerField()
    permanent_workers = serializers.IntegerField()
    hectares = serializers.DecimalField(max_digits=20, decimal_places=2)
    premium_usd = serializers.DecimalField(max_digits=20, decimal_places=2)
    volumes = VolumeSerializer(many=True)


class StatisticsFiltersSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    country = serializers.ListField(child=serializers.CharField())
    product = serializers.ListField(child=serializers.CharField())


class StatisticsResponseSerializer(serializers.Serializer):
    group_by = serializers.ListField(child=serializers.ChoiceField(choices=STATISTICS_GROUP_DIMENSIONS))
    filters = StatisticsFiltersSerializer()
    results = StatisticsRowSerializer(many=True)


@extend_schema(tags=["statistics"])
class StatisticsView(ClacAPIView):
    permission_classes = [HasPartnerScope]
    required_scope = STATS_READ

    @extend_schema(
        summary="Statistics from approved yearly reports",
        description=STATISTICS_DESCRIPTION,
        parameters=[StatisticsQuerySerializer],
        responses=StatisticsResponseSerializer,
    )
    def get(self, request: Request) -> Response:
        params = validated(StatisticsQuerySerializer, request.query_params)
        data = yearly_report_statistics(
            group_by=params["group_by"],
            year=params.get("year"),
            countries=params.get("country", []),
            products=params.get("product", []),
        )
        return Response(StatisticsResponseSerializer(data).data)
