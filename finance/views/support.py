"""Dashboard pages of the support funds: calls (list, create, edit, one call with its ranking table and
status changes), one application (plan, budget lines, attachments, scores, decision, tranches,
final report) and the POST actions on it.

Who: finance staff and administrators manage calls, decisions, disbursements and reports; M&E
officers also score (finance.selectors.support.REVIEWERS); other roles get 403.

`urlpatterns` are mounted by finance/urls.py; `NAV` and `ACCESS` are gathered by finance/plugin.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.plugins import ACCESS_STAFF_ROLES, HistoryModel, NavEntry
from clac.roles import user_has_any_role
from finance.forms.support import (
    ApproveForm,
    CallEditForm,
    CallForm,
    CallStatusForm,
    PayForm,
    RejectForm,
    ReportReviewForm,
    ScoreForm,
    TrancheForm,
)
from finance.models import Disbursement, FinalReport, SupportApplication
from finance.selectors import support as selectors
from finance.services import support as services

PAGE_SIZE = 50
MANAGERS = tuple(selectors.MANAGERS)
REVIEWERS = tuple(selectors.REVIEWERS)


@staff_required(*REVIEWERS)
def call_list(request: HttpRequest) -> HttpResponse:
    page_obj = Paginator(selectors.call_list().order_by("-opens_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "finance/support/call_list.html",
        {"page_obj": page_obj, "can_manage": user_has_any_role(request.user, MANAGERS)},
    )


@staff_required(*MANAGERS)
def call_create(request: HttpRequest) -> HttpResponse:
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.call_create(actor=request_user(request), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The call was created as a draft."))
            return redirect("finance:support_call_detail", pk=call.pk)
    return render(request, "finance/support/call_form.html", {"form": form}, status=400 if form.errors else 200)


@staff_required(*MANAGERS)
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The creation form, filled; an open call's fixed fields are disabled, a closed or decided
    call is not editable (back to its page with the reason)."""
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    if call.status not in services.CALL_EDITABLE_STATUSES:
        messages.error(request, _("A closed or decided call can no longer be edited."))
        return redirect("finance:support_call_detail", pk=call.pk)
    form = CallEditForm(request.POST or None, call=call)
    if request.method == "POST" and form.is_valid():
        try:
            services.call_update(actor=request_user(request), call=call, **form.changes())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The call was saved."))
            return redirect("finance:support_call_detail", pk=call.pk)
    return render(
        request,
        "finance/support/call_form.html",
        {"form": form, "call": call},
        status=400 if form.errors else 200,
    )


@staff_required(*REVIEWERS)
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "finance/support/call_detail.html",
        {
            "call": call,
            "eligibility": selectors.call_eligibility_labels(call=call),
            "criteria": list(call.criteria.all()),
            "rows": selectors.call_applications_ranking(call=call),
            "remaining": call.budget - getattr(call, "approved_total", 0),
            "next_status": services.CALL_TRANSITIONS.get(call.status),
            "can_manage": user_has_any_role(request.user, MANAGERS),
            "can_edit": call.status in services.CALL_EDITABLE_STATUSES,
        },
    )


