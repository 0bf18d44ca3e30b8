"""Campaigns in a real browser: a communications officer creates an email campaign, writes it
in Spanish and English, previews it, sends a test to herself and schedules it; a member
organization's portal user on a phone-sized screen sees a portal announcement as new, opens it,
and it turns read. No Content-Security-Policy violation on the way."""

import datetime
import re

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from clac.roles import PortalRole, StaffRole
from communications.models import Campaign, CampaignContent
from tests.communications.campaign_factories import AudienceFactory, add_content, sent_campaign
from tests.factories import OrganizationFactory, PortalAccessFactory, UserFactory, staff_user


def test_staff_write_preview_test_and_schedule_a_campaign(pages, sign_in):
    staff_user(StaffRole.COMMUNICATIONS, username="camila-comms", language="en", email="camila@clac.example")
    AudienceFactory(name="Gerentes de cooperativas")
    page = pages.new()

    sign_in(page, "camila-comms")
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name").fill("Convocatoria: Asamblea General 2026")
    page.get_by_label("Strategic line").select_option("communication")
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Audience").select_option(label="Gerentes de cooperativas")
    page.get_by_role("button", name="Create and write the content").click()

    spanish = page.locator("fieldset", has_text="Spanish")
    spanish.get_by_label("Subject").fill("Asamblea General 2026")
    spanish.get_by_label("Text").fill("La asamblea será en **Lima**, del 12 al 14 de mayo.")
    english = page.locator("fieldset", has_text="English")
    english.get_by_label("Subject").fill("General Assembly 2026")
    english.get_by_label("Text").fill("The assembly will be in **Lima**, 12-14 May.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".campaign-preview strong", has_text="Lima")).to_have_count(2)
    page.get_by_role("button", name="Save the content").click()
    expect(page.locator(".messages")).to_contain_text("The content was saved")

    page.get_by_role("link", name="Send a test").click()
    page.get_by_role("combobox", name="Language").select_option("en")
    page.get_by_role("button", name="Send the test").click()
    expect(page.locator(".messages")).to_contain_text("camila@clac.example")
    assert [(m.to, m.subject) for m in mail.outbox] == [(["camila@clac.example"], "General Assembly 2026")]

    page.get_by_role("link", name="Schedule or send").click()
    when = timezone.localtime() + datetime.timedelta(days=7)
    page.get_by_label("Send on").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("The campaign was scheduled")

    campaign = Campaign.objects.get(name="Convocatoria: Asamblea General 2026")
    assert campaign.status == Campaign.Status.SCHEDULED
    assert set(CampaignContent.objects.filter(campaign=campaign).values_list("language", flat=True)) == {"es", "en"}
    assert pages.csp_violations() == []


def test_portal_user_on_a_phone_sees_an_announcement_and_it_turns_read(pages, sign_in):
    organization = OrganizationFactory(name="Cooperativa Café del Norte")
    user = UserFactory(username="rosa-portal", language="en")
    PortalAccessFactory(user=user, organization=organization, role=PortalRole.VIEWER)
    announcement = sent_campaign(channel=Campaign.Channel.PORTAL, audience=AudienceFactory())
    add_content(announcement, "es", "Inscriba a sus delegados.", "Inscripción de delegados")
    add_content(announcement, "en", "Register your delegates by **15 April**.", "Delegate registration")
    page = pages.new(phone=True)

    sign_in(page, "rosa-portal")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    panel = page.locator("section", has=page.locator("#portal-announcements"))
    expect(panel).to_contain_text("1 new")
    page.get_by_role("link", name="Announcements", exact=True).first.click()
    expect(page.locator(".announcement-unread")).to_have_count(1)
    page.get_by_role("link", name="Delegate registration").click()
    expect(page.locator(".campaign-body strong")).to_have_text("15 April")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name="All announcements").click()
    expect(page.locator(".announcement-unread")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("You have read every announcement")
    assert pages.csp_violations() == []
