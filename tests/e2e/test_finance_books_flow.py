"""Finance staff in a real browser: post a manual journal entry that does not balance (refused,
lines kept), correct it and post it, then reverse it after the confirmation page; the fund's
balance is back where it was. No Content-Security-Policy violation on the way."""

from decimal import Decimal

from playwright.sync_api import expect

from clac.roles import StaffRole
from finance import chart
from finance.models import JournalEntry
from finance.selectors.ledger import fund_balances
from tests.factories import staff_user


def test_finance_posts_an_entry_after_fixing_its_balance_and_reverses_it(pages, sign_in):
    staff_user(StaffRole.FINANCE, username="lucia-finance", language="en")
    operating = chart.fund(chart.OPERATING_FUND)
    page = pages.new()

    sign_in(page, "lucia-finance")
    page.goto("/dashboard/finance/journal/new/")
    page.get_by_label("Description").fill("Donación local")
    page.locator("#id_lines-0-account").select_option(label="1100 Bank and cash")
    page.locator("#id_lines-0-fund").select_option(label="Operating fund")
    page.locator("#id_lines-0-debit").fill("150.00")
    page.locator("#id_lines-1-account").select_option(label="4900 Other income")
    page.locator("#id_lines-1-fund").select_option(label="Operating fund")
    page.locator("#id_lines-1-credit").fill("140.00")
    page.get_by_role("button", name="Post the entry").click()
    expect(page.locator(".form-errors")).to_contain_text("does not balance")
    expect(page.locator("#id_lines-0-debit")).to_have_value("150.00")

    page.locator("#id_lines-1-credit").fill("150.00")
    page.get_by_role("button", name="Post the entry").click()
    expect(page.locator(".messages")).to_contain_text("was posted")
    assert fund_balances()[operating.pk] == Decimal("150.00")

    page.get_by_role("link", name="Reverse").click()
    page.get_by_label("Reason").fill("Duplicated")
    page.get_by_role("button", name="Reverse the entry").click()
    expect(page.locator(".messages")).to_contain_text("was reversed")
    assert fund_balances()[operating.pk] == Decimal("0.00")
    assert JournalEntry.objects.filter(source=JournalEntry.Source.REVERSAL).count() == 1
    assert pages.csp_violations() == []
