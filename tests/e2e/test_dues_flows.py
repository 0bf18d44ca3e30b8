"""Dues in a real browser: finance records a partial payment on an invoice, and the member
organization's user on a phone sees the invoice, its balance and the printable copy, with no
sideways scrolling."""

import datetime
import re

from playwright.sync_api import expect

from clac.roles import PortalRole, StaffRole
from tests.factories import PortalAccessFactory, UserFactory
from tests.finance.dues_factories import invoice, member, policy_with_rules


def test_finance_records_a_partial_payment_and_the_member_sees_its_balance_on_a_phone(pages, sign_in):
    organization = member("Cooperativa Cuotas").organization
    issued = invoice(policy_with_rules(), organization, "500.00")
    UserFactory(username="fin-e2e", roles=[StaffRole.FINANCE], language="en")
    PortalAccessFactory(
        user=UserFactory(username="coop-e2e", language="en"), organization=organization, role=PortalRole.VIEWER
    )

    page = pages.new()
    sign_in(page, "fin-e2e")
    page.goto(f"/dashboard/finance/dues/invoices/{issued.pk}/")
    page.get_by_role("link", name="Record a payment").click()
    page.get_by_label("Received on").fill(datetime.date(2025, 2, 1).isoformat())
    page.get_by_label("Amount").first.fill("200")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator(".invoice-summary")).to_contain_text("300.00")

    phone = pages.new(phone=True)
    sign_in(phone, "coop-e2e")
    phone.get_by_role("link", name="Dues").first.click()
    expect(phone.get_by_text("300.00 USD").first).to_be_visible()
    phone.get_by_role("link", name=issued.number).click()
    phone.get_by_role("link", name="Printable invoice").click()
    expect(phone).to_have_url(re.compile(r"/print/$"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
