"""Donors and grant agreements: the donors list and page, agreements with their tranches
(plan one, receive one: the entry is posted) and reporting deadlines (add, mark submitted).
Finance staff and administrators only."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.plugins import ACCESS_STAFF_ROLES, HistoryModel, NavEntry
from clac.roles import StaffRole
from finance.forms.donors import (
    AgreementForm,
    DeadlineForm,
    DeadlineSubmitForm,
    DonorForm,
    TrancheForm,
    TrancheReceiveForm,
)
from finance.models import ReportingDeadline, Tranche
from finance.selectors import donors as selectors
from finance.services import donors as services

FINANCE = (StaffRole.ADMIN, StaffRole.FINANCE)
PAGE_SIZE = 50


@staff_required(*FINANCE)
def donor_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    page_obj = Paginator(selectors.donor_list(q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "finance/donors/list.html", {"page_obj": page_obj, "q": q})


@staff_required(*FINANCE)
def agreement_list(request: HttpRequest) -> HttpResponse:
    page_obj = Paginator(selectors.agreement_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "finance/donors/agreements.html", {"page_obj": page_obj})


@staff_required(*FINANCE)
def donor_create(request: HttpRequest) -> HttpResponse:
    form = DonorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            donor = services.donor_create(actor=request_user(request), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The donor was added."))
            return redirect("finance:donor_detail", pk=donor.pk)
    return render(request, "finance/form.html", {"form": form, "title": _("Add a donor"), "back": "finance:donor_list"})


@staff_required(*FINANCE)
def donor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    donor = selectors.donor_get_for_user(user=request.user, pk=pk)
    return render(
        request, "finance/donors/detail.html", {"donor": donor, "agreements": selectors.donor_agreements(donor=donor)}
    )


@staff_required(*FINANCE)
def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    donor = selectors.donor_get_for_user(user=request.user, pk=pk)
    form = AgreementForm(request.POST or None, initial={"currency": "USD"})
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_create(actor=request_user(request), donor=donor, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The agreement was added."))
            return redirect("finance:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "finance/form.html",
        {
            "form": form,
            "title": _("New agreement with %(donor)s") % {"donor": donor.name},
            "back": "finance:donor_list",
        },
    )


@staff_required(*FINANCE)
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get_for_user(user=request.user, pk=pk)
    tranches = list(agreement.tranches.select_related("entry"))
    deadlines = list(agreement.deadlines.all())
    today = timezone.localdate()
    return render(
        request,
        "finance/donors/agreement.html",
        {
            "agreement": agreement,
            "tranches": tranches,
            "deadlines": deadlines,
            "soon": today + datetime.timedelta(days=selectors.REPORTING_REMINDER_DAYS),
            "today": today,
            "tranche_form": TrancheForm(),
            "deadline_form": DeadlineForm(),
        },
    )


@staff_required(*FINANCE)
def tranche_create(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get_for_user(user=request.user, pk=pk)
    form = TrancheForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tranche_plan(actor=request_user(request), agreement=agreement, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The tranche was planned."))
            return redirect("finance:agreement_detail", pk=agreement.pk)
    return render(
        request, "finance/form.html", {"form": form, "title": _("Plan a tranche"), "back": "finance:agreement_list"}
    )


@staff_required(*FINANCE)
def tranche_receive(request: HttpRequest, pk: int) -> HttpResponse:
    tranche = get_object_or_404(Tranche.objects.select_related("agreement__donor"), pk=pk)
    agreement = selectors.agreement_get_for_user(user=request.user, pk=tranche.agreement_id)
    form = TrancheReceiveForm(
        request.POST or None,
        initial={
            "received_date": timezone.localdate(),
            "amount": tranche.expected_amount,
            "currency": agreement.currency,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tranche_receive(
                actor=request_user(request),
                tranche=tranche,
                received_date=form.cleaned_data["received_date"],
                amount=form.cleaned_data["amount"],
                currency=form.cleaned_data["currency"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The tranche was received and posted to the journal."))
            return redirect("finance:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "finance/form.html",
        {
            "form": form,
            "title": _("Receive a tranche of %(agreement)s") % {"agreement": agreement.title},
            "back": "finance:agreement_list",
        },
    )


@staff_required(*FINANCE)
def deadline_create(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get_for_user(user=request.user, pk=pk)
    form = DeadlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deadline_create(actor=request_user(request), agreement=agreement, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The reporting deadline was added."))
            return redirect("finance:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "finance/form.html",
        {"form": form, "title": _("Add a reporting deadline"), "back": "finance:agreement_list"},
    )


@staff_required(*FINANCE)
def deadline_submit(request: HttpRequest, pk: int) -> HttpResponse:
    deadline = get_object_or_404(ReportingDeadline, pk=pk)
    agreement = selectors.agreement_get_for_user(user=request.user, pk=deadline.agreement_id)
    form = DeadlineSubmitForm(request.POST or None, initial={"submitted_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.deadline_submit(
                actor=request_user(request), deadline=deadline, submitted_on=form.cleaned_data["submitted_on"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The report is marked as submitted."))
            return redirect("finance:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "finance/form.html",
        {
            "form": form,
            "title": _("Report submitted: %(title)s") % {"title": deadline.title},
            "back": "finance:agreement_list",
        },
    )


NAV: tuple[NavEntry, ...] = (
    NavEntry(gettext_lazy("Donors"), "finance:donor_list", roles=frozenset(FINANCE), icon="finance", order=63),
)
HISTORY: tuple[HistoryModel, ...] = tuple(
    HistoryModel(model.lower(), f"finance.{model}", roles=frozenset(FINANCE))
    for model in ("Donor", "GrantAgreement", "Tranche", "ReportingDeadline")
)
urlpatterns = [
    path("donors/", donor_list, name="donor_list"),
    path("donors/new/", donor_create, name="donor_create"),
    path("donors/<int:pk>/", donor_detail, name="donor_detail"),
    path("donors/<int:pk>/agreements/new/", agreement_create, name="agreement_create"),
    path("agreements/", agreement_list, name="agreement_list"),
    path("agreements/<int:pk>/", agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/tranches/new/", tranche_create, name="tranche_create"),
    path("agreements/<int:pk>/deadlines/new/", deadline_create, name="deadline_create"),
    path("tranches/<int:pk>/receive/", tranche_receive, name="tranche_receive"),
    path("deadlines/<int:pk>/submit/", deadline_submit, name="deadline_submit"),
]
ACCESS: dict[str, str] = {f"finance:{p.name}": ACCESS_STAFF_ROLES for p in urlpatterns}
