"""Every finance page and endpoint of the books walked with real records: finance staff and
administrators reach them; other staff roles, portal users, partner keys (except `stats:read`
on the indicators) and anonymous visitors are refused. The manual entry form refuses an
unbalanced entry and keeps the lines as typed; the reversal page restores the balances; lists
cost a constant number of queries; the XLSX is typed; the reminder e-mails go out once."""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from clac.roles import PortalRole, StaffRole
from communications.services import api_key_create
from finance import chart
from finance.api import books as api_books
from finance.api import donors as api_donors
from finance.api import indicators as api_indicators
from finance.models import JournalEntry, ReportingDeadline
from finance.selectors.ledger import fund_balances
from finance.services.budgets import budget_create, budget_line_set
from finance.services.donors import (
    agreement_create,
    deadline_create,
    donor_create,
    tranche_plan,
    tranche_receive,
)
from finance.services.ledger import LineInput, journal_entry_post
from finance.tasks import reporting_deadlines_remind
from finance.views import books, budgets, donors, indicators
from tests.factories import ExternalPartnerFactory, OrganizationFactory, PortalAccessFactory, UserFactory

pytestmark = pytest.mark.django_db

FINANCE = (StaffRole.ADMIN, StaffRole.FINANCE)
OTHERS = [role for role in StaffRole if role not in FINANCE]


@dataclass
class World:
    entry: Any
    donor: Any
    agreement: Any
    tranche: Any
    deadline: Any
    budget: Any
    users: dict[str, Any] = field(default_factory=dict)


def _post(date, debit, credit, amount, fund=None):
    fund = fund or chart.fund(chart.OPERATING_FUND)
    return journal_entry_post(
        date=date,
        description="Pago de servicios",
        currency="USD",
        lines=[
            LineInput(account=chart.account(debit), fund=fund, amount=Decimal(amount)),
            LineInput(account=chart.account(credit), fund=fund, amount=-Decimal(amount)),
        ],
        actor=None,
    )


@pytest.fixture
def world(db) -> World:
    today = timezone.localdate()
    entry = _post(today, chart.BANK, chart.SERVICES_INCOME, "500.00")
    donor = donor_create(name="Fundación Andina", kind="foundation", actor=None)
    agreement = agreement_create(
        donor=donor,
        title="Redes de café",
        currency="USD",
        amount=Decimal("9000"),
        start_date=today.replace(month=1, day=1),
        end_date=today.replace(month=12, day=31),
        restricted=True,
        strategic_lines=["product_networks"],
        actor=None,
    )
    tranche = tranche_plan(agreement=agreement, expected_date=today, expected_amount=Decimal("3000"), actor=None)
    deadline = deadline_create(
        agreement=agreement, title="Informe intermedio", due_date=today + datetime.timedelta(days=10), actor=None
    )
    budget = budget_create(year=today.year, title="Presupuesto", actor=None)
    budget_line_set(budget=budget, account=chart.account("5300"), amount_usd=Decimal("1000"), actor=None)
    users: dict[str, Any] = {
        role: UserFactory(username=f"f-{role}", roles=[role], language="en", email=f"{role}@clac.test")
        for role in StaffRole
    }
    users["portal"] = UserFactory(username="f-portal", language="en")
    PortalAccessFactory(user=users["portal"], organization=OrganizationFactory(), role=PortalRole.ADMIN)
    return World(entry, donor, agreement, tranche, deadline, budget, users)


