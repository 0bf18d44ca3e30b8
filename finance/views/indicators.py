"""The finance dashboard: the financial-sustainability indicators per year with their trends
(SVG bars drawn from the numbers, no script), this year's budget execution per strategic line
and the reporting deadlines coming due; in USD or a chosen currency. Also the dashboard home
panel. Finance staff and administrators only."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy

from clac.access import staff_required
from clac.plugins import ACCESS_STAFF_ROLES, NavEntry
from clac.roles import StaffRole
from finance.forms.common import ReportCurrencyForm
from finance.money import USD
from finance.selectors.donors import deadlines_due
from finance.selectors.indicators import YearIndicators, indicator_years, indicators_for_years

FINANCE = (StaffRole.ADMIN, StaffRole.FINANCE)
CHART_HEIGHT = 100
CHART_TOP = 16  # room for the value above a full bar
BAR_WIDTH = 56
BAR_GAP = 20


def trend_bars(values: list[tuple[int, Decimal | None]], *, top: Decimal | None = None) -> dict[str, Any]:
    """Bar geometry for an SVG trend: each year's bar height scaled to the largest value (or
    `top`), its x position, and the label under it."""
    known = [value for _year, value in values if value is not None and value > 0]
    scale = top or (max(known) if known else Decimal(1))
    bars = []
    for index, (year, value) in enumerate(values):
        height = int(CHART_HEIGHT * min(value, scale) / scale) if value is not None and value > 0 else 0
        x = BAR_GAP + index * (BAR_WIDTH + BAR_GAP)
        bar_top = CHART_TOP + CHART_HEIGHT - height
        bars.append(
            {"year": year, "value": value, "height": height, "x": x, "y": bar_top, "label_x": x + BAR_WIDTH // 2,
             "value_y": bar_top - 4}
        )  # fmt: skip
    return {
        "bars": bars,
        "width": BAR_GAP + len(values) * (BAR_WIDTH + BAR_GAP),
        "height": CHART_TOP + CHART_HEIGHT + 24,
        "year_y": CHART_TOP + CHART_HEIGHT + 16,
        "bar_width": BAR_WIDTH,
    }


def dashboard_context(*, today: datetime.date, currency: str) -> dict[str, Any]:
    years = indicator_years(today=today)
    by_year = indicators_for_years(years=years, today=today, currency=currency)
    rows: list[YearIndicators] = [by_year[year] for year in years]
    return {
        "rows": rows,
        "current": by_year[today.year],
        "autonomy_trend": trend_bars([(r.year, r.autonomy_ratio) for r in rows], top=Decimal(1)),
        "reserves_trend": trend_bars([(r.year, r.months_of_reserves) for r in rows]),
        "collection_trend": trend_bars([(r.year, r.dues_collection_rate) for r in rows], top=Decimal(1)),
        "currency": currency,
    }


@staff_required(*FINANCE)
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ReportCurrencyForm(request.GET)
    currency = form.currency_value()
    try:
        context = dashboard_context(today=today, currency=currency)
    except ValidationError as exc:
        form.add_error("currency", exc.messages)
        context = dashboard_context(today=today, currency=USD)
    deadlines = list(deadlines_due(today=today)[:20])
    return render(
        request,
        "finance/dashboard.html",
        {**context, "currency_form": form, "deadlines": deadlines, "today": today},
        status=400 if form.errors else 200,
    )


def home_panel_context(request: HttpRequest) -> dict[str, Any]:
    """This year's autonomy ratio and the reports due within the reminder window."""
    today = timezone.localdate()
    current = indicators_for_years(years=[today.year], today=today)[today.year]
    return {"finance_current": current, "finance_deadlines": list(deadlines_due(today=today)[:5])}


NAV: tuple[NavEntry, ...] = (
    NavEntry(gettext_lazy("Finance"), "finance:dashboard", roles=frozenset(FINANCE), icon="finance", order=60),
)
urlpatterns = [path("", dashboard, name="dashboard")]
ACCESS: dict[str, str] = {"finance:dashboard": ACCESS_STAFF_ROLES}
