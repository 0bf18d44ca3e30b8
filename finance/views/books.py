"""The books: chart of accounts (list with balances, add), funds (balances derived from the
journal, add), the journal (list with filters, entry detail, manual entry with lines,
reversal with a confirmation page and a reason). Finance staff and administrators only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.pagination import ReversiblePaginator
from clac.plugins import ACCESS_STAFF_ROLES, NavEntry
from clac.roles import StaffRole
from finance.forms.books import (
    AccountForm,
    FundForm,
    JournalEntryForm,
    JournalFilterForm,
    JournalLineFormSet,
    ReverseForm,
)
from finance.models import JournalEntry
from finance.selectors import books as selectors
from finance.services import books as services
from finance.services.ledger import journal_entry_post, journal_entry_reverse

FINANCE = (StaffRole.ADMIN, StaffRole.FINANCE)
PAGE_SIZE = 50


@staff_required(*FINANCE)
def account_list(request: HttpRequest) -> HttpResponse:
    return render(request, "finance/books/accounts.html", {"accounts": selectors.account_list()})


@staff_required(*FINANCE)
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_create(actor=request_user(request), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The account was added."))
            return redirect("finance:account_list")
    return render(
        request, "finance/form.html", {"form": form, "title": _("Add an account"), "back": "finance:account_list"}
    )


@staff_required(*FINANCE)
def fund_list(request: HttpRequest) -> HttpResponse:
    return render(request, "finance/books/funds.html", {"funds": selectors.fund_list()})


@staff_required(*FINANCE)
def fund_create(request: HttpRequest) -> HttpResponse:
    form = FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.fund_create(actor=request_user(request), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The fund was added."))
            return redirect("finance:fund_list")
    return render(request, "finance/form.html", {"form": form, "title": _("Add a fund"), "back": "finance:fund_list"})


@staff_required(*FINANCE)
def journal_list(request: HttpRequest) -> HttpResponse:
    form = JournalFilterForm(request.GET)
    status = 200
    count = None
    if form.is_valid():
        entries = selectors.journal_list(**form.filters())
        count = selectors.journal_count(**form.filters())
    else:
        entries = JournalEntry.objects.none()
        status = 400
    # The last pages read from the other end (as cheap as the first); a fund's or an account's
    # entries are counted from an index.
    paginator = ReversiblePaginator(entries, PAGE_SIZE, ids_first=True, count=count)
    page_obj = paginator.get_page(request.GET.get("page"))
    page_obj.object_list = selectors.journal_page_totals(list(page_obj.object_list))
    return render(request, "finance/books/journal.html", {"filter_form": form, "page_obj": page_obj}, status=status)


@staff_required(*FINANCE)
def journal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_for_user(user=request.user, pk=pk)
    reversed_by = JournalEntry.objects.filter(reverses=entry).first()
    return render(
        request,
        "finance/books/entry.html",
        {"entry": entry, "lines": selectors.entry_lines(entry=entry), "reversed_by": reversed_by},
    )


@staff_required(*FINANCE)
def journal_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = JournalEntryForm(data, initial={"date": timezone.localdate(), "currency": "USD"})
    formset = JournalLineFormSet(data, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        lines = [line for line in (f.line() for f in formset.forms) if line is not None]
        try:
            entry = journal_entry_post(
                date=form.cleaned_data["date"],
                description=form.cleaned_data["description"],
                currency=form.cleaned_data["currency"],
                lines=lines,
                actor=request_user(request),
            )
        except ValidationError as exc:
            # The balance, the number of lines, closed accounts: at the top, lines kept as typed.
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Entry %(number)s was posted.") % {"number": entry.pk})
            return redirect("finance:journal_detail", pk=entry.pk)
    return render(
        request,
        "finance/books/entry_form.html",
        {"form": form, "formset": formset},
        status=400 if request.method == "POST" else 200,
    )


@staff_required(*FINANCE)
def journal_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page with the entry's lines; POST: the reversal, with a reason."""
    entry = selectors.entry_get_for_user(user=request.user, pk=pk)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reversal = journal_entry_reverse(
                entry=entry,
                reason=form.cleaned_data["reason"],
                date=form.cleaned_data.get("date"),
                actor=request_user(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Entry %(number)s was reversed.") % {"number": entry.pk})
            return redirect("finance:journal_detail", pk=reversal.pk)
    return render(
        request,
        "finance/books/reverse.html",
        {"entry": entry, "lines": selectors.entry_lines(entry=entry), "form": form},
        status=400 if request.method == "POST" else 200,
    )


NAV: tuple[NavEntry, ...] = (
    NavEntry(gettext_lazy("Journal"), "finance:journal_list", roles=frozenset(FINANCE), icon="finance", order=61),
    NavEntry(gettext_lazy("Funds"), "finance:fund_list", roles=frozenset(FINANCE), icon="finance", order=62),
)
urlpatterns = [
    path("accounts/", account_list, name="account_list"),
    path("accounts/new/", account_create, name="account_create"),
    path("funds/", fund_list, name="fund_list"),
    path("funds/new/", fund_create, name="fund_create"),
    path("journal/", journal_list, name="journal_list"),
    path("journal/new/", journal_create, name="journal_create"),
    path("journal/<int:pk>/", journal_detail, name="journal_detail"),
    path("journal/<int:pk>/reverse/", journal_reverse, name="journal_reverse"),
]
ACCESS: dict[str, str] = {f"finance:{p.name}": ACCESS_STAFF_ROLES for p in urlpatterns}