PAGES = {
    "finance:dashboard": lambda w: {},
    "finance:account_list": lambda w: {},
    "finance:account_create": lambda w: {},
    "finance:fund_list": lambda w: {},
    "finance:fund_create": lambda w: {},
    "finance:journal_list": lambda w: {},
    "finance:journal_create": lambda w: {},
    "finance:journal_detail": lambda w: {"pk": w.entry.pk},
    "finance:journal_reverse": lambda w: {"pk": w.entry.pk},
    "finance:donor_list": lambda w: {},
    "finance:donor_create": lambda w: {},
    "finance:donor_detail": lambda w: {"pk": w.donor.pk},
    "finance:agreement_create": lambda w: {"pk": w.donor.pk},
    "finance:agreement_list": lambda w: {},
    "finance:agreement_detail": lambda w: {"pk": w.agreement.pk},
    "finance:tranche_create": lambda w: {"pk": w.agreement.pk},
    "finance:deadline_create": lambda w: {"pk": w.agreement.pk},
    "finance:tranche_receive": lambda w: {"pk": w.tranche.pk},
    "finance:deadline_submit": lambda w: {"pk": w.deadline.pk},
    "finance:budget_list": lambda w: {},
    "finance:budget_create": lambda w: {},
    "finance:budget_detail": lambda w: {"pk": w.budget.pk},
    "finance:budget_xlsx": lambda w: {"pk": w.budget.pk},
}
API = {
    "finance-indicators": lambda w: {},
    "finance-funds": lambda w: {},
    "finance-journal-entry-list": lambda w: {},
    "finance-journal-entry-detail": lambda w: {"pk": w.entry.pk},
    "finance-donor-list": lambda w: {},
    "finance-donor-detail": lambda w: {"pk": w.donor.pk},
    "finance-agreement-list": lambda w: {},
    "finance-agreement-detail": lambda w: {"pk": w.agreement.pk},
}


def fingerprint() -> dict[str, int]:
    tables = sorted(m._meta.db_table for m in apps.get_models() if m._meta.app_label == "finance")
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _as(client, user):
    client.force_login(user)
    return client


def test_every_route_of_the_books_is_walked_here():
    declared = {
        **indicators.ACCESS, **books.ACCESS, **donors.ACCESS, **budgets.ACCESS,
        **api_indicators.ACCESS, **api_books.ACCESS, **api_donors.ACCESS,
    }  # fmt: skip
    assert set(declared) == {*PAGES, *(f"api-v1:{name}" for name in API)}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_finance_staff_reach_every_page_and_others_are_refused(client, world, name):
    url = reverse(name, kwargs=PAGES[name](world))
    for role in FINANCE:
        assert _as(client, world.users[role]).get(url).status_code == 200, role
    for role in OTHERS:
        assert _as(client, world.users[role]).get(url).status_code == 403, role
    assert _as(client, world.users["portal"]).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("name", sorted(PAGES))
def test_other_roles_cannot_post_and_nothing_changes(client, world, name):
    url = reverse(name, kwargs=PAGES[name](world))
    before = fingerprint()
    data = {"name": "x", "kind": "operating", "reason": "x", "year": "2030", "title": "x", "code": "9999"}
    for role in OTHERS:
        assert _as(client, world.users[role]).post(url, data).status_code == 403
    assert _as(client, world.users["portal"]).post(url, data).status_code == 403
    client.logout()
    assert client.post(url, data).status_code == 302
    assert fingerprint() == before


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _partner(scopes) -> APIClient:
    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="k", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.mark.parametrize("name", sorted(API))
def test_api_is_for_finance_staff_and_other_roles_are_refused(world, name):
    url = reverse(f"api-v1:{name}", kwargs=API[name](world))
    for role in FINANCE:
        assert _api(world.users[role]).get(url).status_code == 200, role
    for role in OTHERS:
        assert _api(world.users[role]).get(url).status_code == 403, role
    assert _api(world.users["portal"]).get(url).status_code == 403
    assert _api().get(url).status_code in (401, 403)
    assert _partner(["directory:read", "people:read"]).get(url).status_code == 403
    assert _api(world.users[StaffRole.ADMIN]).post(url, {}).status_code in (403, 405)


def test_partners_with_stats_read_get_the_indicators_but_never_the_ledger(world):
    partner = _partner(["stats:read"])
    response = partner.get(reverse("api-v1:finance-indicators"), {"year": timezone.localdate().year})
    assert response.status_code == 200
    assert response.json()["total_income"] == "500.00"
    assert response.json()["autonomy_ratio"] == "1.0000"
    assert partner.get(reverse("api-v1:finance-journal-entry-list")).status_code == 403
    assert partner.get(reverse("api-v1:finance-funds")).status_code == 403


@pytest.mark.parametrize(
    "query", [{"year": "1999"}, {"year": "x"}, {"year": ""}, {"currency": "eur"}, {"currency": "ZZZ"}]
)
def test_bad_indicator_parameters_are_a_400(world, query):
    response = _api(world.users[StaffRole.FINANCE]).get(reverse("api-v1:finance-indicators"), query)
    assert response.status_code == 400


