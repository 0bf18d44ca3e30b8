"""Portal pages of the yearly report: the list by year, the form (read-only once submitted,
and for viewers), and submission to CLAC. The report is addressed by year and always looked
up within request.organization, so another organization's report cannot be reached."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clac.access import portal_required, request_user
from clac.forms import add_service_errors
from members import rules
from members.models import Organization, Product, YearlyReport
from members.portal.forms import (
    PremiumUseFormSet,
    ProductLineFormSet,
    YearlyReportForm,
    premium_use_initial,
)
from members.portal.request import MemberPortalRequest
from members.selectors import yearly_report_get_for_user
from members.selectors.portal import portal_report_lines, portal_report_staff_notes, portal_reports
from members.services import REPORT_DATA_FIELDS, yearly_report_save, yearly_report_submit

# Years offered when starting a report: the last complete years, newest first.
START_YEARS_OFFERED = 6


def _startable_years(reported: set[int]) -> list[int]:
    first, current = rules.year_bounds(timezone.localdate())
    last_complete = current - 1
    return [
        year
        for year in range(last_complete, last_complete - START_YEARS_OFFERED, -1)
        if year not in reported and year >= first
    ]


@portal_required()
@require_GET
def report_list(request: MemberPortalRequest) -> HttpResponse:
    can_edit = request.portal_access.can_edit
    reports = list(portal_reports(organization=request.organization))
    startable = _startable_years({report.year for report in reports})
    # The start form is a plain GET form (no script): the chosen year leads to its page.
    chosen = request.GET.get("year")
    if chosen and can_edit:
        # isdigit() alone lets "²" through, which int() refuses.
        if chosen.isascii() and chosen.isdigit() and int(chosen) in startable:
            return redirect("members_portal:report_edit", year=int(chosen))
        messages.error(request, _("Choose a year from the list."))
    return render(
        request,
        "portal/members/report_list.html",
        {"reports": reports, "startable_years": startable, "can_edit": can_edit},
    )


def _products_by_id() -> dict[str, Product]:
    return {str(product.pk): product for product in Product.objects.order_by("name")}


def _initial_lines(organization: Organization, report: YearlyReport | None) -> list[dict[str, Any]]:
    if report is not None and report.pk is not None:
        lines = report.product_lines.order_by("product__name")
        return [
            {
                "product": str(line.product_id),
                "volume_produced": line.volume_produced,
                "volume_sold_fairtrade": line.volume_sold_fairtrade,
                "volume_sold_other": line.volume_sold_other,
            }
            for line in lines
        ]
    # A new report lists the organization's products, ready for their volumes.
    return [{"product": str(pk)} for pk in organization.products.order_by("name").values_list("pk", flat=True)]


def _report_forms(request: MemberPortalRequest, report: YearlyReport | None, data=None):
    organization = request.organization
    initial: dict[str, Any] = {"premium_currency": "USD"}
    existing_uses: dict[str, Decimal] = {}
    if report is not None:
        initial = {name: getattr(report, name) for name in REPORT_DATA_FIELDS}
        existing_uses = {use.category: use.amount for use in report.premium_uses.all()}
    form = YearlyReportForm(
        data,
        initial=initial,
        country_code=organization.country_id,
        current_currency=report.premium_currency if report is not None else "",
    )
    lines = ProductLineFormSet(
        data,
        initial=_initial_lines(organization, report) if data is None else None,
        prefix="lines",
        form_kwargs={"products": _products_by_id()},
    )
    uses = PremiumUseFormSet(data, initial=premium_use_initial(existing_uses), prefix="uses")
    return form, lines, uses


def _put_errors(error: ValidationError, form, lines, uses) -> None:
    """Service errors about the lines go above the lines; the rest next to the report fields."""
    if hasattr(error, "error_dict"):
        rest: dict[str, list[str]] = {}
        for key, messages_ in error.message_dict.items():
            if key == "product_lines":
                lines.non_form_errors().extend(messages_)
            elif key == "premium_uses":
                uses.non_form_errors().extend(messages_)
            else:
                rest[key] = messages_
        if rest:
            add_service_errors(form, ValidationError(rest))
    else:
        add_service_errors(form, error)


def _report_of_year(request: MemberPortalRequest, year: int, *, for_change: bool) -> YearlyReport | None:
    """The organization's report of the year, None when it has not been started."""
    try:
        return yearly_report_get_for_user(
            user=request.user, organization=request.organization, year=year, for_change=for_change
        )
    except Http404:
        # portal_required checked the user's access to request.organization: a 404 here can
        # only mean that there is no report for the year yet.
        return None


