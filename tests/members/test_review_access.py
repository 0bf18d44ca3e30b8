"""Review of every registry page and endpoint at once: who reaches it, who is refused, and that
odd or hostile input never ends in a server error or a half-made change.

The route catalogues below must name every URL of the `members` (dashboard),
`members_portal` (portal) and `api-v1` (API) namespaces: a new route fails
`test_every_*_route_is_reviewed` until someone says who may use it."""

import datetime
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clac.api.scopes import DIRECTORY_READ, PEOPLE_READ, STATS_READ
from clac.plugins import (
    ACCESS_PORTAL,
    ACCESS_PORTAL_EDIT,
    ACCESS_STAFF,
    ACCESS_STAFF_ROLES,
    access_catalogue,
)
from clac.roles import RATE_KEEPERS, REGISTRY_EDITORS, PortalRole, StaffRole
from communications.services import api_key_create
from members.models import (
    Affiliation,
    Certification,
    Consent,
    Membership,
    MergeRecord,
    OrganizationChangeProposal,
    PremiumUse,
    Product,
    YearlyReport,
    YearlyReportEvent,
    YearlyReportProduct,
)
from tests.factories import (
    AffiliationFactory,
    CertificationFactory,
    ExternalPartnerFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    PortalAccessFactory,
    UserFactory,
    YearlyReportFactory,
)

pytestmark = pytest.mark.django_db

READ_ONLY_ROLES = sorted(set(StaffRole.values) - REGISTRY_EDITORS)
# Editors whose role reaches every organization; coordinators are scoped to their networks'
# members (tests/networks/test_networks_coordinator_scope.py).
EDITOR_ROLES = sorted(REGISTRY_EDITORS - {StaffRole.COORDINATOR})
# A figure only organization A reports, to prove organization B never sees A's report.
A_MEMBERS_TOTAL = 4217


# --- The world the routes point into ------------------------------------------------------


@dataclass
class World:
    org: Any
    twin: Any
    other_org: Any
    person: Any
    twin_person: Any
    affiliation: Any
    other_affiliation: Any
    report: Any
    proposal: Any
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    today = timezone.localdate()
    org = OrganizationFactory(name="Cooperativa Revisada", flo_id="4242")
    MembershipFactory(organization=org, review_requested_at=timezone.now(), review_reason="Certificate suspended")
    CertificationFactory(organization=org, cycle_end=today + datetime.timedelta(days=20))
    # Same name in the same country: the duplicate finder pairs them.
    twin = OrganizationFactory(name="Cooperativa Revisada", flo_id="", legal_name="")
    other_org = OrganizationFactory(name="Cooperativa Ajena")
    MembershipFactory(organization=other_org)

    person = PersonFactory(first_name="Rosa", last_name="Quispe", email="rosa@coop.pe")
    twin_person = PersonFactory(first_name="Rosa", last_name="Quispe", email="rosa@coop.pe")
    affiliation = AffiliationFactory(person=person, organization=org, is_primary=True)
    AffiliationFactory(person=twin_person, organization=org, role=Affiliation.Role.DELEGATE)
    other_person = PersonFactory(first_name="Ana", last_name="Ajena")
    other_affiliation = AffiliationFactory(person=other_person, organization=other_org)

    report = YearlyReportFactory(
        organization=org,
        year=2024,
        status=YearlyReport.Status.SUBMITTED,
        submitted_at=timezone.now(),
        members_total=A_MEMBERS_TOTAL,
    )
    YearlyReportEvent.objects.create(report=report, action=YearlyReportEvent.Action.SUBMITTED)
    proposal = OrganizationChangeProposal.objects.create(
        organization=org, field="legal_name", current_value=org.legal_name, proposed_value="Cooperativa Nueva Ltda."
    )

    users: dict[str, Any] = {
        role: UserFactory(username=f"h11-{role}", roles=[role], language="en") for role in StaffRole
    }
    for name, organization, role in (
        ("portal-admin", org, PortalRole.ADMIN),
        ("portal-editor", org, PortalRole.EDITOR),
        ("portal-viewer", org, PortalRole.VIEWER),
        ("other-admin", other_org, PortalRole.ADMIN),
    ):
        users[name] = UserFactory(username=f"h11-{name}", language="en")
        PortalAccessFactory(user=users[name], organization=organization, role=role)
    users["nobody"] = UserFactory(username="h11-nobody", language="en")
    MergeRecord.objects.create(kind="organization", survivor_id=org.pk, merged_id=twin.pk + 1000)
    return World(org, twin, other_org, person, twin_person, affiliation, other_affiliation, report, proposal, users)


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


# --- Catalogue of the dashboard and portal routes -----------------------------------------

STAFF_READ = "staff_read"  # every staff role reads
EDITOR = "editor"  # registry editors only (admin, coordinator, M&E officer)
RATE_KEEPER = "rate_keeper"  # exchange rates: admin, finance, M&E officer (tests/members/test_exchange_rates.py)
ADMIN_ONLY = "admin_only"  # administrators only (erasing personal data)
PORTAL_READ = "portal_read"  # any user of the organization
PORTAL_EDIT = "portal_edit"  # portal editors and admins


