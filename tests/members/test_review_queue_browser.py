"""The review queue in a real browser (issue 12, items 6 and 16: a page 31,000 px tall with a
form per row). Playwright with Debian's chromium; skipped when either is missing, except in CI."""

import datetime
import os
import shutil

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from clac.roles import StaffRole
from members.models import Membership
from tests.factories import CertificationFactory, MembershipFactory, OrganizationFactory, staff_user

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _browser(playwright):
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI")
        pytest.skip("no chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])


def _session_cookie(user) -> dict:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"  # the first is the lockout's
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key}


def test_a_page_of_the_queue_fits_a_few_screens_and_closes_a_whole_page_at_once(live_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    admin = staff_user(StaffRole.ADMIN, username="browser-admin", language="en")
    for index in range(60):
        organization = OrganizationFactory()
        CertificationFactory(organization=organization, status="suspended")
        MembershipFactory(
            organization=organization,
            review_requested_at=timezone.now() - datetime.timedelta(days=90 - index),
            review_reason="Certificado Fairtrade suspendido por FLOCERT.",
        )

    # Database work before Playwright starts: its sync API runs an event loop in this thread.
    cookie = {**_session_cookie(admin), "url": live_server.url}
    with sync_api.sync_playwright() as playwright:
        browser = _browser(playwright)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.add_cookies([cookie])
        page = context.new_page()
        page.goto(f"{live_server.url}/dashboard/registry/reviews/")

        height = page.evaluate("document.documentElement.scrollHeight")
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert page.locator("input[name=organizations]").count() == 50
        assert page.locator("textarea").count() == 1
        # 50 rows in a table: a few screens, not 31,000 px.
        assert height < 8000, height
        assert not overflow

        page.locator("input.select-all").check()
        assert page.locator("input[name=organizations]:checked").count() == 50
        page.fill("textarea[name=note]", "Certificados restablecidos por FLOCERT")
        if os.environ.get("CLAC_SCREENSHOTS"):
            page.screenshot(path=os.path.join(os.environ["CLAC_SCREENSHOTS"], "review-queue.png"), full_page=True)
        with page.expect_navigation():
            page.click("button[type=submit].btn-primary >> text=Close the selected reviews")
        assert "50 reviews were closed." in page.content()
        browser.close()

    assert Membership.objects.filter(review_requested_at__isnull=False).count() == 10
