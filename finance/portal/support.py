"""Portal pages of the support funds: the open calls the organization is eligible for (any other
call is a 404), its applications (only its own: another organization's is a 404), the draft form
with budget lines and attachments, submission before the close date, withdrawal before the
decision, the decision, and the final report. Every portal user reads; editors and admins write.

`urlpatterns` are mounted by finance/portal/urls.py; `NAV` and `ACCESS` by finance/plugin.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from clac.access import portal_required, request_user
from clac.forms import add_service_errors
from clac.plugins import ACCESS_PORTAL, ACCESS_PORTAL_EDIT, NavEntry
from finance.forms.support import ApplicationForm, AttachmentForm, ReportForm
from finance.models import FinalReport, SupportApplication
from finance.selectors import support as selectors
from finance.services import support as services
from members.portal.request import MemberPortalRequest

Status = SupportApplication.Status


@portal_required()
@require_GET
def call_list(request: MemberPortalRequest) -> HttpResponse:
    return render(
        request,
        "finance/support/portal/call_list.html",
        {
            "calls": list(selectors.portal_open_calls(organization=request.organization)),
            "applications": list(selectors.portal_applications(organization=request.organization)),
        },
    )


@portal_required()
@require_GET
def call_detail(request: MemberPortalRequest, pk: int) -> HttpResponse:
    call = selectors.portal_call_get(organization=request.organization, pk=pk)
    application = SupportApplication.objects.filter(call=call, organization=request.organization).first()
    return render(
        request,
        "finance/support/portal/call_detail.html",
        {"call": call, "criteria": list(call.criteria.all()), "application": application},
    )


def _form_page(request: MemberPortalRequest, form: ApplicationForm, call, application) -> HttpResponse:
    return render(
        request,
        "finance/support/portal/application_form.html",
        {"form": form, "call": call, "application": application},
        status=400 if form.errors else 200,
    )


def _lines_text(application: SupportApplication) -> str:
    return "\n".join(f"{line.description} | {line.amount}" for line in application.budget_lines.all())


@portal_required(edit=True)
def application_create(request: MemberPortalRequest, pk: int) -> HttpResponse:
    call = selectors.portal_call_get(organization=request.organization, pk=pk)
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_save(
                actor=request_user(request), call=call, organization=request.organization, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your draft was saved. Add attachments, then submit it."))
            return redirect("finance_portal:support_application_detail", pk=application.pk)
    return _form_page(request, form, call, None)


@portal_required(edit=True)
def application_edit(request: MemberPortalRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk, organization=request.organization)
    if application.status != Status.DRAFT:
        raise Http404
    initial = {
        "currency": application.currency,
        "requested_amount": application.requested_amount,
        "plan": application.plan,
        "budget_lines": _lines_text(application),
    }
    form = ApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_save(
                actor=request_user(request),
                call=application.call,
                organization=request.organization,
                application=application,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your draft was saved."))
            return redirect("finance_portal:support_application_detail", pk=application.pk)
    return _form_page(request, form, application.call, application)


def _detail_page(request: MemberPortalRequest, application: SupportApplication, **forms) -> HttpResponse:
    report = FinalReport.objects.filter(application=application).first()
    can_report = application.status == Status.APPROVED and (
        report is None or report.status == FinalReport.Status.CHANGES_REQUESTED
    )
    context = {
        "application": application,
        "budget_lines": list(application.budget_lines.all()),
        "attachments": list(application.attachments.all()),
        "tranches": list(application.tranches.all()),
        "report": report,
        "can_edit": request.portal_access.can_edit,
        "can_report": can_report,
        "can_withdraw": application.status in (Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW),
        "attachment_form": AttachmentForm(),
        "report_form": ReportForm(initial={"text": report.text if report else ""}),
    }
    context.update(forms)
    return render(request, "finance/support/portal/application_detail.html", context, status=400 if forms else 200)


@portal_required()
@require_GET
def application_detail(request: MemberPortalRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk, organization=request.organization)
    return _detail_page(request, application)


@portal_required()
@require_GET
def attachment_download(request: MemberPortalRequest, pk: int, attachment_pk: int) -> FileResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk, organization=request.organization)
    attachment = get_object_or_404(application.attachments, pk=attachment_pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@portal_required(edit=True)
@require_POST
def application_attach(request: MemberPortalRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk, organization=request.organization)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.application_attach(
                actor=request_user(request), application=application, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The file was attached."))
            return redirect("finance_portal:support_application_detail", pk=application.pk)
    return _detail_page(request, application, attachment_form=form)


def _transition(request: MemberPortalRequest, pk: int, service, message: str) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk, organization=request.organization)
    try:
        service(actor=request_user(request), application=application)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, message)
    return redirect("finance_portal:support_application_detail", pk=application.pk)


@portal_required(edit=True)
@require_POST
def application_submit(request: MemberPortalRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, services.application_submit, _("Your application was submitted."))


@portal_required(edit=True)
@require_POST
def application_withdraw(request: MemberPortalRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, services.application_withdraw, _("Your application was withdrawn."))


@portal_required(edit=True)
@require_POST
def report_submit(request: MemberPortalRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk, organization=request.organization)
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_submit(actor=request_user(request), application=application, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your final report was sent."))
            return redirect("finance_portal:support_application_detail", pk=application.pk)
    return _detail_page(request, application, report_form=form)


NAV: tuple[NavEntry, ...] = (NavEntry(gettext_lazy("Support funds"), "finance_portal:support_call_list", order=40),)
urlpatterns = [
    path("support/", call_list, name="support_call_list"),
    path("support/calls/<int:pk>/", call_detail, name="support_call_detail"),
    path("support/calls/<int:pk>/apply/", application_create, name="support_application_create"),
    path("support/applications/<int:pk>/", application_detail, name="support_application_detail"),
    path("support/applications/<int:pk>/edit/", application_edit, name="support_application_edit"),
    path("support/applications/<int:pk>/attach/", application_attach, name="support_application_attach"),
    path(
        "support/applications/<int:pk>/attachments/<int:attachment_pk>/",
        attachment_download,
        name="support_attachment_download",
    ),
    path("support/applications/<int:pk>/submit/", application_submit, name="support_application_submit"),
    path("support/applications/<int:pk>/withdraw/", application_withdraw, name="support_application_withdraw"),
    path("support/applications/<int:pk>/report/", report_submit, name="support_report_submit"),
]
_READ = {"support_call_list", "support_call_detail", "support_application_detail", "support_attachment_download"}
ACCESS: dict[str, str] = {
    f"finance_portal:{pattern.name}": ACCESS_PORTAL if pattern.name in _READ else ACCESS_PORTAL_EDIT
    for pattern in urlpatterns
}