@dataclass(frozen=True)
class Route:
    name: str
    access: str
    methods: tuple[str, ...]
    kwargs: Any = None  # World → URL kwargs
    query: str = ""

    def url(self, world: World) -> str:
        kwargs = self.kwargs(world) if self.kwargs else {}
        return reverse(self.name, kwargs=kwargs) + (f"?{self.query}" if self.query else "")


def _org(w: World) -> dict:
    return {"pk": w.org.pk}


def _person(w: World) -> dict:
    return {"pk": w.person.pk}


def _report(w: World) -> dict:
    return {"pk": w.report.pk}


def _org_pair(w: World) -> dict:
    return {"kind": "organization", "a": w.org.pk, "b": w.twin.pk}


def _merge_record(w: World) -> dict[str, int]:
    # Made by the world fixture: building a URL must write nothing (the fingerprint checks).
    return {"pk": MergeRecord.objects.get(survivor_id=w.org.pk).pk}


DASHBOARD_ROUTES = [
    Route("members:organization_list", STAFF_READ, ("GET",)),
    Route("members:organization_export", STAFF_READ, ("GET",), query="format=csv"),
    Route("members:organization_create", EDITOR, ("GET", "POST")),
    Route("members:organization_detail", STAFF_READ, ("GET",), _org),
    Route("members:organization_edit", EDITOR, ("GET", "POST"), _org),
    Route("members:membership_transition", EDITOR, ("GET", "POST"), _org),
    Route("members:certification_edit", EDITOR, ("GET", "POST"), lambda w: {"pk": w.org.pk, "standard": "spo"}),
    Route("members:membership_review_queue", STAFF_READ, ("GET",)),
    Route("members:membership_review_close", EDITOR, ("POST",)),
    Route("members:certification_expiring", STAFF_READ, ("GET",)),
    Route("members:proposal_queue", STAFF_READ, ("GET",)),
    Route("members:proposal_decide", EDITOR, ("POST",), lambda w: {"pk": w.proposal.pk}),
    Route("members:person_list", STAFF_READ, ("GET",)),
    Route("members:person_export", STAFF_READ, ("GET",), query="format=csv"),
    Route("members:person_create", EDITOR, ("GET", "POST")),
    Route("members:person_detail", STAFF_READ, ("GET",), _person),
    Route("members:person_edit", EDITOR, ("GET", "POST"), _person),
    Route("members:affiliation_create", EDITOR, ("GET", "POST"), _person),
    Route("members:consent_edit", EDITOR, ("GET", "POST"), _person),
    Route("members:person_data_export", EDITOR, ("GET",), _person),
    Route("members:person_data_export_json", EDITOR, ("GET",), _person),
    Route("members:person_erase", ADMIN_ONLY, ("GET", "POST"), _person),
    Route("members:affiliation_end", EDITOR, ("GET", "POST"), lambda w: {"pk": w.affiliation.pk}),
    Route("members:report_queue", STAFF_READ, ("GET",)),
    Route("members:report_detail", STAFF_READ, ("GET",), _report),
    Route("members:report_approve", EDITOR, ("POST",), _report),
    Route("members:report_return", EDITOR, ("POST",), _report),
    Route("members:report_comment", EDITOR, ("POST",), _report),
    Route("members:import_list", EDITOR, ("GET",)),
    Route("members:import_upload", EDITOR, ("POST",)),
    Route("members:import_template", EDITOR, ("GET",), lambda w: {"kind": "organizations"}),
    Route("members:import_template_xlsx", EDITOR, ("GET",), lambda w: {"kind": "people"}),
    Route("members:duplicate_list", EDITOR, ("GET",)),
    Route("members:duplicate_compare", EDITOR, ("GET",), _org_pair),
    Route("members:duplicate_merge", EDITOR, ("POST",), _org_pair),
    Route("members:duplicate_dismiss", EDITOR, ("POST",), _org_pair),
    Route("members:merge_record_detail", EDITOR, ("GET",), _merge_record),
    Route("members:exchange_rate_list", RATE_KEEPER, ("GET",)),
    Route("members:exchange_rate_create", RATE_KEEPER, ("GET", "POST")),
    Route("members:exchange_rate_import", RATE_KEEPER, ("GET", "POST")),
    Route("members:organization_pick", STAFF_READ, ("GET",), query="q=coop"),
]

PORTAL_ROUTES = [
    Route("members_portal:profile", PORTAL_READ, ("GET",)),
    Route("members_portal:profile_edit", PORTAL_EDIT, ("GET", "POST")),
    Route("members_portal:proposal_list", PORTAL_READ, ("GET",)),
    Route("members_portal:proposal_create", PORTAL_EDIT, ("GET", "POST"), query="field=legal_name"),
    Route("members_portal:people", PORTAL_READ, ("GET",)),
    Route("members_portal:person_add", PORTAL_EDIT, ("GET", "POST")),
    Route("members_portal:person_edit", PORTAL_EDIT, ("GET", "POST"), _person),
    Route("members_portal:affiliation_end", PORTAL_EDIT, ("POST",), lambda w: {"pk": w.affiliation.pk}),
    Route("members_portal:report_list", PORTAL_READ, ("GET",)),
    # GET reads (viewers too); POST saves, which the view refuses to viewers.
    Route("members_portal:report_edit", PORTAL_READ, ("GET",), lambda w: {"year": 2024}),
    Route("members_portal:report_submit", PORTAL_EDIT, ("POST",), lambda w: {"year": 2024}),
]