# --- The journal --------------------------------------------------------------------------


def _entry_data(lines, **header):
    data = {
        "date": "2026-03-01", "description": "Ajuste", "currency": "USD",
        "lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "40",
    }  # fmt: skip
    data.update(header)
    for index, (account, fund, debit, credit, memo) in enumerate(lines):
        data.update({
            f"lines-{index}-account": account, f"lines-{index}-fund": fund,
            f"lines-{index}-debit": debit, f"lines-{index}-credit": credit, f"lines-{index}-memo": memo,
        })  # fmt: skip
    return data


def test_an_unbalanced_entry_is_refused_at_the_top_with_the_lines_kept_as_typed(client, world):
    bank, income = chart.account(chart.BANK).pk, chart.account(chart.OTHER_INCOME).pk
    fund = chart.fund(chart.OPERATING_FUND).pk
    before = fingerprint()
    data = _entry_data([(bank, fund, "100.00", "", "caja"), (income, fund, "", "90.00", "otro"), ("", "", "", "", "")])
    response = _as(client, world.users[StaffRole.FINANCE]).post(reverse("finance:journal_create"), data)
    assert response.status_code == 400
    assert "does not balance" in " ".join(response.context["form"].non_field_errors())
    assert response.context["formset"].forms[1]["credit"].value() == "90.00"
    assert 'value="caja"' in response.content.decode()
    assert fingerprint() == before


def test_a_balanced_entry_is_posted_from_the_form(client, world):
    bank, income = chart.account(chart.BANK).pk, chart.account(chart.OTHER_INCOME).pk
    fund = chart.fund(chart.OPERATING_FUND).pk
    data = _entry_data(
        [(bank, fund, "1.234,50", "", ""), (income, fund, "", "1234.50", "donación local"), ("", "", "", "", "")]
    )
    response = _as(client, world.users[StaffRole.FINANCE]).post(reverse("finance:journal_create"), data)
    entry = JournalEntry.objects.latest("id")
    assert response.status_code == 302 and response.url == reverse("finance:journal_detail", kwargs={"pk": entry.pk})
    assert sorted(entry.lines.values_list("amount", flat=True)) == [Decimal("-1234.50"), Decimal("1234.50")]
    assert entry.created_by == world.users[StaffRole.FINANCE]


def test_a_line_with_both_debit_and_credit_is_refused(client, world):
    bank, income = chart.account(chart.BANK).pk, chart.account(chart.OTHER_INCOME).pk
    fund = chart.fund(chart.OPERATING_FUND).pk
    before = fingerprint()
    data = _entry_data([(bank, fund, "10", "10", ""), (income, fund, "", "10", "")])
    response = _as(client, world.users[StaffRole.FINANCE]).post(reverse("finance:journal_create"), data)
    assert response.status_code == 400
    assert fingerprint() == before


def test_the_reversal_page_confirms_then_restores_the_balances(client, world):
    operating = chart.fund(chart.OPERATING_FUND)
    entry = _post(timezone.localdate(), "5300", chart.BANK, "700.00")
    balance = fund_balances()[operating.pk]
    url = reverse("finance:journal_reverse", kwargs={"pk": entry.pk})
    page = _as(client, world.users[StaffRole.FINANCE]).get(url)
    assert page.status_code == 200 and "700.00" in page.content.decode()
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "Duplicado"})
    reversal = JournalEntry.objects.get(reverses=entry)
    assert response.url == reverse("finance:journal_detail", kwargs={"pk": reversal.pk})
    assert fund_balances()[operating.pk] == balance + Decimal("700.00")
    funds = client.get(reverse("finance:fund_list")).content.decode()
    assert f'data-fund="operating">{fund_balances()[operating.pk]:,.2f}' in funds
    assert client.post(url, {"reason": "otra vez"}).status_code == 400


def test_the_journal_list_costs_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    for day in range(1, 60):
        _post(datetime.date(2025, 1, 1) + datetime.timedelta(days=day), "5500", chart.BANK, "10.00")
    _as(client, world.users[StaffRole.FINANCE])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("finance:journal_list"))
    assert response.status_code == 200 and len(response.context["page_obj"].object_list) == 50
    with django_assert_max_num_queries(12):
        assert (
            client.get(reverse("finance:journal_list"), {"page": 2, "fund": chart.fund("operating").pk}).status_code
            == 200
        )


