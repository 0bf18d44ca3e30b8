"""Real browser (Playwright driving Debian's chromium): under MFA_REQUIRED_FOR_STAFF a staff
member signs in, is refused the dashboard until they enrol an authenticator app, enrols
(reads the secret from the page, types a code), signs out, signs in again, is refused the
dashboard until they type a code, and then opens it. A screenshot of the page is kept in
var/e2e/ when the test fails."""

import base64
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django_otp.oath import TOTP

from clac.roles import StaffRole
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "e2e"
PASSWORD = "e2e-pass-word-481"


@pytest.fixture
def browser_page(request, live_server, monkeypatch) -> Iterator:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (required because CI is set; .ci/run installs it)")
        pytest.skip(f"{CHROMIUM} is missing (CI installs Debian's chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # plain synchronous ones.
    # Undone when the test ends: a later subprocess (manage.py check --deploy) must not inherit it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    failed_before = request.session.testsfailed
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(locale="en-US", extra_http_headers={"Accept-Language": "en"})
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            if request.session.testsfailed > failed_before:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
            context.close()
            browser.close()


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    # The live server and the test share this settings object.
    settings.ALLOWED_HOSTS = ["*"]


@pytest.fixture
def staff_member(db):
    group, _ = Group.objects.get_or_create(name=StaffRole.COORDINATOR)
    user = UserFactory(username="e2e-coordinator", password=PASSWORD, language="en", first_name="Ana", last_name="E2E")
    user.groups.add(group)
    return user


def code_for(secret: str, *, ahead: int = 0) -> str:
    """The app's code for the secret shown on the page; `ahead` steps later (the server
    accepts the next step too, and never the same step twice)."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * ahead
    return f"{totp.token():06d}"


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "e2e-coordinator")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state()


def test_staff_enrols_and_signs_in_with_a_code_and_is_refused_the_dashboard_before(
    browser_page, live_server, mfa_required, staff_member
):
    page, base = browser_page, live_server.url

    sign_in(page, base)
    assert "/accounts/two-step/enrol/" in page.url
    # The dashboard is out of reach before enrolling.
    page.goto(f"{base}/dashboard/")
    assert "/accounts/two-step/enrol/" in page.url
    assert page.locator("svg.mfa-qr").count() == 1
    secret = page.locator(".mfa-secret").inner_text()

    page.fill("input[name=code]", code_for(secret))
    page.click("form[action$='/accounts/two-step/enrol/'] button[type=submit]")
    codes = page.locator(".mfa-codes li")
    assert codes.count() == 10
    page.click("text=I have saved them: continue")
    page.goto(f"{base}/dashboard/")
    assert re.search(r"/dashboard/$", page.url)

    page.click("summary")
    page.click("button:has-text('Log out')")
    sign_in(page, base)
    page.goto(f"{base}/dashboard/")
    assert "/accounts/two-step/verify/" in page.url  # refused before the second step
    page.fill("input[name=code]", code_for(secret, ahead=1))
    page.click("form[action$='/accounts/two-step/verify/'] button[type=submit]")
    page.wait_for_load_state()

    assert re.search(r"/dashboard/$", page.url), page.url
    assert page.locator("summary").inner_text().strip().endswith("Ana E2E")