# Routes of organization A whose ids another organization's user must not reach.
PORTAL_OBJECT_ROUTES = [
    Route("members_portal:person_edit", PORTAL_EDIT, ("GET", "POST"), _person),
    Route("members_portal:affiliation_end", PORTAL_EDIT, ("POST",), lambda w: {"pk": w.affiliation.pk}),
    Route("members_portal:report_submit", PORTAL_EDIT, ("POST",), lambda w: {"year": 2024}),
]


def _route_names(namespace: str) -> set[str]:
    def walk(patterns, ns: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or ns)
            elif isinstance(pattern, URLPattern) and ns == namespace and pattern.name:
                yield f"{ns}:{pattern.name}"

    return set(walk(get_resolver().url_patterns, ""))


def _each(routes: list[Route], accesses: set[str]) -> list[tuple[Route, str]]:
    """(route, method) for every method of every route with one of these accesses. The access
    tests walk them all in one test (one world, many requests); messages name the route."""
    return [(route, method) for route in routes if route.access in accesses for method in route.methods]


def _call(client, method: str, url: str, data: dict | None = None):
    return client.post(url, data or {}) if method == "POST" else client.get(url, data or {})


# The access levels these tests walk, as the registry declares them in members/plugin.py.
CATALOGUE_LEVELS = {
    STAFF_READ: ACCESS_STAFF,
    EDITOR: ACCESS_STAFF_ROLES,
    RATE_KEEPER: ACCESS_STAFF_ROLES,
    ADMIN_ONLY: ACCESS_STAFF_ROLES,
    PORTAL_READ: ACCESS_PORTAL,
    PORTAL_EDIT: ACCESS_PORTAL_EDIT,
}


def test_every_dashboard_route_is_reviewed():
    assert {route.name for route in DASHBOARD_ROUTES} == _route_names("members")


def test_every_portal_route_is_reviewed():
    assert {route.name for route in PORTAL_ROUTES} == _route_names("members_portal")


def test_the_reviewed_access_is_the_one_the_registry_declares():
    catalogue = access_catalogue()
    routes = DASHBOARD_ROUTES + PORTAL_ROUTES
    assert {route.name: CATALOGUE_LEVELS[route.access] for route in routes} == {
        route.name: catalogue[route.name] for route in routes
    }


# --- Dashboard: who is refused ------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client, world):
    before = db_fingerprint()

    for route, method in _each(DASHBOARD_ROUTES, {STAFF_READ, EDITOR, RATE_KEEPER, ADMIN_ONLY}):
        response = _call(client, method, route.url(world))

        assert response.status_code == 302, (method, route.name)
        assert response["Location"].startswith(reverse("login")), (method, route.name)
    assert db_fingerprint() == before


@pytest.mark.parametrize("username", ["portal-admin", "nobody"])
def test_portal_user_and_user_without_role_are_refused_on_the_dashboard(client, world, username):
    client.force_login(world.users[username])
    before = db_fingerprint()

    for route, method in _each(DASHBOARD_ROUTES, {STAFF_READ, EDITOR, RATE_KEEPER, ADMIN_ONLY}):
        assert _call(client, method, route.url(world)).status_code == 403, (method, route.name)
    assert db_fingerprint() == before


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_staff_cannot_use_editor_pages(client, world, role):
    client.force_login(world.users[role])
    before = db_fingerprint()

    for route, method in _each(DASHBOARD_ROUTES, {EDITOR, ADMIN_ONLY}):
        response = _call(client, method, route.url(world), {"note": "x", "decision": "approve"})

        assert response.status_code == 403, (method, route.name)
    assert db_fingerprint() == before


@pytest.mark.parametrize("role", sorted(REGISTRY_EDITORS - {StaffRole.ADMIN}))
def test_editors_who_are_not_administrators_cannot_use_administrator_pages(client, world, role):
    client.force_login(world.users[role])
    before = db_fingerprint()

    for route, method in _each(DASHBOARD_ROUTES, {ADMIN_ONLY}):
        response = _call(client, method, route.url(world), {"reason": "x", "confirm": "on"})

        assert response.status_code == 403, (method, route.name)
    assert db_fingerprint() == before


def test_administrators_open_the_administrator_pages(client, world):
    client.force_login(world.users[StaffRole.ADMIN])

    for route, method in _each(DASHBOARD_ROUTES, {ADMIN_ONLY}):
        if method == "GET":
            assert client.get(route.url(world)).status_code == 200, route.name


# --- Dashboard: who is let in -------------------------------------------------------------


@pytest.mark.parametrize("role", StaffRole.values)
def test_every_staff_role_reads_the_registry_pages(client, world, role):
    client.force_login(world.users[role])

    for route, _method in _each(DASHBOARD_ROUTES, {STAFF_READ}):
        assert client.get(route.url(world)).status_code == 200, route.name


@pytest.mark.parametrize("role", EDITOR_ROLES)
def test_registry_editors_open_the_editor_pages(client, world, role):
    client.force_login(world.users[role])

    for route, method in _each(DASHBOARD_ROUTES, {EDITOR}):
        if method == "GET":
            assert client.get(route.url(world)).status_code == 200, route.name


