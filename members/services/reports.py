"""Yearly reports: drafted and submitted by the organization, reviewed by staff
(draft → submitted → approved | returned), with an append-only event log."""

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from clac.models import User
from members import rules
from members.models import (
    ExchangeRate,
    Organization,
    PremiumUse,
    Product,
    YearlyReport,
    YearlyReportEvent,
    YearlyReportProduct,
)
from members.services._common import full_clean_fields, set_history_user

__all__ = [
    "REPORT_DATA_FIELDS",
    "exchange_rate_usd_value",
    "yearly_report_approve",
    "yearly_report_comment",
    "yearly_report_flags",
    "yearly_report_return",
    "yearly_report_save",
    "yearly_report_submit",
]

REPORT_DATA_FIELDS = (
    "members_total",
    "members_women",
    "members_youth",
    "permanent_workers",
    "hectares",
    "premium_amount",
    "premium_currency",
)
CENT = Decimal("0.01")


def exchange_rate_usd_value(*, amount: Decimal, currency: str, on_date: datetime.date) -> Decimal | None:
    """USD value of an amount with the latest rate on or before the date; None without a rate."""
    if currency == "USD":
        return amount.quantize(CENT)
    rate = (
        ExchangeRate.objects.filter(currency=currency, date__lte=on_date)
        .order_by("-date")
        .values_list("usd_per_unit", flat=True)
        .first()
    )
    if rate is None:
        return None
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def _log(report: YearlyReport, action: str, actor: User | None, note: str = "") -> None:
    YearlyReportEvent.objects.create(report=report, action=action, actor=actor, note=note)


def _delete_with_history(lines: Iterable[YearlyReportProduct | PremiumUse], actor: User | None) -> None:
    for line in lines:
        set_history_user(line, actor)
        line.delete()


def _validate_numbers(report: YearlyReport, product_lines: list[dict], premium_uses: list[dict]) -> None:
    """Refuse what cannot be true (members.rules), every mistake at once."""
    errors: dict[str, list[str]] = {}
    try:
        full_clean_fields(report)
    except ValidationError as exc:
        errors.update({k: v for k, v in exc.message_dict.items() if k != "organization"})
    for field, messages in rules.report_figure_problems(
        members_total=report.members_total,
        members_women=report.members_women,
        members_youth=report.members_youth,
        permanent_workers=report.permanent_workers,
        hectares=report.hectares,
        premium_amount=report.premium_amount,
    ).items():
        for message in messages:
            if message not in errors.get(field, []):
                errors.setdefault(field, []).append(message)
    if year_problem := rules.report_year_problem(report.year, timezone.localdate()):
        errors.setdefault("year", []).append(year_problem)

    seen: set[int] = set()
    for index, line in enumerate(product_lines, start=1):
        product: Product = line["product"]
        prefix = _("Product line %(n)s (%(product)s)") % {"n": index, "product": product}
        if product.pk in seen:
            errors.setdefault("product_lines", []).append(
                _("%(prefix)s: this product is listed twice.") % {"prefix": prefix}
            )
        seen.add(product.pk)
        problems = rules.product_line_problems(
            produced=line.get("volume_produced"),
            fairtrade=line.get("volume_sold_fairtrade"),
            other=line.get("volume_sold_other"),
        )
        for messages in problems.values():
            for message in messages:
                errors.setdefault("product_lines", []).append(
                    _("%(prefix)s: %(problem)s") % {"prefix": prefix, "problem": message}
                )
    categories: set[str] = set()
    for use in premium_uses:
        category = use["category"]
        if category not in PremiumUse.Category.values:
            errors.setdefault("premium_uses", []).append(_("Unknown premium use category."))
            continue
        if category in categories:
            errors.setdefault("premium_uses", []).append(
                _("%(category)s is listed twice.") % {"category": PremiumUse.Category(category).label}
            )
        categories.add(category)
    if premium_uses and any(use.get("amount") is None for use in premium_uses):
        errors.setdefault("premium_uses", []).append(_("Give an amount for each premium use."))
    elif problem := rules.premium_uses_problem(
        premium_amount=report.premium_amount, uses=[use["amount"] for use in premium_uses]
    ):
        # "Give the premium first" belongs next to the premium; the rest next to the uses.
        field = "premium_amount" if report.premium_amount is None else "premium_uses"
        errors.setdefault(field, []).append(problem)
    if errors:
        raise ValidationError(errors)


