"""Staff review of yearly reports: the queue of reports waiting for review and the review page
(figures beside last year's, premium and its uses, the event log, approve / return / comment).
Every staff role reads; registry editors (admin, coordinator, M&E officer) review."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.pagination import ReversiblePaginator
from clac.roles import RATE_KEEPERS, REGISTRY_EDITORS, user_has_any_role
from members import selectors, services
from members.forms.reports import ReportFilterForm, ReviewNoteForm
from members.models import YearlyReport

PAGE_SIZE = 50

APPROVE_LABEL = gettext_lazy("Note to the organization (optional)")
RETURN_LABEL = gettext_lazy("What the organization should correct")
COMMENT_LABEL = gettext_lazy("Comment")


@staff_required()
def report_queue(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm.from_query(request.GET)
    reports = selectors.report_queue(filters=form.filters())
    page_obj = ReversiblePaginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/reports/queue.html", {"filter_form": form, "page_obj": page_obj})


def _render_detail(request: HttpRequest, report: YearlyReport, **forms: ReviewNoteForm) -> HttpResponse:
    previous = selectors.yearly_report_previous_approved(report=report)
    missing_rate = (
        selectors.yearly_report_missing_rate(report=report) if report.status == YearlyReport.Status.SUBMITTED else None
    )
    context = {
        # Shown at the top of the page: approval needs this rate, with a link to add it.
        "missing_rate": missing_rate,
        "can_add_rate": user_has_any_role(request.user, RATE_KEEPERS),
        "report": report,
        "previous": previous,
        "figures": selectors.yearly_report_figure_comparison(report=report, previous=previous),
        "products": selectors.yearly_report_product_comparison(report=report, previous=previous),
        "premium_uses": selectors.yearly_report_premium_uses(report=report),
        "events": selectors.yearly_report_events(report=report),
        "can_review": selectors.organization_can_change(request.user, report.organization),
        "is_submitted": report.status == YearlyReport.Status.SUBMITTED,
        "approve_form": forms.get("approve_form") or ReviewNoteForm(prefix="approve", note_label=APPROVE_LABEL),
        "return_form": forms.get("return_form") or ReviewNoteForm(prefix="return", note_label=RETURN_LABEL),
        "comment_form": forms.get("comment_form") or ReviewNoteForm(prefix="comment", note_label=COMMENT_LABEL),
    }
    return render(request, "members/reports/detail.html", context)


@staff_required()
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.yearly_report_get_for_user(user=request.user, pk=pk)
    return _render_detail(request, report)


@staff_required(*REGISTRY_EDITORS)
@require_POST
def report_approve(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.yearly_report_get_for_user(user=request.user, pk=pk, for_change=True)
    form = ReviewNoteForm(request.POST, prefix="approve", note_label=APPROVE_LABEL)
    if form.is_valid():
        try:
            services.yearly_report_approve(actor=request_user(request), report=report, note=form.cleaned_data["note"])
        except ValidationError as error:
            if hasattr(error, "error_dict") and "premium_currency" in error.error_dict:
                # The missing rate is explained at the top of the page, with a link to add it.
                messages.error(request, _("The report was not approved: its exchange rate is missing."))
            else:
                add_service_errors(form, error)
        else:
            messages.success(request, _("The %(year)s report of %(organization)s was approved.") % _names(report))
            return redirect("members:report_queue")
    return _render_detail(request, report, approve_form=form)


@staff_required(*REGISTRY_EDITORS)
@require_POST
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.yearly_report_get_for_user(user=request.user, pk=pk, for_change=True)
    form = ReviewNoteForm(request.POST, prefix="return", note_label=RETURN_LABEL)
    if form.is_valid():
        try:
            services.yearly_report_return(actor=request_user(request), report=report, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The %(year)s report of %(organization)s was returned for changes.") % _names(report)
            )
            return redirect("members:report_queue")
    return _render_detail(request, report, return_form=form)


@staff_required(*REGISTRY_EDITORS)
@require_POST
def report_comment(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.yearly_report_get_for_user(user=request.user, pk=pk, for_change=True)
    form = ReviewNoteForm(request.POST, prefix="comment", note_label=COMMENT_LABEL)
    if form.is_valid():
        try:
            services.yearly_report_comment(actor=request_user(request), report=report, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your comment was added."))
            return redirect("members:report_detail", pk=report.pk)
    return _render_detail(request, report, comment_form=form)


def _names(report: YearlyReport) -> dict[str, object]:
    return {"year": report.year, "organization": report.organization}


urlpatterns = [
    path("reports/", report_queue, name="report_queue"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/approve/", report_approve, name="report_approve"),
    path("reports/<int:pk>/return/", report_return, name="report_return"),
    path("reports/<int:pk>/comment/", report_comment, name="report_comment"),
]
