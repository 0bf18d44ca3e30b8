"""`GET /api/v1/finance/indicators/?year=&currency=`: the yearly financial-sustainability
indicators, for partner keys with `stats:read` and finance staff. Figures only, never ledger
lines, donors' names or members."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from clac.api.views import ClacAPIView
from clac.plugins import ACCESS_API
from finance.api.permissions import FinanceIndicatorsReader
from finance.money import USD
from finance.selectors.indicators import indicators_for_years
from members.api.common import QueryParamsSerializer, validated

DESCRIPTION = """
CLAC's financial-sustainability indicators for one year, computed from its books (definitions
in the user guide). Needs a partner key with `stats:read`, or a finance staff account.

Ratios are decimals from 0 to 1 (four decimals), null when their denominator is zero. Amounts
are in `currency` (USD by default), converted at the rate of the year's last day (today for
the current year).
""".strip()


class IndicatorsQuerySerializer(QueryParamsSerializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text="Default: this year.")
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", required=False, help_text="Three-letter ISO code of the report currency (default USD)."
    )


class LineExecutionSerializer(serializers.Serializer):
    strategic_line = serializers.CharField()
    budget = serializers.DecimalField(max_digits=20, decimal_places=2)
    actual = serializers.DecimalField(max_digits=20, decimal_places=2)
    execution = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)


class IndicatorsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    currency = serializers.CharField()
    total_income = serializers.DecimalField(max_digits=20, decimal_places=2)
    own_unrestricted_income = serializers.DecimalField(max_digits=20, decimal_places=2)
    donor_income = serializers.DecimalField(max_digits=20, decimal_places=2)
    total_expenses = serializers.DecimalField(max_digits=20, decimal_places=2)
    autonomy_ratio = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)
    largest_donor_share = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)
    donor_herfindahl = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)
    donor_count = serializers.IntegerField()
    dues_invoiced = serializers.DecimalField(max_digits=20, decimal_places=2)
    dues_collected = serializers.DecimalField(max_digits=20, decimal_places=2)
    dues_collection_rate = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)
    unrestricted_net_assets = serializers.DecimalField(max_digits=20, decimal_places=2)
    average_monthly_expenses = serializers.DecimalField(max_digits=20, decimal_places=2)
    months_of_reserves = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)
    budget_execution = LineExecutionSerializer(many=True)


@extend_schema(tags=["finance"])
class IndicatorsView(ClacAPIView):
    permission_classes = [FinanceIndicatorsReader]

    @extend_schema(
        summary="Financial-sustainability indicators of a year",
        description=DESCRIPTION,
        parameters=[IndicatorsQuerySerializer],
        responses=IndicatorsSerializer,
    )
    def get(self, request: Request) -> Response:
        params = validated(IndicatorsQuerySerializer, request.query_params)
        today = timezone.localdate()
        year = params.get("year", today.year)
        if year > today.year:
            raise ValidationError({"year": ["No indicators for a year that has not started."]})
        try:
            data = indicators_for_years(years=[year], today=today, currency=params.get("currency", USD))[year]
        except DjangoValidationError as exc:
            raise ValidationError({"currency": exc.messages}) from None
        return Response(IndicatorsSerializer(data.as_dict()).data)


ACCESS: dict[str, str] = {"api-v1:finance-indicators": ACCESS_API}