# --- Portal: who is refused ---------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page_from_the_portal(client, world):
    before = db_fingerprint()

    for route, method in _each(PORTAL_ROUTES, {PORTAL_READ, PORTAL_EDIT}):
        response = _call(client, method, route.url(world))

        assert response.status_code == 302, (method, route.name)
        assert response["Location"].startswith(reverse("login")), (method, route.name)
    assert db_fingerprint() == before


@pytest.mark.parametrize("username", [StaffRole.ADMIN, "nobody"])
def test_staff_without_portal_access_are_refused_on_the_portal(client, world, username):
    client.force_login(world.users[username])
    before = db_fingerprint()

    for route, method in _each(PORTAL_ROUTES, {PORTAL_READ, PORTAL_EDIT}):
        assert _call(client, method, route.url(world)).status_code == 403, (method, route.name)
    assert db_fingerprint() == before


def test_portal_viewer_cannot_use_the_edit_pages(client, world):
    client.force_login(world.users["portal-viewer"])
    before = db_fingerprint()

    for route, method in _each(PORTAL_ROUTES, {PORTAL_EDIT}):
        response = _call(client, method, route.url(world), {"end_date": "2025-01-01", "first_name": "X"})

        assert response.status_code == 403, (method, route.name)
    assert db_fingerprint() == before


def test_portal_viewer_cannot_save_a_report(client, world):
    client.force_login(world.users["portal-viewer"])
    before = db_fingerprint()

    submitted = client.post(reverse("members_portal:report_edit", kwargs={"year": 2024}), {"members_total": "10"})
    new = client.post(reverse("members_portal:report_edit", kwargs={"year": 2023}), {"members_total": "10"})

    assert submitted.status_code == 403
    assert new.status_code == 404  # a viewer cannot start a report: as if the page did not exist
    assert db_fingerprint() == before


def test_other_organization_user_cannot_reach_our_rows_by_id(client, world):
    client.force_login(world.users["other-admin"])
    before = db_fingerprint()

    for route, method in _each(PORTAL_OBJECT_ROUTES, {PORTAL_EDIT}):
        response = _call(client, method, route.url(world), {"end_date": "2025-01-01", "first_name": "X"})

        assert response.status_code == 404, (method, route.name)
    assert db_fingerprint() == before


@pytest.mark.parametrize("name", ["members_portal:profile", "members_portal:people", "members_portal:report_list"])
def test_other_organization_user_sees_only_their_own_organization(client, world, name):
    client.force_login(world.users["other-admin"])

    html = client.get(reverse(name)).content.decode()

    assert "Cooperativa Ajena" in html or name != "members_portal:profile"
    assert "Cooperativa Revisada" not in html
    assert "Quispe" not in html
    assert str(A_MEMBERS_TOTAL) not in html


def test_other_organization_user_never_sees_our_report_of_the_same_year(client, world):
    client.force_login(world.users["other-admin"])

    response = client.get(reverse("members_portal:report_edit", kwargs={"year": 2024}))

    # Organization B may start its own 2024 report; A's figures never appear in it.
    assert response.status_code == 200
    assert str(A_MEMBERS_TOTAL) not in response.content.decode()
    assert response.context["report"] is None


# --- Portal: who is let in ----------------------------------------------------------------


@pytest.mark.parametrize("username", ["portal-admin", "portal-editor", "portal-viewer"])
def test_every_user_of_the_organization_reads_its_portal_pages(client, world, username):
    client.force_login(world.users[username])

    for route, _method in _each(PORTAL_ROUTES, {PORTAL_READ}):
        assert client.get(route.url(world)).status_code == 200, route.name


@pytest.mark.parametrize("username", ["portal-admin", "portal-editor"])
def test_portal_editors_open_the_edit_pages(client, world, username):
    client.force_login(world.users[username])

    for route, method in _each(PORTAL_ROUTES, {PORTAL_EDIT}):
        if method == "GET":
            assert client.get(route.url(world)).status_code == 200, route.name


# --- Odd and hostile input ----------------------------------------------------------------

HUGE = "9" * 30
ODD_QUERY_PARAMS = [
    # Each set mixes parameters of several pages; every page reads the ones it knows.
    {"page": HUGE, "q": "'\"<script>%_\\"},
    {"page": "-1", "sort": "-", "kind": "person"},
    {"page": "²", "sort": ";drop table members_organization", "days": "²", "year": "²"},
    {
        "country": "ZZ", "kind": "nope", "product": "nope", "membership_status": "nope", "certification_status": "x",
        "status": "nope", "language": "xx", "to_status": "nope", "field": "nope", "format": "pdf",
    },
    {"country": HUGE, "product": HUGE, "subregion": "nope", "year": HUGE, "organization": HUGE, "days": HUGE},
    {"page": "abc", "year": "abc", "days": "-5", "organization": "²"},
    {"year": "2024.5", "organization": "-1", "days": "0"},
    # PostgreSQL text cannot hold NUL: a lookup with one must be refused before the query.
    {"q": "a\x00b", "country": "P\x00E", "product": "c\x00", "sort": "\x00", "kind": "\x00", "status": "\x00"},
    {"organization": "1\x00", "year": "\x00", "page": "\x00", "language": "\x00", "field": "\x00", "format": "\x00"},
]  # fmt: skip


