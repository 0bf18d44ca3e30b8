"""Every dashboard and portal page, in every language, over demo data: no English left on a
page in Spanish, Portuguese or French, and no raw Python value (`['es', 'qu']`, `{'a': 1}`,
`None`) in what a reader sees (issue 12, item 11).

The pages are found from the route catalogue (every staff and portal route) and by following
the links of the pages themselves, so routes with ids are reached with real records; each route
is rendered at most twice per language. A page added later is walked without a change here."""

import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from clac import plugins
from clac.models import User
from clac.plugins import ACCESS_PORTAL, ACCESS_PORTAL_ADMIN, ACCESS_PORTAL_EDIT, ACCESS_STAFF, ACCESS_STAFF_ROLES
from clac.roles import PortalRole, StaffRole
from members.models import Organization, PortalAccess

ORGANIZATIONS = 60  # the demo's smallest scale keeps the module around a minute
LANGUAGES = ("es", "pt-br", "fr", "en")
VISITS_PER_ROUTE = 2
MAX_PAGES = 400  # per language and user: a guard against a crawl that never ends

# Untranslated text is an English source string of at least this many words found as it is on
# a page in another language (shorter ones, "Email", "Total", also occur in names and data).
MIN_WORDS = 3
# Strings Django itself leaves untranslated in some of our languages (Django 6.1's blank
# choice label), which our catalogues translate.
ALWAYS_CHECKED = ("- Select an option -",)

RAW_VALUE = re.compile(r"\[['\"]|\{['\"]|['\"]\]|\bNone\b|<[a-zA-Z_.]+ object at 0x")

STAFF_LEVELS = {ACCESS_STAFF, ACCESS_STAFF_ROLES}
PORTAL_LEVELS = {ACCESS_PORTAL, ACCESS_PORTAL_EDIT, ACCESS_PORTAL_ADMIN}


class _VisibleText(HTMLParser):
    """The text a reader sees (and the title/aria/placeholder/value/alt they hear or see),
    without scripts and styles; the page's links to follow."""

    ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = StringIO()
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name in self.ATTRIBUTES:
            if values.get(name):
                self.text.write(f" {values[name]} ")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.write(data)


def _english_sources(language: str) -> list[str]:
    """Our catalogue's English sources that read differently once translated into `language`."""
    path = Path(settings.BASE_DIR) / "locale" / language.replace("-br", "_BR") / "LC_MESSAGES" / "django.po"
    sources = set(ALWAYS_CHECKED)
    for entry in polib.pofile(str(path)):
        text = entry.msgid
        translated = entry.msgstr and entry.msgstr != text
        if translated and "%" not in text and "{" not in text and len(text.split()) >= MIN_WORDS:
            sources.add(text)
    return sorted(sources, key=len, reverse=True)


def _page_routes(levels: set[str]) -> dict[str, URLPattern]:
    catalogue = plugins.access_catalogue()
    routes: dict[str, URLPattern] = {}

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace) if n) if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if catalogue.get(name) in levels:
                    routes[name] = pattern

    walk(get_resolver().url_patterns, "")
    return routes


def _start_urls(levels: set[str]) -> list[str]:
    """Routes without arguments, straight from the catalogue."""
    urls = []
    for name, pattern in sorted(_page_routes(levels).items()):
        if not getattr(pattern.pattern, "converters", {}) and not pattern.pattern.regex.groupindex:
            urls.append(reverse(name))
    return urls


def _walk(client, start: list[str], prefix: str) -> dict[str, tuple[int, str, str]]:
    """GET pages from `start`, following links under `prefix`: {url: (status, route, text)}."""
    seen: dict[str, tuple[int, str, str]] = {}
    per_route: dict[str, int] = {}
    queue = deque(start)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        try:
            route = resolve(urlsplit(url).path).view_name
        except Resolver404:
            continue
        if per_route.get(route, 0) >= VISITS_PER_ROUTE:
            continue
        per_route[route] = per_route.get(route, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            seen[url] = (response.status_code, route, "")
            continue
        parser = _VisibleText()
        parser.feed(response.content.decode())
        seen[url] = (200, route, parser.text.getvalue())
        for href in parser.links:
            href = urldefrag(href).url
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith(prefix):
                continue
            # Exports, files and sign-out are not pages to read.
            if any(word in parts.path for word in ("export", "/result/", "logout", "download")):
                continue
            queue.append(href)
    return seen


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo's data (committed for the module, removed afterwards), as staff and members see it;
    yields the history page of an organization whose languages and kind changed."""
    with django_db_blocker.unblock():
        call_command("seed_demo", organizations=ORGANIZATIONS, seed=2, stdout=StringIO())
        # A change of a list and of a coded value, as the history pages showed them raw
        # (`['es', 'qu'] → ['es']`).
        organization = Organization.objects.order_by("pk").first()
        assert organization is not None
        organization.languages = ["es", "pt", "qu"]
        organization.save(update_fields=["languages"])
        organization.languages = ["es"]
        organization.kind = next(k for k in Organization.Kind.values if k != organization.kind)
        organization.save(update_fields=["languages", "kind"])
        try:
            yield reverse("dashboard:history", kwargs={"model": "organization", "pk": organization.pk})
        finally:
            for _app, seeder in reversed(plugins.demo_seeders()):
                seeder.flush()


def _findings(pages: dict[str, tuple[int, str, str]], language: str) -> list[str]:
    english = _english_sources(language) if language != "en" else []
    findings = []
    for url, (status, route, text) in sorted(pages.items()):
        if status >= 500:
            findings.append(f"{url} ({route}): status {status}")
            continue
        text = " ".join(text.split())
        for source in english:
            if source in text:
                findings.append(f"{url} ({route}) [{language}]: untranslated {source!r}")
                break
        raw = RAW_VALUE.search(text)
        if raw:
            context = text[max(0, raw.start() - 60) : raw.end() + 60]
            findings.append(f"{url} ({route}) [{language}]: raw value …{context}…")
    return findings


def _as(client, user: User, language: str) -> None:
    User.objects.filter(pk=user.pk).update(language=language)
    client.force_login(user)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_dashboard_page_reads_in_the_users_language_without_raw_values(client, demo, language):
    admin = User.objects.get(username=StaffRole.ADMIN)
    _as(client, admin, language)

    pages = _walk(client, [demo, *_start_urls(STAFF_LEVELS)], "/dashboard/")

    routes = {route for _status, route, _text in pages.values()}
    assert "dashboard:history" in routes
    assert len(routes) >= len(_page_routes(STAFF_LEVELS)) // 2, "the walk reached most of the dashboard's pages"
    findings = _findings(pages, language)
    assert not findings, "\n".join(findings)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_portal_page_reads_in_the_users_language_without_raw_values(client, demo, language):
    access = (
        PortalAccess.objects.filter(role=PortalRole.ADMIN, user__groups__isnull=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    assert access is not None, "the demo has a portal administrator"
    _as(client, access.user, language)

    pages = _walk(client, _start_urls(PORTAL_LEVELS), "/portal/")

    assert any(status == 200 for status, _route, _text in pages.values())
    findings = _findings(pages, language)
    assert not findings, "\n".join(findings)