def yearly_report_flags(
    *,
    report: YearlyReport,
    premium_usd: Decimal | None = None,
    lines: list[tuple[str, Decimal, Decimal, Decimal]] | None = None,
) -> list[dict]:
    """The unusual figures of a report (members.rules.report_flags), with its premium in USD
    at the year-end rate when there is one. `lines` (unit, produced, fairtrade, other) are the
    lines about to be saved; None reads the report's stored lines."""
    if premium_usd is None and report.premium_amount is not None:
        premium_usd = exchange_rate_usd_value(
            amount=report.premium_amount,
            currency=report.premium_currency,
            on_date=datetime.date(report.year, 12, 31),
        )
    if lines is None:
        lines = (
            list(
                report.product_lines.values_list(
                    "product__unit", "volume_produced", "volume_sold_fairtrade", "volume_sold_other"
                )
            )
            if report.pk is not None
            else []
        )
    return rules.report_flags(
        members_total=report.members_total,
        hectares=report.hectares,
        premium_amount=report.premium_amount,
        premium_usd=premium_usd,
        lines=lines,
    )


@transaction.atomic
def yearly_report_save(
    *,
    actor: User | None,
    organization: Organization,
    year: int,
    data: dict[str, Any],
    product_lines: list[dict[str, Any]] | None = None,
    premium_uses: list[dict[str, Any]] | None = None,
) -> YearlyReport:
    """Create or change a draft (or returned) report. `data` holds REPORT_DATA_FIELDS;
    product_lines are dicts of product, volume_produced, volume_sold_fairtrade,
    volume_sold_other; premium_uses are dicts of category, amount. Given lists replace the
    report's lines; None keeps them."""
    unknown = set(data) - set(REPORT_DATA_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    report = YearlyReport.objects.select_for_update().filter(organization=organization, year=year).first()
    created = report is None
    if report is None:
        report = YearlyReport(organization=organization, year=year)
    elif not report.is_editable:
        raise ValidationError(
            _("The %(year)s report is %(status)s and can no longer be changed.")
            % {"year": year, "status": report.get_status_display()}
        )
    for name, value in data.items():
        setattr(report, name, value)
    if report.premium_currency:
        report.premium_currency = report.premium_currency.upper()
    # Lines not given are kept as they are, and were validated when they were saved.
    _validate_numbers(report, product_lines or [], premium_uses or [])
    report.review_flags = yearly_report_flags(
        report=report,
        lines=None
        if product_lines is None
        else [
            (
                line["product"].unit,
                line.get("volume_produced") or Decimal(0),
                line.get("volume_sold_fairtrade") or Decimal(0),
                line.get("volume_sold_other") or Decimal(0),
            )
            for line in product_lines
        ],
    )

    set_history_user(report, actor)
    report.save()
    if product_lines is not None:
        # Both line tables are audited: each replaced line leaves a "-" history row and each new
        # line a "+" one, attributed to the actor (a report has a handful of lines).
        _delete_with_history(report.product_lines.all(), actor)
        bulk_create_with_history(
            [
                YearlyReportProduct(
                    report=report,
                    product=line["product"],
                    volume_produced=line.get("volume_produced") or Decimal(0),
                    volume_sold_fairtrade=line.get("volume_sold_fairtrade") or Decimal(0),
                    volume_sold_other=line.get("volume_sold_other") or Decimal(0),
                )
                for line in product_lines
            ],
            YearlyReportProduct,
            default_user=actor,
        )
    if premium_uses is not None:
        _delete_with_history(report.premium_uses.all(), actor)
        bulk_create_with_history(
            [PremiumUse(report=report, category=use["category"], amount=use["amount"]) for use in premium_uses],
            PremiumUse,
            default_user=actor,
        )
    _log(report, YearlyReportEvent.Action.CREATED if created else YearlyReportEvent.Action.UPDATED, actor)
    return report


def _lock(report: YearlyReport) -> YearlyReport:
    return YearlyReport.objects.select_for_update().select_related("organization").get(pk=report.pk)


@transaction.atomic
def yearly_report_submit(*, actor: User | None, report: YearlyReport) -> YearlyReport:
    locked = _lock(report)
    if not locked.is_editable:
        raise ValidationError(
            _("Only a draft or returned report can be submitted; this one is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    if locked.members_total is None:
        raise ValidationError({"members_total": _("Give the number of members before submitting.")})
    if not locked.product_lines.exists():
        raise ValidationError({"product_lines": _("Report at least one product before submitting.")})
    locked.status = YearlyReport.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.submitted_by = actor
    set_history_user(locked, actor)
    locked.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    _log(locked, YearlyReportEvent.Action.SUBMITTED, actor)
    return locked


@transaction.atomic
def yearly_report_approve(*, actor: User | None, report: YearlyReport, note: str = "") -> YearlyReport:
    """Approve a submitted report; its premium is converted to USD at the year's last rate,
    and from now on it counts in statistics."""
    locked = _lock(report)
    if locked.status != YearlyReport.Status.SUBMITTED:
        raise ValidationError(
            _("Only a submitted report can be approved; this one is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    premium_usd = None
    if locked.premium_amount is not None:
        year_end = datetime.date(locked.year, 12, 31)
        premium_usd = exchange_rate_usd_value(
            amount=locked.premium_amount, currency=locked.premium_currency, on_date=year_end
        )
        if premium_usd is None:
            raise ValidationError(
                {
                    "premium_currency": _(
                        "There is no %(currency)s exchange rate on or before %(date)s. Add one, then approve."
                    )
                    % {"currency": locked.premium_currency, "date": year_end.isoformat()}
                }
            )
    locked.status = YearlyReport.Status.APPROVED
    locked.premium_usd = premium_usd
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = actor
    # With the rate now known, the premium per member can be checked too.
    locked.review_flags = yearly_report_flags(report=locked, premium_usd=premium_usd)
    set_history_user(locked, actor)
    locked.save(update_fields=["status", "premium_usd", "reviewed_at", "reviewed_by", "review_flags", "updated_at"])
    _log(locked, YearlyReportEvent.Action.APPROVED, actor, note.strip())
    return locked


@transaction.atomic
def yearly_report_return(*, actor: User | None, report: YearlyReport, note: str) -> YearlyReport:
    """Send a submitted report back to the organization with what to correct."""
    if not note.strip():
        raise ValidationError({"note": _("Tell the organization what to correct.")})
    locked = _lock(report)
    if locked.status != YearlyReport.Status.SUBMITTED:
        raise ValidationError(
            _("Only a submitted report can be returned; this one is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    locked.status = YearlyReport.Status.RETURNED
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = actor
    set_history_user(locked, actor)
    locked.save(update_fields=["status", "reviewed_at", "reviewed_by", "updated_at"])
    _log(locked, YearlyReportEvent.Action.RETURNED, actor, note.strip())
    return locked


@transaction.atomic
def yearly_report_comment(*, actor: User | None, report: YearlyReport, note: str) -> YearlyReportEvent:
    if not note.strip():
        raise ValidationError({"note": _("Write a comment.")})
    return YearlyReportEvent.objects.create(
        report=report, action=YearlyReportEvent.Action.COMMENTED, actor=actor, note=note.strip()
    )
