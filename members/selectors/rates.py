"""Reads of exchange rates for the dashboard page (filters by currency and dates) and the
missing rate that blocks a yearly report's approval."""

import datetime
from typing import Any

from django.db.models import QuerySet

from members.models import ExchangeRate, YearlyReport

__all__ = ["exchange_rate_currencies", "exchange_rate_list", "yearly_report_missing_rate"]


def exchange_rate_list(*, filters: dict[str, Any] | None = None) -> QuerySet[ExchangeRate]:
    """Rates, newest first. Filters: currency, date_from, date_to (inclusive)."""
    filters = filters or {}
    queryset = ExchangeRate.objects.all()
    if filters.get("currency"):
        queryset = queryset.filter(currency=filters["currency"])
    if filters.get("date_from"):
        queryset = queryset.filter(date__gte=filters["date_from"])
    if filters.get("date_to"):
        queryset = queryset.filter(date__lte=filters["date_to"])
    return queryset.order_by("-date", "currency")


def exchange_rate_currencies() -> list[str]:
    """Currencies that have at least one rate, for the filter."""
    return list(ExchangeRate.objects.order_by("currency").values_list("currency", flat=True).distinct())


def yearly_report_missing_rate(*, report: YearlyReport) -> dict[str, Any] | None:
    """The rate a report's approval needs and lacks ({"currency", "date"}), or None: a
    premium in another currency than USD is converted at the latest rate on or before the
    31 December of the report's year. One query."""
    if report.premium_amount is None or report.premium_currency in ("", "USD"):
        return None
    year_end = datetime.date(report.year, 12, 31)
    if ExchangeRate.objects.filter(currency=report.premium_currency, date__lte=year_end).exists():
        return None
    return {"currency": report.premium_currency, "date": year_end}