def _get_routes(routes: list[Route]) -> list:
    return [pytest.param(route, id=route.name) for route in routes if "GET" in route.methods]


@pytest.mark.parametrize("route", _get_routes(DASHBOARD_ROUTES))
def test_odd_query_parameters_never_break_a_dashboard_page(client, world, route):
    client.force_login(world.users[StaffRole.ADMIN])
    before = db_fingerprint()

    for params in ODD_QUERY_PARAMS:
        assert client.get(route.url(world), params).status_code < 500, params
    assert db_fingerprint() == before


@pytest.mark.parametrize("route", _get_routes(PORTAL_ROUTES))
def test_odd_query_parameters_never_break_a_portal_page(client, world, route):
    client.force_login(world.users["portal-admin"])
    before = db_fingerprint()

    for params in ODD_QUERY_PARAMS:
        assert client.get(route.url(world), params).status_code < 500, params
    assert db_fingerprint() == before


# Every field name the registry's forms use, filled with what a careless or hostile client
# might send: wrong types, impossible dates, unknown choices, ids that do not exist.
GARBAGE_FORM = {
    "name": "",
    "legal_name": "x" * 5000,
    "kind": "nope",
    "country": "ZZ",
    "flo_id": "not-a-flo-id",
    "latitude": "north",
    "longitude": HUGE,
    "parent": "abc",
    "products": ["nope", HUGE],
    "founding_year": HUGE,
    "website": "javascript:alert(1)",
    "email": "not-an-email",
    "phone": "call me",
    "languages": ["xx"],
    "to_status": "nope",
    "occurred_on": "2024-13-45",
    "reason": "",
    "status": "nope",
    "cycle_start": "yesterday",
    "cycle_end": "-1",
    "last_audit_date": HUGE,
    "decision": "maybe",
    "first_name": "",
    "birth_year": "-99999999999",
    "preferred_language": "xx",
    "gender": "nope",
    "organization": "abc",
    "role": "nope",
    "start_date": "2024-02-30",
    "end_date": "not-a-date",
    "survivor": "abc",
    "format": "nope",
    "field": "nope",
    "proposed_value": "",
    "members_total": "-5",
    "members_women": HUGE,
    "hectares": "NaN",
    "premium_amount": "Infinity",
    "premium_currency": "XXX",
    "lines-TOTAL_FORMS": "abc",
    "lines-INITIAL_FORMS": HUGE,
    "uses-TOTAL_FORMS": "100000",
    "uses-INITIAL_FORMS": "0",
    "affiliation-role": "nope",
    "email-answer": "nope",
    "sms-answer": "granted",
    "sms-method": "nope",
    "sms-given_on": "2024-99-99",
}
EMPTY_FORM: dict[str, str] = {}

# POSTs that need no input at all: a dismissal, an approval without a note (the note is
# optional), an empty consent form ("nothing changed"). For them only "no 500" is asserted.
NO_INPUT_NEEDED = {"members:duplicate_dismiss", "members:report_approve", "members_portal:report_submit"}


def _post_routes(routes: list[Route]) -> list:
    return [pytest.param(route, id=route.name) for route in routes if "POST" in route.methods]


@pytest.mark.parametrize("route", _post_routes(DASHBOARD_ROUTES))
def test_garbage_posted_to_a_dashboard_form_is_refused_and_changes_nothing(client, world, route):
    client.force_login(world.users[StaffRole.ADMIN])

    for data in (GARBAGE_FORM, EMPTY_FORM):
        before = db_fingerprint()

        response = client.post(route.url(world), data)

        assert response.status_code < 500
        if route.name not in NO_INPUT_NEEDED:
            assert db_fingerprint() == before


@pytest.mark.parametrize("route", _post_routes(PORTAL_ROUTES))
def test_garbage_posted_to_a_portal_form_is_refused_and_changes_nothing(client, world, route):
    client.force_login(world.users["portal-admin"])

    for data in (GARBAGE_FORM, EMPTY_FORM):
        before = db_fingerprint()

        response = client.post(route.url(world), data)

        assert response.status_code < 500
        if route.name not in NO_INPUT_NEEDED:
            assert db_fingerprint() == before


@pytest.mark.parametrize("data", [GARBAGE_FORM, EMPTY_FORM], ids=["garbage", "empty"])
def test_garbage_posted_to_a_new_portal_report_changes_nothing(client, world, data):
    client.force_login(world.users["portal-admin"])
    before = db_fingerprint()

    response = client.post(reverse("members_portal:report_edit", kwargs={"year": 2023}), data)

    assert response.status_code < 500
    assert db_fingerprint() == before


