"""Staff endpoints for yearly reports of member organizations and their review (approve or
return)."""

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clac.access import request_user
from clac.api.filters import IdFilter, integer_filter
from members import rules
from members import services as member_services
from members.api.common import OrganizationRefSerializer, StaffViewSet, country_codes_clean, validated
from members.models import YearlyReport, YearlyReportEvent
from members.selectors import (
    yearly_report_get_for_user,
    yearly_report_staff_detail,
    yearly_report_staff_list,
    yearly_report_staff_reload,
)


class YearlyReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = OrganizationRefSerializer()
    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=YearlyReport.Status.choices)
    members_total = serializers.IntegerField(allow_null=True)
    members_women = serializers.IntegerField(allow_null=True)
    members_youth = serializers.IntegerField(allow_null=True)
    permanent_workers = serializers.IntegerField(allow_null=True)
    hectares = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    premium_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    premium_currency = serializers.CharField()
    premium_usd = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Set when the report is approved."
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    review_flags = serializers.SerializerMethodField(
        help_text="Unusual (possible but rare) figures for the reviewer: code and message in the request's language. "
        "Codes: " + ", ".join(sorted(rules.REPORT_FLAG_MESSAGES)) + "."
    )

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                "required": ["code", "message"],
            },
        }
    )
    def get_review_flags(self, obj: YearlyReport) -> list[dict[str, str]]:
        return [{"code": flag.get("code", ""), "message": rules.report_flag_message(flag)} for flag in obj.review_flags]


class ProductLineSerializer(serializers.Serializer):
    product = serializers.CharField(source="product.code", help_text="Product code.")
    unit = serializers.CharField(source="product.unit")
    volume_produced = serializers.DecimalField(max_digits=14, decimal_places=2)
    volume_sold_fairtrade = serializers.DecimalField(max_digits=14, decimal_places=2)
    volume_sold_other = serializers.DecimalField(max_digits=14, decimal_places=2)


class PremiumUseSerializer(serializers.Serializer):
    category = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="In the report's premium currency.")


class ReportEventSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=YearlyReportEvent.Action.choices)
    note = serializers.CharField()
    actor = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor(self, obj: YearlyReportEvent) -> str:
        return str(obj.actor) if obj.actor is not None else ""


class YearlyReportDetailSerializer(YearlyReportSerializer):
    product_lines = ProductLineSerializer(many=True)
    premium_uses = PremiumUseSerializer(many=True)
    events = ReportEventSerializer(many=True, help_text="The report's log, oldest first.")


class ReportApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReportReturnSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text="What the organization must correct.")


class YearlyReportFilter(django_filters.FilterSet):
    year = integer_filter(min_value=1900, max_value=2100)
    status = django_filters.ChoiceFilter(choices=YearlyReport.Status.choices)
    country = django_filters.CharFilter(method="filter_country", help_text="ISO country code(s), comma-separated.")
    organization = IdFilter(field_name="organization_id")

    class Meta:
        model = YearlyReport
        fields: list[str] = []

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(organization__country_id__in=country_codes_clean(value, field=name))


@extend_schema(tags=["staff: yearly reports"])
class YearlyReportViewSet(StaffViewSet[YearlyReport]):
    """Yearly reports of member organizations and their review (approve or return)."""

    serializer_class = YearlyReportSerializer
    filterset_class = YearlyReportFilter
    queryset = YearlyReport.objects.none()
    access_helper = staticmethod(yearly_report_get_for_user)

    def get_queryset(self) -> QuerySet:
        return yearly_report_staff_list()

    def _respond(self, report: YearlyReport) -> Response:
        return Response(YearlyReportDetailSerializer(yearly_report_staff_reload(report=report)).data)

    @extend_schema(summary="List yearly reports")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(YearlyReportSerializer(page, many=True).data)

    @extend_schema(summary="One yearly report with its products, premium use and log")
    def retrieve(self, request: Request, pk: str) -> Response:
        report = yearly_report_staff_detail(report=self.get_object())
        return Response(YearlyReportDetailSerializer(report).data)

    @extend_schema(
        summary="Approve a submitted report (it then counts in statistics)",
        request=ReportApproveSerializer,
        responses=YearlyReportDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        report = self.get_object()
        data = validated(ReportApproveSerializer, request.data)
        return self._respond(member_services.yearly_report_approve(actor=request_user(request), report=report, **data))

    @extend_schema(
        summary="Return a submitted report to the organization with what to correct",
        request=ReportReturnSerializer,
        responses=YearlyReportDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_report(self, request: Request, pk: str) -> Response:
        report = self.get_object()
        data = validated(ReportReturnSerializer, request.data)
        return self._respond(member_services.yearly_report_return(actor=request_user(request), report=report, **data))
