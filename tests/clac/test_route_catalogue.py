"""The route catalogue: every named route of the site is declared by exactly one app's plugin
(`access_catalogue`) with who may use it, and the platform walks every declared page route
with the people who must be refused. A new route fails here until its app declares it; each
app's own review tests then walk it with real records (tests/<app>/test_review_access.py)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clac import plugins
from clac.plugins import (
    ACCESS_API,
    ACCESS_PORTAL,
    ACCESS_PORTAL_ADMIN,
    ACCESS_PORTAL_EDIT,
    ACCESS_STAFF,
    ACCESS_STAFF_ROLES,
)
from tests.factories import PortalAccessFactory, UserFactory

# Django's own admin site guards itself (is_staff); it is not ours to declare.
UNDECLARED_NAMESPACES = {"admin"}


def _named_routes() -> dict[str, URLPattern]:
    routes: dict[str, URLPattern] = {}

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace) if n) if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                routes[f"{namespace}:{pattern.name}" if namespace else pattern.name] = pattern

    walk(get_resolver().url_patterns, "")
    return {name: p for name, p in routes.items() if name.split(":")[0] not in UNDECLARED_NAMESPACES}


def _sample_url(name: str, pattern: URLPattern) -> str:
    """The route's URL with a stand-in for each argument: an id nobody has, or a word."""
    converters = getattr(pattern.pattern, "converters", {})
    kwargs = {arg: 987654321 if type(conv).__name__ == "IntConverter" else "x" for arg, conv in converters.items()}
    if not kwargs:
        # Regex routes name their groups; give each the word.
        kwargs = dict.fromkeys(re.compile(pattern.pattern.regex.pattern).groupindex, "x")
    return reverse(name, kwargs=kwargs or None)


def test_every_named_route_is_declared_by_one_app():
    declared = plugins.access_catalogue()  # raises when two apps declare the same route
    routes = _named_routes()

    assert sorted(set(routes) - set(declared)) == [], "routes no app declares in its plugin's access_catalogue"
    assert sorted(set(declared) - set(routes)) == [], "declared routes that do not exist"


def test_api_routes_are_declared_as_api_and_pages_are_not():
    for name, level in plugins.access_catalogue().items():
        assert (level == ACCESS_API) == name.startswith("api-v1:"), name


STAFF_LEVELS = {ACCESS_STAFF, ACCESS_STAFF_ROLES}
PORTAL_LEVELS = {ACCESS_PORTAL, ACCESS_PORTAL_EDIT, ACCESS_PORTAL_ADMIN}


def _routes_at(levels: set[str]) -> list:
    routes = _named_routes()
    return [
        pytest.param(name, id=name)
        for name, level in sorted(plugins.access_catalogue().items())
        if level in levels and name in routes
    ]


def _get_and_post(client, url: str) -> list[int]:
    return [client.get(url).status_code, client.post(url).status_code]


@pytest.mark.django_db
@pytest.mark.parametrize("name", _routes_at(STAFF_LEVELS | PORTAL_LEVELS))
def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(client, name):
    url = _sample_url(name, _named_routes()[name])
    for method in (client.get, client.post):
        response = method(url)
        # 405 where a page answers only the other method, before anything else happens.
        assert response.status_code in (302, 405), (name, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login")), name


@pytest.mark.django_db
@pytest.mark.parametrize("name", _routes_at(STAFF_LEVELS))
def test_portal_users_are_refused_every_staff_page(client, name):
    user = UserFactory(username="catalogue-portal")
    PortalAccessFactory(user=user, role="admin")
    client.force_login(user)

    statuses = _get_and_post(client, _sample_url(name, _named_routes()[name]))

    assert set(statuses) <= {403, 405}, (name, statuses)


@pytest.mark.django_db
@pytest.mark.parametrize("name", _routes_at(PORTAL_LEVELS))
def test_staff_without_portal_access_are_refused_every_portal_page(client, name):
    client.force_login(UserFactory(username="catalogue-staff", roles=["admin"]))

    statuses = _get_and_post(client, _sample_url(name, _named_routes()[name]))

    # The organization switcher answers an empty choice with 400 before looking further.
    assert set(statuses) <= {400, 403, 405}, (name, statuses)
