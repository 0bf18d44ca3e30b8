"""Real-browser tests of the key flows: Debian's Chromium driven by Playwright against
pytest-django's live server. Marked `integration` (run in CI, where .ci/run installs chromium);
a missing browser skips them elsewhere. A failing test leaves a screenshot in var/e2e/.

Each test gets a fresh browser context (no shared cookies). `pages.console_errors` collects
what the browser logged as an error, Content-Security-Policy violations included."""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "e2e"
PASSWORD = "pass-word-123"  # tests.factories.UserFactory's
PHONE = {"width": 390, "height": 844}
# Generous for a busy two-core CI machine; a passing step takes well under a second.
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def browser() -> Iterator:
    """A browser for one test (starting Chromium takes well under a second). Per test, not per
    session: Playwright's synchronous API keeps an event loop on the test thread while it runs,
    and Django refuses database calls from a thread with a running loop unless
    DJANGO_ALLOW_ASYNC_UNSAFE says it is deliberate (the test code is synchronous; the loop only
    drives the browser). Both end with the test, so the database set-up and flush of the next
    test, and every other test, run as usual."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(f"No Chromium at {CHROMIUM} (required because CI is set; .ci/run installs it)")
        pytest.skip(f"No Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


class Pages:
    """Opens pages in fresh browser contexts and remembers them for the failure screenshot."""

    def __init__(self, browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list = []
        self.opened: list = []
        self.console_errors: list[str] = []

    def new(self, *, phone: bool = False):
        options = {"base_url": self.base_url, "locale": "en-US"}
        if phone:
            options.update(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        context = self.browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.opened.append(page)
        return page

    def csp_violations(self) -> list[str]:
        return [text for text in self.console_errors if "Content Security Policy" in text]


@pytest.fixture
def pages(browser, live_server, request) -> Iterator[Pages]:
    opened = Pages(browser, live_server.url)
    yield opened
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::")[-1])
        for number, page in enumerate(opened.opened):
            if not page.is_closed():
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{number}.png"), full_page=True)
    for context in opened.contexts:
        context.close()


@pytest.fixture
def sign_in() -> Callable:
    def go(page, username: str, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return go