def test_the_donors_and_agreements_lists_cost_a_constant_number_of_queries(
    client, world, django_assert_max_num_queries
):
    for number in range(30):
        donor = donor_create(name=f"Donante {number}", kind="foundation", actor=None)
        agreement = agreement_create(
            donor=donor,
            title="P",
            currency="USD",
            amount=Decimal("100"),
            start_date=datetime.date(2025, 1, 1),
            end_date=datetime.date(2025, 12, 31),
            restricted=bool(number % 2),
            strategic_lines=["communication"],
            actor=None,
        )
        tranche = tranche_plan(
            agreement=agreement, expected_date=datetime.date(2025, 2, 1), expected_amount=Decimal("50"), actor=None
        )
        tranche_receive(
            tranche=tranche, received_date=datetime.date(2025, 2, 1), amount=Decimal("50"), currency="USD", actor=None
        )
    _as(client, world.users[StaffRole.FINANCE])
    for name in ("finance:donor_list", "finance:agreement_list", "finance:fund_list", "finance:account_list"):
        with django_assert_max_num_queries(10):
            assert client.get(reverse(name)).status_code == 200


def test_the_journal_counted_from_the_lines_agrees_with_the_list(world):
    from finance.selectors.books import journal_count, journal_list

    operating, bank = chart.fund(chart.OPERATING_FUND), chart.account(chart.BANK)
    for day in range(1, 8):  # two lines each in the same fund and one bank line: counted once
        _post(datetime.date(2025, 3, day), "5500", chart.BANK, "10.00")
    assert journal_count(fund=operating) == journal_list(fund=operating).count() > 0
    assert journal_count(account=bank) == journal_list(account=bank).count() > 0
    # Other filters, or both together, are counted by the list itself.
    assert journal_count(fund=operating, account=bank) is None
    assert journal_count(fund=operating, date_from=datetime.date(2025, 3, 2)) is None
    assert journal_count() is None


def test_the_journal_filters_explain_bad_input(client, world):
    response = _as(client, world.users[StaffRole.FINANCE]).get(
        reverse("finance:journal_list"), {"date_from": "ayer", "fund": "99999"}
    )
    assert response.status_code == 400 and "fund" in response.context["filter_form"].errors


# --- Donors, budgets, deadlines ------------------------------------------------------------


def test_receiving_a_tranche_from_the_page_posts_it(client, world):
    url = reverse("finance:tranche_receive", kwargs={"pk": world.tranche.pk})
    response = _as(client, world.users[StaffRole.FINANCE]).post(
        url, {"received_date": timezone.localdate().isoformat(), "amount": "3000", "currency": "usd"}
    )
    assert response.status_code == 302
    world.tranche.refresh_from_db()
    assert world.tranche.entry is not None and world.tranche.received_currency == "USD"
    assert fund_balances()[world.agreement.fund_id] == Decimal("3000.00")


def test_a_restricted_agreement_from_the_page_creates_its_fund(client, world):
    url = reverse("finance:agreement_create", kwargs={"pk": world.donor.pk})
    before = fingerprint()
    bad = {"title": "X", "currency": "USD", "amount": "100", "start_date": "2026-01-01", "end_date": "2025-01-01",
           "restricted": "on"}  # fmt: skip
    assert _as(client, world.users[StaffRole.FINANCE]).post(url, bad).status_code == 200
    assert fingerprint() == before
    good = {**bad, "end_date": "2026-12-31", "strategic_lines": ["workers_network"]}
    response = client.post(url, good)
    assert response.status_code == 302
    agreement = world.donor.agreements.latest("id")
    assert agreement.fund.kind == "restricted" and agreement.strategic_lines == ["workers_network"]


