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
from finance.money import quantize
from members.models import Organization
from members.selectors.search import search_words

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
    names = (*[bucket[0] for bucket in BUCKETS], "total")
    for row in rows:  # to the cent (SQLite sums decimals with more places than the column's)
        for name in names:
            row[name] = quantize(row[name] or ZERO)
    totals = {name: sum((row[name] for row in rows), ZERO) for name in names}
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


def dues_payment_list(
    *, organization_id: int | None = None, filters: dict[str, Any] | None = None
) -> QuerySet[DuesPayment]:
    """Every payment, newest first. Filters: received_from, received_to (dates, inclusive),
        currency (code), organization (words of the organization's name, legal name, locality or
    FLO ID)."""
    filters = filters or {}
    queryset = DuesPayment.objects.select_related("organization")
    if organization_id:
        queryset = queryset.filter(organization_id=organization_id)
    if received_from := filters.get("received_from"):
        queryset = queryset.filter(received_on__gte=received_from)
    if received_to := filters.get("received_to"):
        queryset = queryset.filter(received_on__lte=received_to)
    if currency := filters.get("currency"):
        queryset = queryset.filter(currency=currency)
    # Every word, accents and case ignored, like the registry's search (members.selectors.search).
    for word in search_words(filters.get("organization") or ""):
        queryset = queryset.filter(organization__search_text__contains=word)
    return queryset.order_by("-received_on", "-id")


def dues_organization_get_for_user(*, user, pk: int) -> Organization:
    """The organization whose dues account staff of the dues roles open (404 if none)."""
    require_staff_roles(user, DUES_STAFF)
    return get_object_or_404(Organization.objects.select_related("country"), pk=pk)


ACCOUNT_PAYMENTS_SHOWN = 100


def dues_account_context(*, organization: Organization) -> dict[str, Any]:
    """The organization's dues account for staff: every invoice, its latest payments (what each
    settled and kept as credit), its waivers and write-offs, the open balance and the credit;
    six queries whatever the number of rows."""
    invoices = list(DuesInvoice.objects.filter(organization=organization).order_by("-year", "-sequence"))
    payments = list(
        DuesPayment.objects.filter(organization=organization)
        .select_related("created_by")
        .order_by("-received_on", "-id")[: ACCOUNT_PAYMENTS_SHOWN + 1]
    )
    adjustments = list(
        DuesAdjustment.objects.filter(invoice__organization=organization)
        .select_related("invoice", "created_by")
        .order_by("-created_at", "-id")
    )
    return {
        "organization": organization,
        "invoices": invoices,
        # What a payment settled at receipt is its USD value less what it left as credit.
        "payments": payments[:ACCOUNT_PAYMENTS_SHOWN],
        "more_payments": len(payments) > ACCOUNT_PAYMENTS_SHOWN,
        "adjustments": adjustments,
        "balance": quantize(sum((invoice.balance for invoice in invoices if invoice.status in OPEN_STATUSES), ZERO)),
        "credit": organization_credit(organization=organization),
    }


__all__ = [
    "BUCKETS",
    "DUES_STAFF",
    "dues_account_context",
    "dues_ageing",
    "dues_invoice_detail_context",
    "dues_invoice_get_for_user",
    "dues_invoice_list",
    "dues_organization_get_for_user",
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
    # Quantized: SQLite (the demo) sums decimals with more places than the column has.
    return quantize(kept - used)
