"""A member organization's editor on a phone applies to an open funding call: the budget lines
do not add up the first time (explained, what was typed kept), then the draft is saved and
submitted; no sideways scrolling and no Content-Security-Policy violation."""

import re

from playwright.sync_api import expect

from clac.roles import PortalRole
from finance.models import SupportApplication
from tests.factories import PortalAccessFactory, UserFactory
from tests.finance.support_factories import member, open_call


def test_an_editor_on_a_phone_applies_to_an_open_call_after_one_correction(pages, sign_in):
    call = open_call(eligible_product_networks=["coffee"])
    organization = member(name="Asociación Café del Sur")
    PortalAccessFactory(
        user=UserFactory(username="rosa-portal", language="en"), organization=organization, role=PortalRole.EDITOR
    )
    page = pages.new(phone=True)
    sign_in(page, "rosa-portal")
    page.goto("/portal/finance/support/")
    page.get_by_role("link", name=call.title).click()
    page.get_by_role("link", name="Apply").click()
    page.get_by_label("Requested amount").fill("5000")
    page.get_by_label("Plan").fill("Riego por goteo para 80 familias.")
    page.get_by_label("Budget lines").fill("Riego | 4000\nTalleres | 500")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".field-invalid", has=page.get_by_label("Budget lines"))).to_contain_text("add up to")
    expect(page.get_by_label("Plan")).to_have_value("Riego por goteo para 80 familias.")
    page.get_by_label("Budget lines").fill("Riego | 4000\nTalleres | 1000")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".messages")).to_contain_text("draft was saved")
    page.get_by_role("button", name="Submit the application").click()
    expect(page.locator(".messages")).to_contain_text("was submitted")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    application = SupportApplication.objects.get(organization=organization)
    assert application.status == SupportApplication.Status.SUBMITTED
    assert re.match(r"5000(\.00)?$", str(application.requested_amount))
    assert pages.csp_violations() == []
