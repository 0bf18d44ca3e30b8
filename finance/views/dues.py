"""Dashboard pages of the dues area, for the finance and admin roles only (others get 403):
the yearly policies and their rules (changeable while the year has no invoice), the invoice
job, the invoices list with filters and its XLSX export, an invoice's page with its payments
and adjustments, recording a payment, waiving or writing off with a confirmation page, and
the ageing report, an organization's dues account (recording a payment from it with no
invoice chosen) and the list of every payment.

`urlpatterns` are mounted by finance/urls.py; `NAV` and `ACCESS` are gathered by
finance/plugin.py."""

import tempfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.jobs import job_enqueue_once
from clac.pagination import ReversiblePaginator
from clac.plugins import ACCESS_STAFF_ROLES, NavEntry
from finance.forms.dues import (
    DuesAccountPaymentForm,
    DuesAdjustForm,
    DuesInvoiceFilterForm,
    DuesPaymentFilterForm,
    DuesPaymentForm,
    DuesPolicyForm,
    DuesRuleForm,
)
from finance.models import DuesAdjustment, DuesInvoice, DuesPayment, DuesPolicy, DuesRule
from finance.selectors import dues as selectors
from finance.services import dues as services
from finance.tasks import DUES_INVOICE_JOB
from members.models import Organization

PAGE_SIZE = 50
ROLES = selectors.DUES_STAFF


# --- Policies and rules ---------------------------------------------------------------------


@staff_required(*ROLES)
def policy_list(request: HttpRequest) -> HttpResponse:
    form = DuesPolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.dues_policy_create(actor=request_user(request), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The dues policy was created."))
            return redirect("finance:dues_policy_detail", pk=policy.pk)
    policies = DuesPolicy.objects.order_by("-year")
    return render(
        request,
        "finance/dues/policy_list.html",
        {"policies": policies, "form": form},
        status=400 if form.errors else 200,
    )


def _policy_page(
    request: HttpRequest, policy: DuesPolicy, form: DuesRuleForm, editing: DuesRule | None, status: int = 200
):
    return render(
        request,
        "finance/dues/policy_detail.html",
        {
            "policy": policy,
            "rules": policy.rules.order_by("position", "id"),
            "invoiced": selectors.dues_policy_is_invoiced(policy=policy),
            "form": form,
            "editing": editing,
        },
        status=status,
    )


@staff_required(*ROLES)
def policy_detail(request: HttpRequest, pk: int, rule: int | None = None) -> HttpResponse:
    policy = selectors.dues_policy_get_for_user(user=request.user, pk=pk)
    editing = get_object_or_404(DuesRule, pk=rule, policy=policy) if rule else None
    form = DuesRuleForm(request.POST or None, instance=editing)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in services.RULE_FIELDS}
        try:
            services.dues_rule_save(policy=policy, rule=editing, actor=request_user(request), **values)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The rule was saved."))
            return redirect("finance:dues_policy_detail", pk=policy.pk)
    if editing is not None:
        editing.refresh_from_db()
    return _policy_page(request, policy, form, editing, status=400 if form.errors else 200)


@require_POST
@staff_required(*ROLES)
def rule_delete(request: HttpRequest, pk: int, rule: int) -> HttpResponse:
    policy = selectors.dues_policy_get_for_user(user=request.user, pk=pk)
    target = get_object_or_404(DuesRule, pk=rule, policy=policy)
    try:
        services.dues_rule_delete(rule=target, actor=request_user(request))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The rule was removed."))
    return redirect("finance:dues_policy_detail", pk=policy.pk)


