"""Yearly budgets: the list, a new budget, and the budget vs actual page (per expense account
and strategic line, with execution %; in USD or a chosen currency) with its XLSX, where the
lines are set. Finance staff and administrators only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.plugins import ACCESS_STAFF_ROLES, HistoryModel, NavEntry
from clac.roles import StaffRole
from finance.exports import budget_vs_actual_xlsx
from finance.forms.budgets import BudgetForm, BudgetLineForm
from finance.forms.common import ReportCurrencyForm
from finance.money import USD
from finance.selectors import budgets as selectors
from finance.services import budgets as services

FINANCE = (StaffRole.ADMIN, StaffRole.FINANCE)


@staff_required(*FINANCE)
def budget_list(request: HttpRequest) -> HttpResponse:
    return render(request, "finance/budgets/list.html", {"budgets": selectors.budget_list()})


@staff_required(*FINANCE)
def budget_create(request: HttpRequest) -> HttpResponse:
    form = BudgetForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
    if request.method == "POST" and form.is_valid():
        try:
            budget = services.budget_create(actor=request_user(request), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The budget was created: add its lines."))
            return redirect("finance:budget_detail", pk=budget.pk)
    return render(request, "finance/form.html", {"form": form, "title": _("New budget"), "back": "finance:budget_list"})


def _report(request: HttpRequest, pk: int):
    budget = selectors.budget_get_for_user(user=request.user, pk=pk)
    currency_form = ReportCurrencyForm(request.GET)
    currency = currency_form.currency_value()
    try:
        report = selectors.budget_vs_actual(budget=budget, today=timezone.localdate(), currency=currency)
    except ValidationError as exc:
        currency_form.add_error("currency", exc.messages)
        report = selectors.budget_vs_actual(budget=budget, today=timezone.localdate(), currency=USD)
    return budget, currency_form, report


@staff_required(*FINANCE)
def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget, currency_form, report = _report(request, pk)
    line_form = BudgetLineForm(request.POST or None)
    if request.method == "POST" and line_form.is_valid():
        try:
            services.budget_line_set(actor=request_user(request), budget=budget, **line_form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(line_form, exc)
        else:
            messages.success(request, _("The budget line was saved."))
            return redirect("finance:budget_detail", pk=budget.pk)
    return render(
        request,
        "finance/budgets/detail.html",
        {"budget": budget, "report": report, "currency_form": currency_form, "line_form": line_form},
        status=400 if request.method == "POST" or currency_form.errors else 200,
    )


@staff_required(*FINANCE)
def budget_xlsx(request: HttpRequest, pk: int) -> FileResponse | HttpResponse:
    _budget, currency_form, report = _report(request, pk)
    if currency_form.errors:
        return HttpResponse(" ".join(currency_form.errors["currency"]), status=400, content_type="text/plain")
    return budget_vs_actual_xlsx(report)


NAV: tuple[NavEntry, ...] = (
    NavEntry(gettext_lazy("Budgets"), "finance:budget_list", roles=frozenset(FINANCE), icon="finance", order=64),
)
HISTORY: tuple[HistoryModel, ...] = tuple(
    HistoryModel(model.lower(), f"finance.{model}", roles=frozenset(FINANCE)) for model in ("Budget", "BudgetLine")
)
urlpatterns = [
    path("budgets/", budget_list, name="budget_list"),
    path("budgets/new/", budget_create, name="budget_create"),
    path("budgets/<int:pk>/", budget_detail, name="budget_detail"),
    path("budgets/<int:pk>/budget-vs-actual.xlsx", budget_xlsx, name="budget_xlsx"),
]
ACCESS: dict[str, str] = {f"finance:{p.name}": ACCESS_STAFF_ROLES for p in urlpatterns}
