"""Exchange rates on the dashboard: the list (filters by currency and dates), one rate added by
hand, a CSV import (all or nothing, with every refused cell listed). Finance and M&E keep the
rates (administrators too); a yearly report in another currency than USD cannot be approved
until the rate of its year's end exists."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.roles import RATE_KEEPERS
from members import selectors, services
from members.forms.rates import ExchangeRateFilterForm, ExchangeRateForm, ExchangeRateImportForm

PAGE_SIZE = 50


@staff_required(*RATE_KEEPERS)
def exchange_rate_list(request: HttpRequest) -> HttpResponse:
    filter_form = ExchangeRateFilterForm(request.GET or None, currencies=selectors.exchange_rate_currencies())
    rates = selectors.exchange_rate_list(filters=filter_form.filters() if request.GET else {})
    page_obj = Paginator(rates, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/rates/list.html",
        {"filter_form": filter_form, "page_obj": page_obj, "import_form": ExchangeRateImportForm()},
    )


def _next_url(request: HttpRequest) -> str:
    """Where to go back after adding a rate (e.g. the report waiting for it); same site only."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


@staff_required(*RATE_KEEPERS)
@require_http_methods(["GET", "POST"])
def exchange_rate_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ExchangeRateForm(request.POST)
        if form.is_valid():
            try:
                rate = services.exchange_rate_create(actor=request_user(request), **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The %(currency)s rate of %(date)s was added.")
                    % {"currency": rate.currency, "date": rate.date.isoformat()},
                )
                return redirect(_next_url(request) or "members:exchange_rate_list")
    else:
        # Prefilled from the link on a report that waits for this rate.
        initial = {
            "currency": request.GET.get("currency", "")[:3].upper(),
            "date": request.GET.get("date", "")[:10],
        }
        form = ExchangeRateForm(initial={key: value for key, value in initial.items() if value})
    return render(request, "members/rates/form.html", {"form": form, "next": _next_url(request)})


@staff_required(*RATE_KEEPERS)
@require_http_methods(["GET", "POST"])
def exchange_rate_import(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        form = ExchangeRateImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = services.exchange_rates_import(
                    actor=request_user(request), content=form.cleaned_data["file"].read()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if result.ok:
                    messages.success(
                        request,
                        _("%(created)s rates were added; %(unchanged)s were already there.")
                        % {"created": result.created, "unchanged": result.unchanged},
                    )
                    return redirect("members:exchange_rate_list")
    else:
        form = ExchangeRateImportForm()
    return render(request, "members/rates/import.html", {"form": form, "result": result})


urlpatterns = [
    path("exchange-rates/", exchange_rate_list, name="exchange_rate_list"),
    path("exchange-rates/add/", exchange_rate_create, name="exchange_rate_create"),
    path("exchange-rates/import/", exchange_rate_import, name="exchange_rate_import"),
]