def test_a_forged_form_count_builds_no_more_forms_than_the_page_shows(client, world):
    client.force_login(world.users["portal-admin"])
    data = {
        "premium_currency": "USD",
        "lines-TOTAL_FORMS": "100000",
        "lines-INITIAL_FORMS": "0",
        "uses-TOTAL_FORMS": "100000",
        "uses-INITIAL_FORMS": "0",
    }
    before = db_fingerprint()

    response = client.post(reverse("members_portal:report_edit", kwargs={"year": 2023}), data)

    assert response.status_code == 200
    assert len(response.context["lines"].forms) <= 30
    assert len(response.context["uses"].forms) == len(PremiumUse.Category)
    assert response.context["lines"].non_form_errors()
    assert db_fingerprint() == before


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("members:organization_detail", {"pk": 10**18}),
        ("members:person_detail", {"pk": 10**18}),
        ("members:report_detail", {"pk": 10**18}),
        ("members:duplicate_compare", {"kind": "organization", "a": 10**18, "b": 1}),
        ("members:duplicate_compare", {"kind": "nope", "a": 1, "b": 2}),
        ("members:certification_edit", {"pk": 1, "standard": "nope"}),
        ("members:import_template", {"kind": "nope"}),
    ],
)
def test_unknown_ids_and_kinds_are_404_not_500(client, world, name, kwargs):
    client.force_login(world.users[StaffRole.ADMIN])

    assert client.get(reverse(name, kwargs=kwargs)).status_code == 404


def test_huge_ids_in_the_url_are_404_not_500(client, world):
    client.force_login(world.users[StaffRole.ADMIN])

    for url in (f"/dashboard/registry/{HUGE}/", f"/dashboard/registry/people/{HUGE}/", f"/portal/reports/{HUGE}/"):
        assert client.get(url).status_code in (403, 404), url


def test_portal_huge_year_and_person_id_are_404_not_500(client, world):
    client.force_login(world.users["portal-admin"])

    assert client.get(f"/portal/reports/{HUGE}/").status_code == 404
    assert client.get(f"/portal/people/{HUGE}/edit/").status_code == 404
    assert client.post(f"/portal/people/affiliations/{HUGE}/end/", {"end_date": "2025-01-01"}).status_code == 404


def test_new_person_for_a_non_ascii_digit_organization_is_404_not_500(client, world):
    client.force_login(world.users[StaffRole.ADMIN])

    assert client.get(reverse("members:person_create"), {"organization": "²"}).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes.txt", b"name\nx\n", "Upload a .csv or .xlsx file."),
        ("empty.csv", b"", "empty"),
    ],
)
def test_an_upload_of_the_wrong_type_or_empty_is_refused_and_starts_no_job(client, world, name, content, expected):
    client.force_login(world.users[StaffRole.ADMIN])
    before = db_fingerprint()

    response = client.post(reverse("members:import_upload"), {"file": SimpleUploadedFile(name, content)})

    assert response.status_code == 400
    assert expected in response.content.decode()
    assert db_fingerprint() == before


# --- API ----------------------------------------------------------------------------------

API_STAFF_LISTS = [
    "api-v1:organization-list",
    "api-v1:person-list",
    "api-v1:affiliation-list",
    "api-v1:yearly-report-list",
]
API_PARTNER_LISTS = ["api-v1:directory-organization-list", "api-v1:statistics"]


