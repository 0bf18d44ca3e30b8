"""Needs in a real browser: an organization's portal user on a phone raises a need, the
network's coordinator answers it in the dashboard, and the organization reads the answer. No
Content-Security-Policy violation on the way."""

import re

from playwright.sync_api import expect

from clac.roles import PortalRole, StaffRole
from networks.models import Need
from tests.factories import OrganizationFactory, PortalAccessFactory, UserFactory, staff_user
from tests.networks.factories import CountryNetworkFactory, NetworkMembershipFactory


def test_organization_raises_a_need_staff_answer_and_the_organization_reads_the_answer(pages, sign_in):
    organization = OrganizationFactory(name="Cooperativa Las Nubes")
    network = CountryNetworkFactory(name="Red Perú")
    NetworkMembershipFactory(network=network, organization=organization)
    PortalAccessFactory(
        user=UserFactory(username="nubes-portal", language="en"), organization=organization, role=PortalRole.EDITOR
    )
    network.coordinators.add(staff_user(StaffRole.COORDINATOR, username="peru-coordinator", language="en"))

    portal = pages.new(phone=True)
    sign_in(portal, "nubes-portal")
    portal.goto("/portal/networks/needs/")
    portal.get_by_role("link", name="Raise a need").click()
    portal.get_by_label("Title").fill("Rust in our plots")
    portal.get_by_label("Category").select_option("production")
    portal.get_by_label("Priority").select_option("urgent")
    portal.get_by_role("button", name="Send to CLAC").click()
    # A description is required: the form says so and keeps the title.
    expect(portal.locator(".field-invalid", has=portal.get_by_label("Description"))).to_be_visible()
    expect(portal.get_by_label("Title")).to_have_value("Rust in our plots")
    portal.get_by_label("Description").fill("Rust hit 40 % of the plots; we need technical help.")
    portal.get_by_role("button", name="Send to CLAC").click()
    expect(portal.locator(".messages")).to_contain_text("was sent to CLAC")
    assert portal.evaluate("document.documentElement.scrollWidth") <= 390
    need = Need.objects.get(title="Rust in our plots")

    staff = pages.new()
    sign_in(staff, "peru-coordinator")
    staff.goto("/dashboard/networks/needs/")
    staff.get_by_role("link", name="Rust in our plots").click()
    staff.get_by_role("textbox", name="Response").fill("An agronomist will visit you next week.")
    staff.get_by_role("button", name="Answer").click()
    expect(staff.locator(".messages")).to_contain_text("The response was saved")

    portal.goto(f"/portal/networks/needs/{need.pk}/")
    expect(portal.locator(".need-response")).to_contain_text("An agronomist will visit you next week.")
    expect(portal.get_by_text(re.compile("Answered", re.IGNORECASE)).first).to_be_visible()
    need.refresh_from_db()
    assert need.status == Need.Status.ANSWERED
    assert pages.csp_violations() == []
