"""Layout in a real browser (issue #12, item 9): the portal's header takes less than a fifth of
a phone screen, and the staff registry list fits a 1366 px laptop and a phone without the page
scrolling sideways (the table may scroll inside its own box). Debian's Chromium driven by
Playwright against pytest-django's live server; self-contained fixtures (signed in through a
session cookie, so no login page is involved)."""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from clac.roles import PortalRole, StaffRole
from members.models import Membership
from tests.factories import (
    CertificationFactory,
    MembershipFactory,
    OrganizationFactory,
    PortalAccessFactory,
    UserFactory,
    country,
    product,
    staff_user,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def layout_browser() -> Iterator:
    """A browser per test: Playwright's event loop must not run while the database is set up
    and flushed around the test (Django's connections are context-local, so under a running
    loop the flush would miss the serialized reference data and later tests lose countries)."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail(f"No Chromium at {CHROMIUM}")
        pytest.skip(f"No Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop on the test's thread; the test code itself is
    # synchronous, so Django's database calls from it are safe. Set only while these tests
    # run: `check --deploy` (run in a subprocess by another test) refuses the variable.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_as(layout_browser, live_server) -> Iterator[Callable]:
    """`open_as(user, path, viewport)`: a page of a fresh browser context, signed in as the user."""
    contexts = []

    def go(user, path: str, viewport: dict[str, int]):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context = layout_browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            device_scale_factor=2 if viewport == PHONE else 1,
            is_mobile=viewport == PHONE,
            has_touch=viewport == PHONE,
        )
        context.set_default_timeout(10_000)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        return page

    yield go
    for context in contexts:
        context.close()


def _page_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_portal_header_takes_less_than_a_fifth_of_a_phone_screen(open_as, language):
    # The worst case: two organizations (the switch shows) with long names, Spanish labels.
    user = UserFactory(username=f"phone-{language}", language=language)
    first = OrganizationFactory(name="Cooperativa Agraria Cafetalera y Servicios Múltiples Valle del Río Tambopata")
    second = OrganizationFactory(name="Asociación de Productores Ecológicos de la Selva Central")
    PortalAccessFactory(user=user, organization=first, role=PortalRole.ADMIN)
    PortalAccessFactory(user=user, organization=second, role=PortalRole.VIEWER)

    page = open_as(user, "/portal/", PHONE)

    header = page.locator("header").first.bounding_box()
    assert header is not None
    assert header["height"] < PHONE["height"] / 5, f"header is {header['height']:.0f} px tall"
    assert _page_overflow(page) == 0
    # The switch is a button that opens the other organization's button.
    switch = page.locator("header details.switch > summary")
    with translation.override(language):
        assert gettext("Switch organization") in (switch.text_content() or "")
    switch.click()
    with translation.override(language):
        work_for = gettext("Work for %(name)s") % {"name": "Asociación de Productores"}
    target = page.get_by_role("button", name=work_for)
    assert target.is_visible()
    target.click()
    page.wait_for_load_state()
    assert "Asociación de Productores" in page.locator("header .org").inner_text()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366px", "phone"])
def test_the_staff_registry_list_fits_the_screen_without_sideways_scrolling(open_as, viewport):
    # Rows like the registry's: two products, a certificate with its cycle end, Spanish labels.
    for n in range(6):
        organization = OrganizationFactory(
            name=f"Asociación de Desarrollo Integral Frontera Sur {n}",
            locality="Santiago Atitlán",
            country=country("DO"),
        )
        organization.products.set([product("coffee"), product("cocoa"), product("honey")])
        CertificationFactory(organization=organization, status="permission_to_trade")
        MembershipFactory(
            organization=organization,
            status=Membership.Status.APPLICANT,
            review_requested_at=timezone.now(),
            review_reason="Certificate suspended",
        )

    page = open_as(
        staff_user(StaffRole.ADMIN, username="registry-viewer", language="es"), "/dashboard/registry/", viewport
    )

    assert _page_overflow(page) == 0, f"the page scrolls {_page_overflow(page)} px sideways"
    wrap = page.locator(".table-wrap").first
    assert wrap.is_visible()
    hidden = wrap.evaluate("element => element.scrollWidth - element.clientWidth")
    if viewport == LAPTOP:
        # On a laptop every column shows without scrolling the table either.
        assert hidden == 0, f"the table hides {hidden} px of its columns at 1366 px"


def test_the_organization_picker_suggests_as_you_type_and_saves_the_choice(open_as):
    from members.models import Affiliation
    from tests.factories import PersonFactory

    person = PersonFactory(first_name="Rosa", last_name="Quispe")
    chosen = OrganizationFactory(name="Cooperativa Agraria Cafetalera Pangoa", flo_id="2145")
    OrganizationFactory(name="Asociación Pangoa Norte", flo_id="2146")
    OrganizationFactory(name="Cooperativa Norandino")
    page = open_as(
        staff_user(StaffRole.ADMIN, username="picker-admin", language="en"),
        f"/dashboard/registry/people/{person.pk}/affiliations/new/",
        LAPTOP,
    )

    field = page.get_by_role("combobox", name="Organization")
    field.press_sequentially("cafe pang", delay=20)
    options = page.get_by_role("listbox").get_by_role("option")
    options.first.wait_for()
    assert options.count() == 1
    field.press("ArrowDown")
    field.press("Enter")
    assert field.input_value() == "Cooperativa Agraria Cafetalera Pangoa (PE) · FLO 2145"
    page.get_by_label("Role").select_option("delegate")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    assert Affiliation.objects.get(person=person).organization == chosen