@require_POST
@staff_required(*ROLES)
def invoices_generate(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.dues_policy_get_for_user(user=request.user, pk=pk)
    if not policy.rules.exists():
        messages.error(request, _("Add at least one rule before invoicing."))
        return redirect("finance:dues_policy_detail", pk=policy.pk)
    job, created = job_enqueue_once(
        kind=DUES_INVOICE_JOB,
        requested_by=request_user(request),
        params={"policy": policy.pk},
        # One run at a time per year; a later run only invoices members added since.
        dedupe_key=f"dues:{policy.year}",
    )
    if not created:
        messages.info(request, _("These invoices are already being issued: here is that job."))
    return redirect(reverse("dashboard:job_detail", kwargs={"pk": job.pk}))


# --- Invoices -------------------------------------------------------------------------------


def _filtered(request: HttpRequest) -> tuple[DuesInvoiceFilterForm, QuerySet[DuesInvoice], int]:
    form = DuesInvoiceFilterForm(request.GET)
    if form.is_valid():
        return form, selectors.dues_invoice_list(filters=form.filters()), 200
    return form, DuesInvoice.objects.none(), 400


@staff_required(*ROLES)
def invoice_list(request: HttpRequest) -> HttpResponse:
    form, invoices, status = _filtered(request)
    # (year, sequence) is unique: a total order, so the last pages read from the other end.
    page_obj = ReversiblePaginator(invoices, PAGE_SIZE, ids_first=True).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/dues/invoice_list.html",
        {"filter_form": form, "page_obj": page_obj, "today": timezone.localdate()},
        status=status,
    )


@staff_required(*ROLES)
def invoice_export(request: HttpRequest) -> HttpResponseBase:
    _form, invoices, status = _filtered(request)
    if status != 200:
        return invoice_list(request)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Dues invoices"))[:31])
    sheet.freeze_panes = "A2"
    headers = [_("Number"), _("Year"), _("Organization"), _("Country"), _("Issued on"), _("Due on")]
    headers += [_("Amount (USD)"), _("Paid (USD)"), _("Waived or written off (USD)"), _("Balance (USD)"), _("Status")]
    sheet.append([str(header) for header in headers])
    for invoice in invoices.iterator(chunk_size=2000):
        name = ILLEGAL_CHARACTERS_RE.sub("", invoice.organization.name)
        if name[:1] in ("=", "+", "-", "@"):
            name = "'" + name
        sheet.append(
            [
                invoice.number,
                invoice.year,
                name,
                str(invoice.organization.country),
                invoice.issued_on,
                invoice.due_on,
                invoice.amount,
                invoice.paid,
                invoice.adjusted,
                invoice.balance,
                str(invoice.get_status_display()),
            ]
        )
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"clac-dues-{timezone.localdate().isoformat()}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@staff_required(*ROLES)
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.dues_invoice_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "finance/dues/invoice_detail.html",
        {"invoice": invoice, **selectors.dues_invoice_detail_context(invoice=invoice)},
    )