def test_budget_vs_actual_on_screen_and_as_typed_xlsx(client, world):
    _post(timezone.localdate(), "5300", chart.BANK, "250.00")
    _as(client, world.users[StaffRole.FINANCE])
    page = client.get(reverse("finance:budget_detail", kwargs={"pk": world.budget.pk}))
    assert page.status_code == 200 and "25.0 %" in page.content.decode()
    response = client.get(reverse("finance:budget_xlsx", kwargs={"pk": world.budget.pk}))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1:] == ("5300", "Product networks", 1000.0, 250.0, 750.0, 0.25)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:G2"
    bad = client.get(reverse("finance:budget_xlsx", kwargs={"pk": world.budget.pk}), {"currency": "ZZZ"})
    assert bad.status_code == 400


def test_a_budget_line_for_an_income_account_is_refused(client, world):
    before = fingerprint()
    url = reverse("finance:budget_detail", kwargs={"pk": world.budget.pk})
    response = _as(client, world.users[StaffRole.FINANCE]).post(
        url, {"account": chart.account("4100").pk, "amount_usd": "5"}
    )
    assert response.status_code == 400
    assert fingerprint() == before


def test_deadlines_due_are_emailed_to_finance_staff_once(world):
    assert reporting_deadlines_remind() == 1
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["admin@clac.test", "finance@clac.test"]
    assert reporting_deadlines_remind() == 0
    world.deadline.refresh_from_db()
    assert world.deadline.reminded_on == timezone.localdate()


def test_a_submitted_deadline_is_not_flagged(client, world):
    url = reverse("finance:deadline_submit", kwargs={"pk": world.deadline.pk})
    _as(client, world.users[StaffRole.FINANCE]).post(url, {"submitted_on": timezone.localdate().isoformat()})
    assert ReportingDeadline.objects.get(pk=world.deadline.pk).submitted_on == timezone.localdate()
    assert reporting_deadlines_remind() == 0
    assert "Informe intermedio" not in client.get(reverse("finance:dashboard")).content.decode()


# --- Dashboard home panel, report currency, chart of accounts --------------------------------


def test_the_home_panel_shows_finance_staff_the_ratio_and_deadlines_only(client, world):
    home = _as(client, world.users[StaffRole.FINANCE]).get("/dashboard/").content.decode()
    assert 'id="finance-panel"' in home and "Informe intermedio" in home
    other = _as(client, world.users[StaffRole.VIEWER]).get("/dashboard/").content.decode()
    assert 'id="finance-panel"' not in other


def test_the_dashboard_converts_to_a_chosen_currency_and_explains_a_missing_rate(client, world):
    from members.models import ExchangeRate

    ExchangeRate.objects.create(currency="EUR", date=timezone.localdate(), usd_per_unit=Decimal("1.25"))
    _as(client, world.users[StaffRole.FINANCE])
    response = client.get(reverse("finance:dashboard"), {"currency": "eur"})
    assert response.status_code == 200
    assert response.context["current"].total_income == Decimal("400.00")  # 500 USD / 1.25
    missing = client.get(reverse("finance:dashboard"), {"currency": "XOF"})
    assert missing.status_code == 400 and "XOF" in str(missing.context["currency_form"].errors)
    assert missing.context["current"].currency == "USD"


def test_an_income_account_without_a_category_is_refused_and_a_proper_one_added(client, world):
    url = reverse("finance:account_create")
    before = fingerprint()
    response = _as(client, world.users[StaffRole.FINANCE]).post(
        url, {"code": "4950", "name": "Intereses", "type": "income"}
    )
    assert response.status_code == 200 and "income_category" in response.context["form"].errors
    assert fingerprint() == before
    data = {"code": "4950", "name": "Intereses", "type": "income", "income_category": "other"}
    assert client.post(url, data).status_code == 302
    assert chart.account("4950").income_category == "other"


def test_the_agreements_api_lists_tranches_and_deadlines_in_a_constant_number_of_queries(
    world, django_assert_max_num_queries
):
    for number in range(5):
        agreement_create(
            donor=world.donor, title=f"P{number}", currency="USD", amount=Decimal("100"),
            start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2025, 12, 31), restricted=False,
            strategic_lines=[], actor=None,
        )  # fmt: skip
    client = _api(world.users[StaffRole.FINANCE])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("api-v1:finance-agreement-list"))
    first = response.json()["results"][0]
    assert first["tranches"][0]["expected_amount"] == "3000.00"
    assert first["deadlines"][0]["title"] == "Informe intermedio"
