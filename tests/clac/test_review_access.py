"""Review of the project's own pages (dashboard home, history, jobs, partners and keys, portal
home and switcher, language switch) at once: who reaches each, who is refused, and that odd or
hostile input never ends in a server error, a change, or a redirect to another site.

The route catalogue must name every URL of the `dashboard` and `portal` namespaces: a new
route fails `test_every_route_is_reviewed` until someone says who may use it."""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from clac.access import PORTAL_SESSION_KEY
from clac.api.scopes import DIRECTORY_READ, STATS_READ
from clac.jobs import JobProgress
from clac.models import Job
from clac.plugins import ACCESS_PORTAL, ACCESS_STAFF, ACCESS_STAFF_ROLES, access_catalogue
from clac.roles import PortalRole, StaffRole
from communications.models import ApiKey
from communications.services import api_key_create
from tests.factories import ExternalPartnerFactory, OrganizationFactory, PortalAccessFactory, UserFactory

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
NON_ADMIN_ROLES = sorted(set(StaffRole.values) - {StaffRole.ADMIN})


@dataclass
class World:
    organization: Any
    other_organization: Any
    partner: Any
    key: ApiKey
    raw_key: str
    job: Job
    users: dict[str, Any]


@pytest.fixture
def world(db) -> World:
    users: dict[str, Any] = {
        role: UserFactory(username=f"h11c-{role}", roles=[role], language="en") for role in StaffRole.values
    }
    organization = OrganizationFactory(name="Cooperativa del Portal")
    other_organization = OrganizationFactory(name="Cooperativa Vecina")
    for name, org, role in (
        ("portal-admin", organization, PortalRole.ADMIN),
        ("portal-viewer", organization, PortalRole.VIEWER),
        ("other-admin", other_organization, PortalRole.ADMIN),
    ):
        users[name] = UserFactory(username=f"h11c-{name}", language="en")
        PortalAccessFactory(user=users[name], organization=org, role=role)
    users["nobody"] = UserFactory(username="h11c-nobody", language="en")

    partner = ExternalPartnerFactory(name="Fairtrade Review")
    key, raw_key = api_key_create(partner=partner, name="map", scopes=[DIRECTORY_READ, STATS_READ])
    job = Job.objects.create(
        kind="members.import_registry", requested_by=users[StaffRole.ADMIN], status=Job.Status.RUNNING
    )
    JobProgress(job).set_result_file("errors.csv", b"row,column,message\n")
    return World(organization, other_organization, partner, key, raw_key, job, users)


