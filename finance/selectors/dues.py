"""Reads of the dues area: policies, invoice lists with filters, an invoice's detail, the
ageing report (one query), an organization's statement for the portal, and the access
helpers (`*_get_for_user`: staff of the finance and admin roles; portal users of the
invoice's own organization, others get 404)."""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clac.access import require_staff_roles
from clac.roles import StaffRole
from finance.models import DuesAdjustment, DuesAllocation, DuesInvoice, DuesPayment, DuesPolicy
from members.models import Organization

DUES_STAFF = (StaffRole.ADMIN, StaffRole.FINANCE)
OPEN_STATUSES = (DuesInvoice.Status.OPEN, DuesInvoice.Status.PARTIAL)
BUCKETS = (("b0", 0, 90), ("b1", 91, 180), ("b2", 181, 365), ("b3", 366, None))
ZERO = Decimal(0)


def _balance() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("amount") - F("paid") - F("adjusted"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )


def dues_policy_get_for_user(*, user, pk: int) -> DuesPolicy:
    require_staff_roles(user, DUES_STAFF)
    return get_object_or_404(DuesPolicy, pk=pk)


def dues_policy_is_invoiced(*, policy: DuesPolicy) -> bool:
    return DuesInvoice.objects.filter(year=policy.year).exists()


def dues_invoice_get_for_user(*, user, pk: int, organization: Organization | None = None) -> DuesInvoice:
    """Staff of the dues roles see every invoice; a portal user (organization given) only the
    invoices of that organization (404 otherwise)."""
    queryset = DuesInvoice.objects.select_related("organization", "organization__country")
    if organization is not None:
        return get_object_or_404(queryset, pk=pk, organization=organization)
    require_staff_roles(user, DUES_STAFF)
    return get_object_or_404(queryset, pk=pk)


def dues_invoice_list(
    *, filters: dict[str, Any] | None = None, today: datetime.date | None = None
) -> QuerySet[DuesInvoice]:
    """Filters: year, status, country (code), overdue (True), organization (id)."""
    filters = filters or {}
    today = today or timezone.localdate()
    queryset = DuesInvoice.objects.select_related("organization", "organization__country")
    if year := filters.get("year"):
        queryset = queryset.filter(year=year)
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    if country := filters.get("country"):
        queryset = queryset.filter(organization__country_id=getattr(country, "pk", country))
    if filters.get("overdue"):
        queryset = queryset.filter(status__in=OPEN_STATUSES, due_on__lt=today)
    if organization := filters.get("organization"):
        queryset = queryset.filter(organization_id=getattr(organization, "pk", organization))
    # Newest first, both descending: the (year, sequence) unique index serves it read backwards.
    return queryset.order_by("-year", "-sequence")


def dues_invoice_detail_context(*, invoice: DuesInvoice) -> dict[str, Any]:
    return {
        "allocations": list(invoice.allocations.select_related("payment").order_by("created_at", "id")),
        "adjustments": list(invoice.adjustments.select_related("created_by").order_by("created_at", "id")),
    }


def dues_ageing(*, today: datetime.date | None = None) -> dict[str, Any]:
    """Open balances by days past due (0-90 includes invoices not yet due), per country and in
    total, in one query."""
    today = today or timezone.localdate()
    balance = _balance()
    aggregates = {}
    for name, low, high in BUCKETS:
        # Days past due = today - due_on: bucket [low, high] is due_on in [today-high, today-low].
        condition = Q(due_on__gte=today - datetime.timedelta(days=high)) if high is not None else Q()
        if low > 0:
            condition &= Q(due_on__lte=today - datetime.timedelta(days=low))
        aggregates[name] = Sum(balance, filter=condition, default=ZERO)
    aggregates["total"] = Sum(balance, default=ZERO)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in DuesInvoice.objects.filter(status__in=OPEN_STATUSES)
        .values("organization__country_id", "organization__country__name")
        .annotate(**aggregates)
        .order_by("organization__country__name")
    ]
    totals = {name: sum((row[name] for row in rows), ZERO) for name in (*[b[0] for b in BUCKETS], "total")}
    return {"rows": rows, "totals": totals, "today": today}


def organization_dues_statement(*, organization: Organization) -> dict[str, Any]:
    """The organization's invoices, payments, open balance and credit, for the portal."""
    invoices = list(DuesInvoice.objects.filter(organization=organization).order_by("-year", "-sequence"))
    payments = list(DuesPayment.objects.filter(organization=organization).order_by("-received_on", "-id")[:100])
    balance = sum((invoice.balance for invoice in invoices if invoice.status in OPEN_STATUSES), ZERO)
    return {
        "invoices": invoices,
        "payments": payments,
        "balance": balance,
        "credit": organization_credit(organization=organization),
    }


def portal_invoice_context(*, invoice: DuesInvoice) -> dict[str, Any]:
    return {
        "allocations": list(DuesAllocation.objects.filter(invoice=invoice).select_related("payment")),
        "adjustments": list(DuesAdjustment.objects.filter(invoice=invoice)),
    }


def dues_payment_list(*, organization_id: int | None = None) -> QuerySet[DuesPayment]:
    queryset = DuesPayment.objects.select_related("organization")
    if organization_id:
        queryset = queryset.filter(organization_id=organization_id)
    return queryset.order_by("-received_on", "-id")


__all__ = [
    "BUCKETS",
    "DUES_STAFF",
    "dues_ageing",
    "dues_invoice_detail_context",
    "dues_invoice_get_for_user",
    "dues_invoice_list",
    "dues_payment_list",
    "dues_policy_get_for_user",
    "dues_policy_is_invoiced",
    "organization_dues_statement",
    "portal_invoice_context",
]


def organization_credit(*, organization: Organization) -> Decimal:
    """USD credit the organization holds: unallocated payments minus credit already applied."""
    kept = DuesPayment.objects.filter(organization=organization).aggregate(total=Sum("credit"))["total"] or ZERO
    used = (
        DuesAllocation.objects.filter(invoice__organization=organization, payment__isnull=True).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    return kept - used