@staff_required(*ROLES)
def payment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a payment from the invoice's organization (to this or any of its open invoices)."""
    invoice = selectors.dues_invoice_get_for_user(user=request.user, pk=pk)
    open_invoices = DuesInvoice.objects.filter(
        organization_id=invoice.organization_id, status__in=selectors.OPEN_STATUSES
    ).order_by("due_on", "sequence")
    form = DuesPaymentForm(
        request.POST or None, open_invoices=open_invoices, initial={"received_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        chosen = [invoice.pk for invoice in form.cleaned_data["invoices"]] or None
        if _payment_record(request, form, organization=invoice.organization, invoice_ids=chosen):
            return redirect("finance:dues_invoice_detail", pk=invoice.pk)
    return render(
        request,
        "finance/dues/payment_form.html",
        {"invoice": invoice, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required(*ROLES)
def invoice_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    """Waive or write off: the form, then a confirmation page, then the posting."""
    invoice = selectors.dues_invoice_get_for_user(user=request.user, pk=pk)
    form = DuesAdjustForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirm") == "1":
            try:
                services.dues_invoice_adjust(
                    invoice=invoice,
                    kind=data["kind"],
                    amount=data["amount"],
                    reason=data["reason"],
                    actor=request_user(request),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The adjustment was recorded."))
                return redirect("finance:dues_invoice_detail", pk=invoice.pk)
        else:
            amount = data["amount"] or invoice.balance
            return render(
                request,
                "finance/dues/adjust_confirm.html",
                {
                    "invoice": invoice,
                    "form": form,
                    "amount": amount,
                    "kind_label": DuesAdjustment.Kind(data["kind"]).label,
                },
            )
    return render(
        request,
        "finance/dues/adjust_form.html",
        {"invoice": invoice, "form": form},
        status=400 if form.errors else 200,
    )


def _payment_record(
    request: HttpRequest, form: DuesAccountPaymentForm, *, organization: Organization, invoice_ids: list[int] | None
) -> bool:
    """The payment a valid form describes, through the service; its refusals go on the form.
    Returns whether it was recorded (with the message saying so)."""
    data = form.cleaned_data
    try:
        payment = services.dues_payment_record(
            organization=organization,
            received_on=data["received_on"],
            amount=data["amount"],
            currency=data["currency"],
            reference=data["reference"],
            invoice_ids=invoice_ids,
            actor=request_user(request),
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    _payment_recorded_message(request, payment)
    return True


def _payment_recorded_message(request: HttpRequest, payment: DuesPayment) -> None:
    if payment.credit:
        messages.success(
            request,
            _("The payment was recorded; %(credit)s USD is kept as credit.")
            % {"credit": number_format(payment.credit, decimal_pos=2, use_l10n=True)},
        )
    else:
        messages.success(request, _("The payment was recorded."))


# --- An organization's account and every payment ----------------------------------------------


@staff_required(*ROLES)
def account(request: HttpRequest, org_pk: int) -> HttpResponse:
    organization = selectors.dues_organization_get_for_user(user=request.user, pk=org_pk)
    return render(request, "finance/dues/account.html", selectors.dues_account_context(organization=organization))


@staff_required(*ROLES)
def account_payment(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Record a payment from the organization without choosing invoices: the oldest open
    invoices first, the rest (or all of it, when nothing is open) kept as credit."""
    organization = selectors.dues_organization_get_for_user(user=request.user, pk=org_pk)
    form = DuesAccountPaymentForm(request.POST or None, initial={"received_on": timezone.localdate()})
    submitted = request.method == "POST" and form.is_valid()
    if submitted and _payment_record(request, form, organization=organization, invoice_ids=None):
        return redirect("finance:dues_account", org_pk=organization.pk)
    return render(
        request,
        "finance/dues/account_payment_form.html",
        {"organization": organization, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required(*ROLES)
def payment_list(request: HttpRequest) -> HttpResponse:
    form = DuesPaymentFilterForm(request.GET)
    if form.is_valid():
        payments, status = selectors.dues_payment_list(filters=form.filters()), 200
    else:
        payments, status = DuesPayment.objects.none(), 400
    page_obj = ReversiblePaginator(payments, PAGE_SIZE, ids_first=True).get_page(request.GET.get("page"))
    return render(request, "finance/dues/payment_list.html", {"filter_form": form, "page_obj": page_obj}, status=status)


@staff_required(*ROLES)
def ageing(request: HttpRequest) -> HttpResponse:
    return render(request, "finance/dues/ageing.html", selectors.dues_ageing())


NAV: tuple[NavEntry, ...] = (
    NavEntry(gettext_lazy("Dues"), "finance:dues_invoice_list", roles=frozenset(ROLES), order=61),
    NavEntry(gettext_lazy("Dues payments"), "finance:dues_payment_list", roles=frozenset(ROLES), order=61),
)
urlpatterns = [
    path("dues/", invoice_list, name="dues_invoice_list"),
    path("dues/export.xlsx", invoice_export, name="dues_invoice_export"),
    path("dues/ageing/", ageing, name="dues_ageing"),
    path("dues/payments/", payment_list, name="dues_payment_list"),
    path("dues/organizations/<int:org_pk>/", account, name="dues_account"),
    path("dues/organizations/<int:org_pk>/payment/", account_payment, name="dues_account_payment"),
    path("dues/invoices/<int:pk>/", invoice_detail, name="dues_invoice_detail"),
    path("dues/invoices/<int:pk>/payment/", payment_create, name="dues_payment_create"),
    path("dues/invoices/<int:pk>/adjust/", invoice_adjust, name="dues_invoice_adjust"),
    path("dues/policies/", policy_list, name="dues_policy_list"),
    path("dues/policies/<int:pk>/", policy_detail, name="dues_policy_detail"),
    path("dues/policies/<int:pk>/rules/<int:rule>/", policy_detail, name="dues_rule_edit"),
    path("dues/policies/<int:pk>/rules/<int:rule>/delete/", rule_delete, name="dues_rule_delete"),
    path("dues/policies/<int:pk>/invoice/", invoices_generate, name="dues_invoices_generate"),
]
ACCESS: dict[str, str] = {f"finance:{pattern.name}": ACCESS_STAFF_ROLES for pattern in urlpatterns}