def _api_urls(world: World) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every API route → (a URL of it, the methods it answers)."""
    return {
        "api-v1:directory-organization-list": (reverse("api-v1:directory-organization-list"), ("GET",)),
        "api-v1:directory-organization-detail": (
            reverse("api-v1:directory-organization-detail", args=[world.org.pk]),
            ("GET",),
        ),
        "api-v1:statistics": (reverse("api-v1:statistics"), ("GET",)),
        "api-v1:directory-organization-contacts": (
            reverse("api-v1:directory-organization-contacts", args=[world.org.pk]),
            ("GET",),
        ),
        "api-v1:organization-list": (reverse("api-v1:organization-list"), ("GET", "POST")),
        "api-v1:organization-detail": (
            reverse("api-v1:organization-detail", args=[world.org.pk]),
            ("GET", "PUT", "PATCH"),
        ),
        "api-v1:person-list": (reverse("api-v1:person-list"), ("GET", "POST")),
        "api-v1:person-detail": (reverse("api-v1:person-detail", args=[world.person.pk]), ("GET", "PUT", "PATCH")),
        "api-v1:affiliation-list": (reverse("api-v1:affiliation-list"), ("GET", "POST")),
        "api-v1:affiliation-detail": (reverse("api-v1:affiliation-detail", args=[world.affiliation.pk]), ("GET",)),
        "api-v1:affiliation-end": (reverse("api-v1:affiliation-end", args=[world.affiliation.pk]), ("POST",)),
        "api-v1:yearly-report-list": (reverse("api-v1:yearly-report-list"), ("GET",)),
        "api-v1:yearly-report-detail": (reverse("api-v1:yearly-report-detail", args=[world.report.pk]), ("GET",)),
        "api-v1:yearly-report-approve": (reverse("api-v1:yearly-report-approve", args=[world.report.pk]), ("POST",)),
        "api-v1:yearly-report-return-report": (
            reverse("api-v1:yearly-report-return-report", args=[world.report.pk]),
            ("POST",),
        ),
    }


PARTNER_ROUTES = {
    "api-v1:directory-organization-list",
    "api-v1:directory-organization-detail",
    "api-v1:directory-organization-contacts",
    "api-v1:statistics",
}


def test_every_api_route_is_reviewed(world):
    # The registry's API routes (as members/plugin.py declares them; other apps' routes are
    # walked by their own tests, and tests/clac/test_route_catalogue.py makes every route declared).
    from members.plugin import plugin as members_plugin

    declared = {name for name in members_plugin.access_catalogue if name.startswith("api-v1:")}
    assert set(_api_urls(world)) == declared
    assert declared <= _route_names("api-v1")


def _partner_client(scopes: list[str]) -> APIClient:
    _key, raw = api_key_create(partner=ExternalPartnerFactory(name="Review Partner"), name="review", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _api_call(client: APIClient, method: str, url: str, data: Any = None):
    return getattr(client, method.lower())(url, data if data is not None else {}, format="json")


def _api_each(world: World, *, reads: bool | None = None) -> list[tuple[str, str, str]]:
    """(route name, method, URL) of every API route and method; only the reads (GET) or only
    the writes when `reads` says so."""
    return [
        (name, method, url)
        for name, (url, methods) in _api_urls(world).items()
        for method in methods
        if reads is None or (method == "GET") == reads
    ]


def test_anonymous_api_caller_is_refused_with_the_error_body(world):
    before = db_fingerprint()

    for name, method, url in _api_each(world):
        response = _api_call(APIClient(), method, url)

        assert response.status_code in (401, 403), (method, name)
        assert set(response.json()) == {"error"}
    assert db_fingerprint() == before


def test_portal_user_session_is_refused_by_the_api(world):
    client = APIClient()
    client.force_login(world.users["portal-admin"])
    before = db_fingerprint()

    for name, method, url in _api_each(world):
        assert _api_call(client, method, url).status_code == 403, (method, name)
    assert db_fingerprint() == before


def test_partner_key_reaches_only_the_partner_endpoints_and_only_reads(world):
    client = _partner_client([DIRECTORY_READ, STATS_READ, PEOPLE_READ])
    before = db_fingerprint()

    for name, method, url in _api_each(world):
        response = _api_call(client, method, url)

        if name in PARTNER_ROUTES and method == "GET":
            assert response.status_code == 200, (method, name)
        else:
            assert response.status_code in (403, 405), (method, name)
    assert db_fingerprint() == before


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_staff_cannot_write_through_the_api(world, role):
    client = APIClient()
    client.force_login(world.users[role])
    before = db_fingerprint()

    for name, method, url in _api_each(world, reads=False):
        response = _api_call(client, method, url, {"note": "x", "end_date": "2025-01-01"})

        assert response.status_code == 403, (method, name)
    assert db_fingerprint() == before


@pytest.mark.parametrize("role", StaffRole.values)
def test_every_staff_role_reads_the_api(world, role):
    client = APIClient()
    client.force_login(world.users[role])

    for name, _method, url in _api_each(world, reads=True):
        assert client.get(url).status_code == 200, name


def test_partner_directory_never_carries_personal_or_private_data(world):
    client = _partner_client([DIRECTORY_READ])
    Membership.objects.filter(organization=world.org).update(status=Membership.Status.ACTIVE)
    world.org.tax_id, world.org.email, world.org.phone = "20123456789", "gerencia@coop.pe", "+51987000111"
    world.org.save(update_fields=["tax_id", "email", "phone"])

    body = client.get(reverse("api-v1:directory-organization-list")).content.decode()
    detail = client.get(reverse("api-v1:directory-organization-detail", args=[world.org.pk])).content.decode()

    assert "Cooperativa Revisada" in body
    for text in (body, detail):
        for private in ("Quispe", "rosa@coop.pe", "20123456789", "gerencia@coop.pe", "+51987000111", "tax_id"):
            assert private not in text


ODD_API_PARAMS = [
    {"cursor": "abc"},
    {"cursor": "%%%"},
    {"page_size": "abc"},
    {"page_size": HUGE},
    {"page_size": "-1"},
    {"ordering": ";drop"},
    {"search": "'\"<x>%_\\"},
    {"country": "ZZ,,", "kind": "nope", "product": "nope", "membership_status": "nope", "certification_status": "x"},
    {"organization": "abc", "person": HUGE, "role": "nope", "current": "maybe"},
    {"organization": HUGE, "year": HUGE, "status": "nope"},
    {"organization": "1e30", "year": "1e400", "preferred_language": "xx"},
    {"group_by": "nope", "year": "abc"},
    {"group_by": ",,,", "year": HUGE, "country": "ZZ", "product": "nope"},
    {"search": "a\x00b", "country": "P\x00E", "product": "c\x00", "kind": "\x00", "cursor": "\x00"},
    {
        "organization": "1\x00",
        "role": "\x00",
        "status": "\x00",
        "group_by": "country\x00",
        "preferred_language": "\x00",
    },
]


def test_odd_query_parameters_never_break_an_endpoint(world):
    client = APIClient()
    client.force_login(world.users[StaffRole.ADMIN])

    for name, _method, url in _api_each(world, reads=True):
        for params in ODD_API_PARAMS:
            response = client.get(url, params)

            assert response.status_code < 500, (name, params)
            if response.status_code >= 400:
                assert set(response.json()) == {"error"}


GARBAGE_JSON = {
    "kind": "nope",
    "name": "",
    "country": "ZZ",
    "parent": "abc",
    "flo_id": "x" * 50,
    "latitude": "north",
    "longitude": HUGE,
    "products": ["nope"],
    "founding_year": HUGE,
    "languages": "es",
    "first_name": None,
    "birth_year": -(10**20),
    "email": "not-an-email",
    "person": HUGE,
    "organization": "abc",
    "role": "nope",
    "start_date": "2024-02-30",
    "end_date": "never",
    "note": None,
}
API_GARBAGE_PAYLOADS = [
    GARBAGE_JSON,
    {},
    [],
    "text",
    {"founding_year": 10**20, "birth_year": 10**20},
    # Looked up by text: PostgreSQL cannot compare text holding a NUL.
    {"country": "P\x00E", "products": ["c\x00"], "first_name": "a\x00"},
]


def test_garbage_sent_to_a_write_endpoint_is_a_400_and_changes_nothing(world):
    client = APIClient()
    client.force_login(world.users[StaffRole.ADMIN])

    for (name, method, url), payload in itertools.product(_api_each(world, reads=False), API_GARBAGE_PAYLOADS):
        before = db_fingerprint()

        response = _api_call(client, method, url, payload)

        assert response.status_code < 500, (method, name, payload)
        # Approving needs no input (the note is optional), nor does a PATCH that changes nothing.
        if name != "api-v1:yearly-report-approve" and not (method == "PATCH" and payload == {}):
            assert response.status_code == 400, (method, name, payload, response.content)
            assert set(response.json()) == {"error"}
            assert db_fingerprint() == before


def test_huge_ids_in_api_urls_are_400(world):
    # Past what the database stores: a 400 naming the id, like the same id in a query (issue 12).
    client = APIClient()
    client.force_login(world.users[StaffRole.ADMIN])

    for path in ("directory/organizations", "organizations", "people", "affiliations", "yearly-reports"):
        response = client.get(f"/api/v1/{path}/{HUGE}/")
        assert response.status_code == 400, path
        assert response.json()["error"]["code"] == "invalid"
        assert "id" in response.json()["error"]["details"]


# --- Query counts not covered elsewhere ---------------------------------------------------


def _expiring(count: int) -> None:
    today = timezone.localdate()
    for index in range(count):
        organization = OrganizationFactory()
        MembershipFactory(organization=organization)
        CertificationFactory(organization=organization, cycle_end=today + datetime.timedelta(days=5 + index % 50))


def test_expiring_certifications_page_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    client.force_login(world.users[StaffRole.VIEWER])
    url = reverse("members:certification_expiring")
    _expiring(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _expiring(30)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["certifications"]) >= 33


def _affiliations(count: int) -> None:
    organization = OrganizationFactory()
    for _index in range(count):
        AffiliationFactory(organization=organization)


def test_affiliation_list_endpoint_query_count_does_not_grow(world, django_assert_max_num_queries):
    client = APIClient()
    client.force_login(world.users[StaffRole.VIEWER])
    url = reverse("api-v1:affiliation-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"page_size": 100}).status_code == 200
    _affiliations(30)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"page_size": 100})
    assert len(response.json()["results"]) >= 33


def test_person_page_query_count_does_not_grow_with_affiliations_and_consents(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.users[StaffRole.VIEWER])
    url = reverse("members:person_detail", args=[world.person.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _index in range(15):
        AffiliationFactory(person=world.person, end_date=datetime.date(2023, 1, 1))
    for channel in Consent.Channel.values:
        Consent.objects.create(
            person=world.person, channel=channel, granted=True, method=Consent.Method.PAPER, given_at=timezone.now()
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["affiliations"]) == 16


def test_report_review_page_query_count_does_not_grow_with_lines_and_events(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.users[StaffRole.VIEWER])
    url = reverse("members:report_detail", args=[world.report.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for product in Product.objects.all()[:8]:
        YearlyReportProduct.objects.create(
            report=world.report,
            product=product,
            volume_produced=Decimal(100),
            volume_sold_fairtrade=Decimal(50),
            volume_sold_other=Decimal(10),
        )
    for category in PremiumUse.Category.values:
        PremiumUse.objects.create(report=world.report, category=category, amount=Decimal(10))
    for _index in range(10):
        YearlyReportEvent.objects.create(
            report=world.report, action=YearlyReportEvent.Action.COMMENTED, note="ok", actor=world.users["admin"]
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_portal_profile_query_count_does_not_grow_with_proposals_and_certificates(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.users["portal-viewer"])
    url = reverse("members_portal:profile")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for field_name in ("flo_id", "country", "kind"):
        OrganizationChangeProposal.objects.create(
            organization=world.org, field=field_name, proposed_value="x", status="rejected"
        )
    CertificationFactory(organization=world.org, standard=Certification.Standard.HL)

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", StaffRole.values)
def test_exchange_rate_pages_open_to_rate_keepers_only(client, world, role):
    client.force_login(world.users[role])
    before = db_fingerprint()

    for route, method in _each(DASHBOARD_ROUTES, {RATE_KEEPER}):
        response = _call(client, method, route.url(world))

        expected = {200} if role in RATE_KEEPERS else {403}
        assert response.status_code in expected, (method, route.name, role)
    assert db_fingerprint() == before