def db_fingerprint() -> dict[str, int]:
    """Row counts of every table of the project, audit history included: any save through a
    service leaves a historical row or an event, so an unchanged fingerprint means nothing
    was written. One query, so the tests can take it around every request."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in {"members", "clac", "communications"}
        and model._meta.managed
        # A refusal is written to the security log on purpose; nothing else may change.
        and model._meta.label != "clac.SecurityEvent"
    )
    # Table names come from the models, not from input.
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(table)})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


STAFF = "staff"  # every staff role
ADMIN = "admin"  # administrators only
PORTAL = "portal"  # any user of an organization


@dataclass(frozen=True)
class Route:
    name: str
    access: str
    methods: tuple[str, ...]
    kwargs: Any = None

    def url(self, world: World) -> str:
        return reverse(self.name, kwargs=self.kwargs(world) if self.kwargs else None)


ROUTES = [
    Route("dashboard:home", STAFF, ("GET",)),
    Route("dashboard:history", STAFF, ("GET",), lambda w: {"model": "organization", "pk": w.organization.pk}),
    Route("dashboard:job_list", STAFF, ("GET",)),
    # Jobs are visible to administrators and to whoever started them.
    Route("dashboard:job_detail", ADMIN, ("GET",), lambda w: {"pk": w.job.pk}),
    Route("dashboard:job_result_file", ADMIN, ("GET",), lambda w: {"pk": w.job.pk}),
    Route("dashboard:job_run_again", ADMIN, ("POST",), lambda w: {"pk": w.job.pk}),
    Route("communications:partner_list", ADMIN, ("GET",)),
    Route("communications:partner_create", ADMIN, ("GET", "POST")),
    Route("communications:partner_detail", ADMIN, ("GET",), lambda w: {"pk": w.partner.pk}),
    Route("communications:api_key_create", ADMIN, ("GET", "POST"), lambda w: {"pk": w.partner.pk}),
    Route("communications:api_key_revoke", ADMIN, ("GET", "POST"), lambda w: {"pk": w.partner.pk, "key_pk": w.key.pk}),
    # The security log and lockouts (clac.auth): administrators only.
    Route("dashboard:security_event_list", ADMIN, ("GET",)),
    Route("dashboard:lockout_list", ADMIN, ("GET",)),
    Route("dashboard:lockout_clear", ADMIN, ("POST",), lambda w: {"pk": 987654}),
    Route("portal:home", PORTAL, ("GET",)),
    Route("portal:organization_switch", PORTAL, ("POST",)),
]


def _route_names(*namespaces: str) -> set[str]:
    def walk(patterns, ns: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or ns)
            elif isinstance(pattern, URLPattern) and ns in namespaces and pattern.name:
                yield f"{ns}:{pattern.name}"

    return set(walk(get_resolver().url_patterns, ""))


def _cases(accesses: set[str]) -> list:
    return [
        pytest.param(route, method, id=f"{method} {route.name}")
        for route in ROUTES
        if route.access in accesses
        for method in route.methods
    ]


def _call(client, method: str, url: str, data: dict | None = None):
    return client.post(url, data or {}) if method == "POST" else client.get(url, data or {})


# The access levels these tests walk, as the apps declare them in their plugins.
CATALOGUE_LEVELS = {STAFF: ACCESS_STAFF, ADMIN: ACCESS_STAFF_ROLES, PORTAL: ACCESS_PORTAL}


# The partner pages are reviewed here; communications' later pages (audiences, campaigns,
# inquiries, suppressions…) are walked by their own access tests in tests/communications/.
PARTNER_ROUTES = {
    "communications:partner_list",
    "communications:partner_create",
    "communications:partner_detail",
    "communications:api_key_create",
    "communications:api_key_revoke",
}


def test_every_route_is_reviewed():
    assert {route.name for route in ROUTES} == _route_names("dashboard", "portal") | PARTNER_ROUTES


def test_the_reviewed_access_is_the_one_the_apps_declare():
    catalogue = access_catalogue()
    assert {route.name: CATALOGUE_LEVELS[route.access] for route in ROUTES} == {
        route.name: catalogue[route.name] for route in ROUTES
    }


# --- Who is refused -----------------------------------------------------------------------


@pytest.mark.parametrize(("route", "method"), _cases({STAFF, ADMIN, PORTAL}))
def test_anonymous_visitor_is_sent_to_the_login_page(client, world, route, method):
    before = db_fingerprint()

    response = _call(client, method, route.url(world))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert db_fingerprint() == before


@pytest.mark.parametrize(("route", "method"), _cases({STAFF, ADMIN}))
def test_portal_user_and_user_without_role_are_refused_on_the_dashboard(client, world, route, method):
    for username in ("portal-admin", "nobody"):
        client.force_login(world.users[username])
        before = db_fingerprint()

        response = _call(client, method, route.url(world), {"name": "X", "kind": "nfo", "scopes": [DIRECTORY_READ]})

        assert response.status_code == 403, username
        assert db_fingerprint() == before


@pytest.mark.parametrize(("route", "method"), _cases({ADMIN}))
def test_staff_other_than_administrators_are_refused_the_admin_pages(client, world, route, method):
    for role in NON_ADMIN_ROLES:
        client.force_login(world.users[role])
        before = db_fingerprint()

        response = _call(client, method, route.url(world), {"name": "X", "kind": "nfo", "scopes": [DIRECTORY_READ]})

        # Another staff member's job is not revealed (404); the partner pages say 403.
        assert response.status_code in (403, 404), role
        assert db_fingerprint() == before
    world.key.refresh_from_db()
    assert world.key.revoked_at is None


@pytest.mark.parametrize("username", [StaffRole.ADMIN, StaffRole.VIEWER, "nobody"])
def test_users_without_portal_access_are_refused_on_the_portal_home(client, world, username):
    client.force_login(world.users[username])

    assert client.get(reverse("portal:home")).status_code == 403


def test_portal_user_cannot_switch_to_an_organization_they_do_not_belong_to(client, world):
    client.force_login(world.users["portal-admin"])
    client.get(reverse("portal:home"))

    response = client.post(reverse("portal:organization_switch"), {"organization": world.other_organization.pk})

    assert response.status_code == 404
    assert client.session[PORTAL_SESSION_KEY] == world.organization.pk
    assert "Cooperativa Vecina" not in client.get(reverse("portal:home")).content.decode()


def test_partner_key_opens_no_dashboard_or_portal_page(client, world):
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {world.raw_key}"}

    for route in ROUTES:
        if "GET" in route.methods:
            response = client.get(route.url(world), **headers)
            assert response.status_code == 302, route.name
            assert response["Location"].startswith(reverse("login"))


# --- Who is let in ------------------------------------------------------------------------


@pytest.mark.parametrize("route", [r for r in ROUTES if r.access == STAFF], ids=lambda r: r.name)
def test_every_staff_role_opens_the_staff_pages(client, world, route):
    for role in StaffRole.values:
        client.force_login(world.users[role])
        assert client.get(route.url(world)).status_code == 200, role


@pytest.mark.parametrize("route", [r for r in ROUTES if r.access == ADMIN and "GET" in r.methods], ids=lambda r: r.name)
def test_administrators_open_the_admin_pages(client, world, route):
    client.force_login(world.users[StaffRole.ADMIN])

    assert client.get(route.url(world)).status_code == 200


def test_staff_member_opens_the_job_they_started(client, world):
    world.job.requested_by = world.users[StaffRole.VIEWER]
    world.job.save(update_fields=["requested_by"])
    client.force_login(world.users[StaffRole.VIEWER])

    assert client.get(reverse("dashboard:job_detail", args=[world.job.pk])).status_code == 200
    assert client.get(reverse("dashboard:job_result_file", args=[world.job.pk])).status_code == 200


@pytest.mark.parametrize("username", ["portal-admin", "portal-viewer", "other-admin"])
def test_every_portal_user_opens_their_portal_home(client, world, username):
    client.force_login(world.users[username])

    assert client.get(reverse("portal:home")).status_code == 200


# --- Odd and hostile input ----------------------------------------------------------------

ODD_QUERY_PARAMS = [
    {"page": "abc"},
    {"page": HUGE},
    {"page": "-1"},
    {"page": "²"},
    {"status": "nope", "sort": ";drop table clac_job", "q": "'\"<x>"},
    {"status": "\x00", "page": "\x00"},
]


@pytest.mark.parametrize("route", [r for r in ROUTES if "GET" in r.methods], ids=lambda r: r.name)
def test_odd_query_parameters_never_break_a_page(client, world, route):
    username = "portal-admin" if route.access == PORTAL else StaffRole.ADMIN
    client.force_login(world.users[username])
    before = db_fingerprint()

    for params in ODD_QUERY_PARAMS:
        assert client.get(route.url(world), params).status_code < 500, params
    assert db_fingerprint() == before


@pytest.mark.parametrize(
    "path",
    [
        f"/dashboard/history/organization/{HUGE}/",
        "/dashboard/history/nope/1/",
        "/dashboard/history/user/1/",
        f"/dashboard/jobs/{HUGE}/",
        f"/dashboard/jobs/{HUGE}/result/",
        f"/dashboard/partners/{HUGE}/",
        f"/dashboard/partners/{HUGE}/keys/new/",
    ],
)
def test_unknown_records_and_huge_ids_are_404_not_500(client, world, path):
    client.force_login(world.users[StaffRole.ADMIN])

    assert client.get(path).status_code == 404


def test_revoking_an_unknown_key_is_404_and_changes_nothing(client, world):
    client.force_login(world.users[StaffRole.ADMIN])

    response = client.post(f"/dashboard/partners/{world.partner.pk}/keys/{HUGE}/revoke/")

    assert response.status_code == 404
    world.key.refresh_from_db()
    assert world.key.revoked_at is None


GARBAGE_FORMS = [
    {},
    {"name": "", "kind": "nope", "website": "javascript:alert(1)", "email": "not-an-email"},
    {"name": "x" * 5000, "kind": "\x00", "country": "\x00"},
    {"name": "Key", "scopes": ["nope"], "expires_on": "2024-13-45"},
    {"name": "Key", "scopes": [DIRECTORY_READ], "expires_on": "1999-01-01"},
    {"name": "Key", "scopes": [DIRECTORY_READ], "expires_on": HUGE},
    {"name": "\x00", "scopes": "\x00"},
]


@pytest.mark.parametrize("data", GARBAGE_FORMS, ids=range(len(GARBAGE_FORMS)))
@pytest.mark.parametrize("name", ["communications:partner_create", "communications:api_key_create"])
def test_garbage_posted_to_the_partner_forms_is_refused_and_changes_nothing(client, world, name, data):
    route = next(r for r in ROUTES if r.name == name)
    client.force_login(world.users[StaffRole.ADMIN])
    before = db_fingerprint()

    response = client.post(route.url(world), data)

    assert response.status_code == 200  # the form again, with its errors
    # (An empty body, which no browser sends since the CSRF token is always there, shows
    # the blank form.)
    assert response.context["form"].errors or not data
    assert db_fingerprint() == before


@pytest.mark.parametrize("value", ["", "abc", "²", HUGE, "-1", "\x00", "1.5"])
def test_garbage_organization_in_the_switcher_is_refused_and_keeps_the_current_one(client, world, value):
    client.force_login(world.users["portal-admin"])
    client.get(reverse("portal:home"))

    response = client.post(reverse("portal:organization_switch"), {"organization": value})

    assert response.status_code in (400, 404)
    assert client.session[PORTAL_SESSION_KEY] == world.organization.pk


# --- Redirects stay on this site ----------------------------------------------------------

FOREIGN_TARGETS = [
    "https://evil.example.com/",
    "//evil.example.com/",
    "http:evil.example.com",
    "/\\evil.example.com",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_language_switch_never_redirects_to_another_site(client, world, target):
    client.force_login(world.users[StaffRole.VIEWER])

    from_form = client.post(reverse("language_switch"), {"language": "es", "next": target})
    from_referer = client.post(reverse("language_switch"), {"language": "es"}, HTTP_REFERER=target)

    for response in (from_form, from_referer):
        assert response.status_code == 302
        assert response["Location"] == reverse("home")


def test_language_switch_goes_back_to_a_page_of_this_site(client, world):
    client.force_login(world.users[StaffRole.VIEWER])

    response = client.post(reverse("language_switch"), {"language": "fr", "next": "/dashboard/jobs/?page=2"})

    assert response["Location"] == "/dashboard/jobs/?page=2"


@pytest.mark.parametrize("language", ["", "xx", "\x00", "es" * 100])
def test_language_switch_refuses_an_unknown_language_and_changes_nothing(client, world, language):
    user = world.users[StaffRole.VIEWER]
    client.force_login(user)

    response = client.post(reverse("language_switch"), {"language": language})

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_login_never_redirects_to_another_site(client, world, target):
    user = world.users[StaffRole.VIEWER]

    response = client.post(
        f"{reverse('login')}?next={target}", {"username": user.username, "password": "pass-word-123"}
    )

    assert response.status_code == 302
    assert "evil" not in response["Location"]
    assert not response["Location"].startswith("javascript")


def test_language_switch_needs_a_post(client, world):
    assert client.get(reverse("language_switch"), {"language": "es"}).status_code == 405


# --- CSRF ---------------------------------------------------------------------------------


def test_forms_without_the_csrf_token_are_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[StaffRole.ADMIN])
    before = db_fingerprint()

    create = client.post(reverse("communications:partner_create"), {"name": "Sin token", "kind": "nfo"})
    revoke = client.post(reverse("communications:api_key_revoke", args=[world.partner.pk, world.key.pk]))

    assert create.status_code == revoke.status_code == 403
    assert db_fingerprint() == before


def test_api_session_writes_without_the_csrf_token_are_refused(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users[StaffRole.ADMIN])
    before = db_fingerprint()

    response = client.post(
        reverse("api-v1:organization-list"), {"kind": "spo", "name": "Sin token", "country": "PE"}, format="json"
    )

    assert response.status_code == 403
    assert db_fingerprint() == before


def test_every_post_form_of_the_pages_carries_the_csrf_token(client, world):
    client.force_login(world.users[StaffRole.ADMIN])
    pages = [route.url(world) for route in ROUTES if "GET" in route.methods and route.access != PORTAL]
    client.force_login(world.users["portal-admin"])
    portal_page = client.get(reverse("portal:home")).content.decode()
    client.force_login(world.users[StaffRole.ADMIN])

    forms = [
        form
        for html in [client.get(url).content.decode() for url in pages if not url.endswith("/result/")] + [portal_page]
        for form in re.findall(r"(?is)<form[^>]*method=\"post\".*?</form>", html)
    ]

    # Every page has at least the sign-out and language forms of the shell.
    assert len(forms) > 2 * len(pages)
    for form in forms:
        assert "csrfmiddlewaretoken" in form


# --- Query counts not covered elsewhere ---------------------------------------------------


def test_partner_page_query_count_does_not_grow_with_keys(client, world, django_assert_max_num_queries):
    client.force_login(world.users[StaffRole.ADMIN])
    url = reverse("communications:partner_detail", args=[world.partner.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for index in range(20):
        api_key_create(
            partner=world.partner, name=f"key {index}", scopes=[DIRECTORY_READ], created_by=world.users["admin"]
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["keys"]) == 21


@pytest.mark.parametrize(
    "params",
    [{"lang": "xx"}, {"lang": "\x00"}, {"format": "nope"}, {"version": "v9"}, {"format": "json", "lang": "es"}],
    ids=range(5),
)
@pytest.mark.parametrize("name", ["schema", "api-docs"])
def test_the_public_schema_and_docs_survive_odd_query_parameters(db, name, params):
    assert APIClient().get(reverse(name), params).status_code < 500
