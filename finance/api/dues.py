"""Staff API of dues, for the finance and admin roles only (other staff, portal users and
partner keys get 403): invoices (list with filters, one with its allocations and
adjustments), recording a payment from an organization, and the ageing report. The rules are
the dashboard's: finance.selectors.dues and finance.services.dues.

`register(router)` adds the viewsets, `ACCESS` names their routes (clac.plugins.ACCESS_API)."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from clac.access import request_user
from clac.api.filters import IdFilter, StrictBooleanFilter, integer_filter
from clac.api.pagination import DefaultCursorPagination
from clac.api.permissions import request_is_partner
from clac.api.views import ClacGenericViewSet
from clac.plugins import ACCESS_API
from clac.roles import user_has_any_role
from finance.models import DuesInvoice
from finance.selectors import dues as selectors
from finance.services import dues as services
from members.api.common import url_pk, validated
from members.models import Organization


class DuesStaff(BasePermission):
    """The finance and admin roles, for reads and writes; partner keys never."""

    message = _("Only CLAC staff with the finance or administrator role can use this endpoint.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return not request_is_partner(request) and user_has_any_role(request.user, selectors.DUES_STAFF)


class InvoiceCursorPagination(DefaultCursorPagination):
    max_page_size = 200
    ordering: tuple[str, ...] = ("-year", "-sequence")


class InvoiceFilter(django_filters.FilterSet):
    year = integer_filter(min_value=2000, max_value=2100, field_name="year")
    status = django_filters.ChoiceFilter(choices=DuesInvoice.Status.choices)
    organization = IdFilter(field_name="organization_id")
    country = django_filters.CharFilter(field_name="organization__country_id", max_length=2)
    overdue = StrictBooleanFilter(method="filter_overdue")

    class Meta:
        model = DuesInvoice
        fields: list[str] = []

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value:
            return queryset.filter(status__in=selectors.OPEN_STATUSES, due_on__lt=timezone.localdate())
        return queryset


class InvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    year = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    country = serializers.CharField(source="organization.country_id")
    issued_on = serializers.DateField()
    due_on = serializers.DateField()
    amount_usd = serializers.DecimalField(source="amount", max_digits=14, decimal_places=2)
    paid_usd = serializers.DecimalField(source="paid", max_digits=14, decimal_places=2)
    adjusted_usd = serializers.DecimalField(source="adjusted", max_digits=14, decimal_places=2)
    balance_usd = serializers.DecimalField(source="balance", max_digits=14, decimal_places=2)
    status = serializers.CharField(help_text="open, partial, paid or closed (waived or written off).")


class AllocationSerializer(serializers.Serializer):
    amount_usd = serializers.DecimalField(source="amount", max_digits=14, decimal_places=2)
    payment = serializers.IntegerField(source="payment_id", allow_null=True, help_text="Empty: from member credit.")
    applied_at = serializers.DateTimeField(source="created_at")


class AdjustmentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    amount_usd = serializers.DecimalField(source="amount", max_digits=14, decimal_places=2)
    reason = serializers.CharField()
    recorded_at = serializers.DateTimeField(source="created_at")


class InvoiceDetailSerializer(InvoiceSerializer):
    allocations = AllocationSerializer(many=True)
    adjustments = AdjustmentSerializer(many=True)


class PaymentInputSerializer(serializers.Serializer):
    organization = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    received_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = serializers.CharField(max_length=3, min_length=3)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    invoices = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        max_length=100,
        help_text="Invoices to pay; empty: the oldest open invoices first.",
    )


class PaymentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    received_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    usd_rate = serializers.DecimalField(max_digits=18, decimal_places=8)
    amount_usd = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit_usd = serializers.DecimalField(source="credit", max_digits=14, decimal_places=2)
    reference = serializers.CharField()


class AgeingRowSerializer(serializers.Serializer):
    country = serializers.CharField(source="organization__country_id")
    days_0_90 = serializers.DecimalField(source="b0", max_digits=16, decimal_places=2)
    days_91_180 = serializers.DecimalField(source="b1", max_digits=16, decimal_places=2)
    days_181_365 = serializers.DecimalField(source="b2", max_digits=16, decimal_places=2)
    days_over_365 = serializers.DecimalField(source="b3", max_digits=16, decimal_places=2)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)


class DuesInvoiceViewSet(ClacGenericViewSet):
    """Dues invoices (USD), newest year first."""

    permission_classes = [DuesStaff]
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    pagination_class = InvoiceCursorPagination
    queryset = DuesInvoice.objects.none()

    def get_queryset(self) -> QuerySet:
        return selectors.dues_invoice_list()

    @extend_schema(summary="List dues invoices")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(InvoiceSerializer(page, many=True).data)

    @extend_schema(summary="One dues invoice with its payments and adjustments", responses=InvoiceDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        invoice = selectors.dues_invoice_get_for_user(user=request.user, pk=url_pk(pk))
        context = selectors.dues_invoice_detail_context(invoice=invoice)
        data: dict[str, Any] = {**InvoiceSerializer(invoice).data}
        data["allocations"] = AllocationSerializer(context["allocations"], many=True).data
        data["adjustments"] = AdjustmentSerializer(context["adjustments"], many=True).data
        return Response(data)

    @extend_schema(summary="Open dues by country and days past due (USD)", responses=AgeingRowSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def ageing(self, request: Request) -> Response:
        return Response(AgeingRowSerializer(selectors.dues_ageing()["rows"], many=True).data)


class DuesPaymentViewSet(ClacGenericViewSet):
    """Record money received from an organization (any currency; USD at the payment date)."""

    permission_classes = [DuesStaff]
    serializer_class = PaymentOutputSerializer
    queryset = DuesInvoice.objects.none()

    @extend_schema(
        summary="Record a dues payment", request=PaymentInputSerializer, responses={201: PaymentOutputSerializer}
    )
    def create(self, request: Request) -> Response:
        data = validated(PaymentInputSerializer, request.data)
        organization = get_object_or_404(Organization, pk=data["organization"])
        payment = services.dues_payment_record(
            organization=organization,
            received_on=data["received_on"],
            amount=data["amount"],
            currency=data["currency"],
            reference=data["reference"],
            invoice_ids=data.get("invoices") or None,
            actor=request_user(request),
        )
        return Response(PaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)


def register(router: SimpleRouter) -> None:
    router.register("finance/dues-invoices", DuesInvoiceViewSet, basename="dues-invoice")
    router.register("finance/dues-payments", DuesPaymentViewSet, basename="dues-payment")


urlpatterns: list = []
ACCESS: dict[str, str] = {
    f"api-v1:{name}": ACCESS_API
    for name in ("dues-invoice-list", "dues-invoice-detail", "dues-invoice-ageing", "dues-payment-list")
}
