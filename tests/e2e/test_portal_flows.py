"""A member organization's portal user on a phone-sized screen (390 by 844): edits the profile,
then fills in a yearly report, gets one mistake marked, corrects it and submits. And the
dashboard, the portal and the API docs raise no Content-Security-Policy violation."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from clac.roles import PortalRole, StaffRole
from members.models import Organization, Product, YearlyReport
from tests.factories import OrganizationFactory, PortalAccessFactory, UserFactory, staff_user


def test_portal_user_on_a_phone_edits_the_profile_and_submits_a_report_after_one_correction(pages, sign_in):
    organization = OrganizationFactory(name="Asociación Café del Norte")
    organization.products.add(Product.objects.get(code="coffee"))
    user = UserFactory(username="maria-portal", language="en")
    PortalAccessFactory(user=user, organization=organization, role=PortalRole.ADMIN)
    page = pages.new(phone=True)

    sign_in(page, "maria-portal")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    assert page.evaluate("window.innerWidth") == 390
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="Edit contact details").click()
    page.get_by_label("Locality").fill("Jaén")
    page.get_by_label("Phone").fill("+51 76 431 200")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_be_visible()

    page.get_by_role("link", name="Yearly reports").click()
    page.get_by_role("button", name="Start report").click()
    page.get_by_label("Members (total)").fill("120")
    page.get_by_label("of whom women").fill("150")  # more women than members: refused
    line = page.locator("fieldset", has_text="Product line 1")
    coffee = line.locator("option", has_text=re.compile("coffee", re.IGNORECASE)).first.get_attribute("value")
    line.get_by_label("Product").select_option(value=coffee)
    line.get_by_label(re.compile("Produced")).fill("5000")
    page.get_by_role("button", name="Save and submit to CLAC").click()

    women = page.locator(".field-invalid", has=page.get_by_label("of whom women"))
    expect(women).to_contain_text("cannot be more than all members")
    # The form kept what was typed.
    expect(page.get_by_label("Members (total)")).to_have_value("120")
    page.get_by_label("of whom women").fill("45")
    page.get_by_role("button", name="Save and submit to CLAC").click()
    expect(page.locator(".messages")).to_contain_text("was submitted")

    organization.refresh_from_db()
    assert (organization.locality, organization.phone) == ("Jaén", "+5176431200")
    report = YearlyReport.objects.get(organization=organization)
    assert (report.status, report.members_total, report.members_women) == (YearlyReport.Status.SUBMITTED, 120, 45)
    assert report.product_lines.get().volume_produced == 5000
    assert pages.csp_violations() == []


def test_dashboard_portal_and_api_docs_raise_no_csp_violation(pages, sign_in):
    staff_user(StaffRole.ADMIN, username="csp-admin", language="en")
    organization: Organization = OrganizationFactory()
    PortalAccessFactory(user=UserFactory(username="csp-portal", language="en"), organization=organization)

    staff = pages.new()
    sign_in(staff, "csp-admin")
    for path in (
        "/dashboard/",
        reverse("members:organization_list"),
        reverse("members:organization_detail", args=[organization.pk]),
    ):
        response = staff.goto(path)
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        staff.wait_for_load_state("networkidle")

    portal = pages.new(phone=True)
    sign_in(portal, "csp-portal")
    response = portal.goto("/portal/reports/")
    assert "default-src 'self'" in response.headers["content-security-policy"]

    docs = pages.new()
    response = docs.goto("/api/docs/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    # Swagger UI draws the operations from the schema with its own scripts: they ran
    # (the schema of the whole API is built on the first request: give it time).
    expect(docs.locator(".swagger-ui .opblock").first).to_be_visible(timeout=45_000)
    expect(docs.locator(".swagger-ui .info .title")).to_contain_text("CLAC Network API")

    assert pages.csp_violations() == []
    assert [error for error in pages.console_errors if "favicon" not in error] == []

    # The watch sees a violation when there is one: an injected inline script is refused.
    docs.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }"
    )
    docs.wait_for_timeout(200)
    assert len(pages.csp_violations()) == 1, pages.console_errors
    assert docs.evaluate("() => window.x") is None
