"""Staff in a real browser: sign in with a password, find an organization, suspend and
reactivate its membership, approve a yearly report; an administrator issues and revokes a
partner key. The pages raise no Content-Security-Policy violation on the way."""

import re

from playwright.sync_api import expect

from clac.roles import StaffRole
from communications.models import ApiKey
from members.models import Membership, YearlyReport
from tests.factories import (
    CertificationFactory,
    ExternalPartnerFactory,
    MembershipFactory,
    OrganizationFactory,
    YearlyReportFactory,
    staff_user,
)


def test_staff_finds_an_organization_suspends_and_reactivates_it_and_approves_its_report(pages, sign_in):
    staff_user(StaffRole.ME_OFFICER, username="ana-staff", language="en")
    organization = OrganizationFactory(name="Cooperativa Flor del Valle")
    OrganizationFactory(name="Cooperativa Otra")
    CertificationFactory(organization=organization)
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
    report = YearlyReportFactory(organization=organization, year=2025, status=YearlyReport.Status.SUBMITTED)
    page = pages.new()

    sign_in(page, "ana-staff")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    page.get_by_role("link", name="Registry").click()
    page.get_by_role("searchbox", name="Search").fill("flor del valle")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Cooperativa Otra")).to_have_count(0)
    page.get_by_role("link", name="Cooperativa Flor del Valle").click()

    page.get_by_role("link", name="Change to Suspended").click()
    page.get_by_label("Reason").fill("Board decision 12/2026: dues unpaid for two years.")
    page.get_by_role("button", name="Record the change").click()
    expect(page.locator("#org-membership")).to_be_visible()
    expect(page.locator("section[aria-labelledby=org-membership]")).to_contain_text("Suspended")

    page.get_by_role("link", name="Change to Active").click()
    page.get_by_label("Reason").fill("Dues paid on 28/11/2026.")
    page.get_by_role("button", name="Record the change").click()
    expect(page.locator("section[aria-labelledby=org-membership]")).to_contain_text("Active")

    page.get_by_role("link", name="2025").click()
    page.locator("form[action$='/approve/']").get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_be_visible()

    report.refresh_from_db()
    assert report.status == YearlyReport.Status.APPROVED
    membership = Membership.objects.get(organization=organization)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.events.count() == 2
    assert pages.csp_violations() == []


def test_admin_issues_a_partner_key_and_revokes_it(pages, sign_in):
    staff_user(StaffRole.ADMIN, username="root-admin", language="en")
    partner = ExternalPartnerFactory(name="Fairtrade Ibérica")
    page = pages.new()

    sign_in(page, "root-admin")
    page.goto(f"/dashboard/partners/{partner.pk}/")
    page.get_by_role("link", name="New API key").click()
    page.get_by_label("Label").fill("Directory sync")
    page.get_by_label(re.compile("directory", re.IGNORECASE)).first.check()
    page.get_by_role("button", name="Issue key").click()

    raw_key = page.get_by_label("Key", exact=True).input_value()
    key = ApiKey.objects.get(partner=partner)
    assert raw_key.startswith(key.prefix)
    page.get_by_role("link", name="Done").click()
    page.get_by_role("link", name="Revoke").click()  # a confirmation page first
    page.get_by_role("button", name="Revoke the key").click()
    expect(page.locator(".messages")).to_contain_text("revoked")

    key.refresh_from_db()
    assert key.revoked_at is not None
    assert pages.csp_violations() == []