@portal_required()
@require_http_methods(["GET", "POST"])
def report_edit(request: MemberPortalRequest, year: int) -> HttpResponse:
    organization = request.organization
    can_edit = request.portal_access.can_edit
    # A viewer's POST on an existing report is a 403 from the access helper.
    report = _report_of_year(request, year, for_change=request.method == "POST")
    first, last = rules.year_bounds(timezone.localdate())
    if report is None and (not can_edit or not first <= year <= last):
        raise Http404
    if request.method == "POST":
        if report is not None and not report.is_editable:
            messages.error(
                request,
                _("The %(year)s report is %(status)s and can no longer be changed.")
                % {"year": year, "status": report.get_status_display().lower()},
            )
            return redirect("members_portal:report_edit", year=year)
        form, lines, uses = _report_forms(request, report, request.POST)
        # Validate all three, so every mistake is marked at once (the uses against the premium
        # received too, as soon as both are readable).
        valid = [form.is_valid(), lines.is_valid(), uses.is_valid()]
        valid.append(uses.check_against_premium(form))
        if all(valid):
            try:
                report = yearly_report_save(
                    actor=request_user(request),
                    organization=organization,
                    year=year,
                    data=form.service_data(),
                    product_lines=lines.lines(),
                    premium_uses=uses.uses(),
                )
            except ValidationError as error:
                _put_errors(error, form, lines, uses)
            else:
                if "submit" in request.POST:
                    return _submit(request, report)
                messages.success(request, _("The draft was saved. Submit it to CLAC when it is complete."))
                return redirect("members_portal:report_edit", year=year)
        messages.error(request, _("The report was not saved. Correct the marked fields."))
        editable = True
    else:
        editable = can_edit and (report is None or report.is_editable)
        if editable:
            form, lines, uses = _report_forms(request, report)
    context: dict[str, Any] = {
        "year": year,
        "report": report,
        "editable": editable,
        "can_edit": can_edit,
        "staff_notes": portal_report_staff_notes(report=report) if report is not None else [],
    }
    if editable:
        uses_open = bool(uses.total_error_count()) or any(use["amount"].value() not in (None, "") for use in uses)
        context.update({"form": form, "lines": lines, "uses": uses, "uses_open": uses_open})
    else:
        # Not editable means the report exists: a missing one is editable or a 404 above.
        assert report is not None
        product_lines, premium_uses = portal_report_lines(report=report)
        context.update({"product_lines": product_lines, "premium_uses": premium_uses})
    return render(request, "portal/members/report_form.html", context)


def _submit(request: MemberPortalRequest, report: YearlyReport) -> HttpResponse:
    try:
        yearly_report_submit(actor=request_user(request), report=report)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("members_portal:report_edit", year=report.year)
    messages.success(
        request,
        _("The %(year)s report was submitted to CLAC. You will see their comments here.") % {"year": report.year},
    )
    return redirect("members_portal:report_list")


@portal_required(edit=True)
@require_POST
def report_submit(request: MemberPortalRequest, year: int) -> HttpResponse:
    report = yearly_report_get_for_user(
        user=request.user, organization=request.organization, year=year, for_change=True
    )
    return _submit(request, report)


urlpatterns = [
    path("reports/", report_list, name="report_list"),
    path("reports/<int:year>/", report_edit, name="report_edit"),
    path("reports/<int:year>/submit/", report_submit, name="report_submit"),
]