@staff_required(*MANAGERS)
@require_POST
def call_advance(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_get_for_user(user=request.user, pk=pk)
    form = CallStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
    else:
        try:
            services.call_advance(actor=request_user(request), call=call, to_status=form.cleaned_data["status"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The call's status was changed."))
    return redirect("finance:support_call_detail", pk=call.pk)


def _application_page(request: HttpRequest, application: SupportApplication, **forms: object) -> HttpResponse:
    criteria = list(application.call.criteria.all())
    user = request.user
    report = FinalReport.objects.filter(application=application).first()
    context = {
        "application": application,
        "criteria": criteria,
        "total": selectors.weighted_totals(applications=[application], criteria=criteria)[application.pk],
        "budget_lines": list(application.budget_lines.all()),
        "attachments": list(application.attachments.all()),
        "tranches": list(application.tranches.select_related("journal_entry")),
        "remaining": selectors.tranche_remaining(application=application),
        "report": report,
        "can_manage": user_has_any_role(user, MANAGERS),
        "can_score": application.status
        in (SupportApplication.Status.SUBMITTED, SupportApplication.Status.UNDER_REVIEW),
        "score_form": ScoreForm(
            criteria=criteria, initial_scores=selectors.reviewer_scores(application=application, reviewer=user)
        ),
        "approve_form": ApproveForm(initial={"amount": application.requested_usd}),
        "reject_form": RejectForm(),
        "tranche_form": TrancheForm(),
        "pay_form": PayForm(),
        "report_form": ReportReviewForm(),
    }
    context.update(forms)
    return render(request, "finance/support/application_detail.html", context, status=400 if forms else 200)


@staff_required(*REVIEWERS)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _application_page(request, selectors.application_get_for_user(user=request.user, pk=pk))


@staff_required(*REVIEWERS)
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk)
    attachment = get_object_or_404(application.attachments, pk=attachment_pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@staff_required(*REVIEWERS)
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk)
    report = FinalReport.objects.filter(application=application).exclude(attachment="").first()
    if report is None:
        raise Http404
    return FileResponse(report.attachment.open("rb"), as_attachment=True)


def _done(request: HttpRequest, application: SupportApplication, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("finance:support_application_detail", pk=application.pk)


@staff_required(*REVIEWERS)
@require_POST
def application_score(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk)
    form = ScoreForm(request.POST, criteria=list(application.call.criteria.all()), initial_scores={})
    if form.is_valid():
        try:
            services.scores_record(reviewer=request_user(request), application=application, scores=form.scores())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, application, _("Your scores were saved."))
    return _application_page(request, application, score_form=form)


@staff_required(*MANAGERS)
@require_POST
def application_approve(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.application_approve(
                actor=request_user(request), application=application, amount_usd=form.cleaned_data["amount"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, application, _("The application was approved."))
    return _application_page(request, application, approve_form=form)


@staff_required(*MANAGERS)
@require_POST
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.application_reject(
                actor=request_user(request), application=application, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, application, _("The application was rejected."))
    return _application_page(request, application, reject_form=form)


@staff_required(*MANAGERS)
@require_POST
def tranche_plan(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk)
    form = TrancheForm(request.POST)
    if form.is_valid():
        try:
            services.tranche_plan(actor=request_user(request), application=application, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, application, _("The tranche was planned."))
    return _application_page(request, application, tranche_form=form)


@staff_required(*MANAGERS)
@require_POST
def tranche_pay(request: HttpRequest, pk: int, tranche_pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk)
    tranche = get_object_or_404(Disbursement, pk=tranche_pk, application=application)
    form = PayForm(request.POST)
    if form.is_valid():
        try:
            services.tranche_pay(actor=request_user(request), tranche=tranche, paid_on=form.cleaned_data["paid_on"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, application, _("The tranche was paid and posted to the journal."))
    return _application_page(request, application, pay_form=form)


@staff_required(*MANAGERS)
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk)
    report = FinalReport.objects.filter(application=application).first()
    if report is None:
        raise PermissionDenied
    form = ReportReviewForm(request.POST)
    if form.is_valid():
        try:
            services.report_review(actor=request_user(request), report=report, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, application, _("The report review was saved."))
    return _application_page(request, application, report_form=form)


NAV: tuple[NavEntry, ...] = (
    NavEntry(gettext_lazy("Support funds"), "finance:support_call_list", roles=frozenset(REVIEWERS), order=62),
)
urlpatterns = [
    path("support/", call_list, name="support_call_list"),
    path("support/new/", call_create, name="support_call_create"),
    path("support/<int:pk>/", call_detail, name="support_call_detail"),
    path("support/<int:pk>/edit/", call_edit, name="support_call_edit"),
    path("support/<int:pk>/status/", call_advance, name="support_call_advance"),
    path("support/applications/<int:pk>/", application_detail, name="support_application_detail"),
    path(
        "support/applications/<int:pk>/attachments/<int:attachment_pk>/",
        attachment_download,
        name="support_attachment_download",
    ),
    path("support/applications/<int:pk>/report/file/", report_download, name="support_report_download"),
    path("support/applications/<int:pk>/score/", application_score, name="support_application_score"),
    path("support/applications/<int:pk>/approve/", application_approve, name="support_application_approve"),
    path("support/applications/<int:pk>/reject/", application_reject, name="support_application_reject"),
    path("support/applications/<int:pk>/tranches/", tranche_plan, name="support_tranche_plan"),
    path("support/applications/<int:pk>/tranches/<int:tranche_pk>/pay/", tranche_pay, name="support_tranche_pay"),
    path("support/applications/<int:pk>/report/", report_review, name="support_report_review"),
]
ACCESS: dict[str, str] = {f"finance:{pattern.name}": ACCESS_STAFF_ROLES for pattern in urlpatterns}
HISTORY: tuple[HistoryModel, ...] = tuple(
    HistoryModel(slug, f"finance.{model}", roles=frozenset(REVIEWERS))
    for slug, model in (
        ("fundingcall", "FundingCall"),
        ("supportapplication", "SupportApplication"),
        ("tranche", "Disbursement"),
        ("finalreport", "FinalReport"),
    )
)
