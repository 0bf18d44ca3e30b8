"""Communications staff in a real browser: create an audience of managers, read its preview
(one may be sent, one skipped for lack of consent); the recipient of a message unsubscribes with
one click, without signing in; the address shows on the suppression list. No CSP violation."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from clac.roles import StaffRole
from communications.models import Audience, Campaign, Message, Suppression
from communications.unsubscribe import unsubscribe_token
from members.models import Consent
from tests.factories import AffiliationFactory, PersonFactory, staff_user


def test_staff_preview_an_audience_and_a_recipient_unsubscribes_in_one_click(pages, sign_in):
    staff_user(StaffRole.COMMUNICATIONS, username="comms", language="en")
    rosa = AffiliationFactory(
        role="manager", person=PersonFactory(first_name="Rosa", last_name="Quispe", email="rosa@coop.example.org")
    ).person
    Consent.objects.create(person=rosa, channel="email", granted=True, given_at=timezone.now(), method="paper")
    AffiliationFactory(role="manager", person=PersonFactory(first_name="Luis", last_name="Mamani"))
    AffiliationFactory(role="delegate")
    page = pages.new()

    sign_in(page, "comms")
    page.get_by_role("link", name="Audiences").first.click()
    page.get_by_role("link", name="New audience").click()
    page.get_by_label("Name").fill("Managers")
    page.get_by_label("Manager", exact=True).check()
    page.get_by_role("button", name="Create audience").click()
    expect(page).to_have_url(re.compile(r"/dashboard/audiences/\d+/$"))
    expect(page.get_by_role("link", name="Rosa Quispe")).to_be_visible()
    expect(page.get_by_role("link", name="No consent for this channel")).to_be_visible()

    audience = Audience.objects.get(name="Managers")
    campaign = Campaign.objects.create(name="Coffee prices", purpose="trade", audience=audience)
    message = Message.objects.create(
        campaign=campaign, person=rosa, channel="email", address="rosa@coop.example.org", language="en"
    )
    visitor = pages.new()
    visitor.goto(f"/unsubscribe/{unsubscribe_token(message_id=message.pk)}/")
    visitor.get_by_role("button", name="Unsubscribe").click()
    expect(visitor.get_by_role("heading", name="You are unsubscribed")).to_be_visible()

    page.goto("/dashboard/suppressions/")
    expect(page.get_by_role("cell", name="rosa@coop.example.org")).to_be_visible()
    assert Suppression.objects.get().reason == "unsubscribed"
    assert pages.csp_violations() == []
