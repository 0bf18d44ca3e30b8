"""Every dues page walked with real records: the finance and admin roles reach them; other
staff roles, portal users, anonymous visitors are refused; a portal user sees only their own
organization's invoices (404 for another's); bad input changes nothing; lists cost a constant
number of queries."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from clac.models import Job
from clac.plugins import ACCESS_API, ACCESS_PORTAL, ACCESS_STAFF_ROLES
from clac.roles import PortalRole, StaffRole
from communications.services import api_key_create
from finance.api import dues as api_dues
from finance.models import DuesInvoice
from finance.portal import dues as portal_dues
from finance.services.dues import dues_payment_record
from finance.views import dues as views_dues
from tests.factories import ExternalPartnerFactory, PortalAccessFactory, UserFactory
from tests.finance.dues_factories import invoice, member, policy_with_rules

pytestmark = pytest.mark.django_db
ALLOWED = (StaffRole.ADMIN, StaffRole.FINANCE)


@pytest.fixture
def world(db) -> dict[str, Any]:
    policy = policy_with_rules()
    own = member("Cooperativa Propia").organization
    other = member("Cooperativa Ajena").organization
    own_invoice = invoice(policy, own, "500.00")
    other_invoice = invoice(policy, other, "700.00")
    dues_payment_record(
        organization=own, received_on=datetime.date(2025, 2, 1), amount=Decimal("100"), currency="USD", actor=None
    )
    empty_policy = policy_with_rules(2027, datetime.date(2027, 3, 31))
    users = {role: UserFactory(username=f"d-{role}", roles=[role], language="en") for role in StaffRole}
    for name, organization, role in (
        ("portal-viewer", own, PortalRole.VIEWER),
        ("portal-admin", own, PortalRole.ADMIN),
        ("portal-other", other, PortalRole.ADMIN),
    ):
        users[name] = UserFactory(username=f"d-{name}", language="en")
        PortalAccessFactory(user=users[name], organization=organization, role=role)
    return {
        "policy": policy,
        "empty_policy": empty_policy,
        "rule": empty_policy.rules.first(),
        "own": own,
        "invoice": own_invoice,
        "other_invoice": other_invoice,
        "users": users,
    }


def fingerprint() -> dict[str, int]:
    tables = sorted(m._meta.db_table for m in apps.get_models() if m._meta.app_label == "finance")
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _as(client, user):
    client.force_login(user)
    return client


STAFF_PAGES = {
    "finance:dues_invoice_list": lambda w: {},
    "finance:dues_invoice_export": lambda w: {},
    "finance:dues_ageing": lambda w: {},
    "finance:dues_invoice_detail": lambda w: {"pk": w["invoice"].pk},
    "finance:dues_payment_create": lambda w: {"pk": w["invoice"].pk},
    "finance:dues_invoice_adjust": lambda w: {"pk": w["invoice"].pk},
    "finance:dues_payment_list": lambda w: {},
    "finance:dues_account": lambda w: {"org_pk": w["own"].pk},
    "finance:dues_account_payment": lambda w: {"org_pk": w["own"].pk},
    "finance:dues_policy_list": lambda w: {},
    "finance:dues_policy_detail": lambda w: {"pk": w["empty_policy"].pk},
    "finance:dues_rule_edit": lambda w: {"pk": w["empty_policy"].pk, "rule": w["rule"].pk},
}
STAFF_POST_ONLY = {
    "finance:dues_rule_delete": lambda w: {"pk": w["empty_policy"].pk, "rule": w["rule"].pk},
    "finance:dues_invoices_generate": lambda w: {"pk": w["empty_policy"].pk},
}
PORTAL_PAGES = {
    "finance_portal:dues_home": lambda w: {},
    "finance_portal:dues_invoice_detail": lambda w: {"pk": w["invoice"].pk},
    "finance_portal:dues_invoice_print": lambda w: {"pk": w["invoice"].pk},
    "finance_portal:dues_invoice_pdf": lambda w: {"pk": w["invoice"].pk},
}


def test_every_route_of_the_area_is_walked_here():
    declared = {**views_dues.ACCESS, **portal_dues.ACCESS, **api_dues.ACCESS}
    assert set(declared) == {*STAFF_PAGES, *STAFF_POST_ONLY, *PORTAL_PAGES, *(f"api-v1:{n}" for n in API_ROUTES)}
    assert {n for n, level in declared.items() if level == ACCESS_API} == {f"api-v1:{n}" for n in API_ROUTES}
    assert {n for n, level in declared.items() if level == ACCESS_STAFF_ROLES} == {*STAFF_PAGES, *STAFF_POST_ONLY}
    assert {n for n, level in declared.items() if level == ACCESS_PORTAL} == set(PORTAL_PAGES)


@pytest.mark.parametrize("name", sorted(STAFF_PAGES))
def test_finance_and_admin_open_staff_pages_and_everyone_else_is_refused(client, world, name):
    url = reverse(name, kwargs=STAFF_PAGES[name](world))
    for role in StaffRole:
        expected = 200 if role in ALLOWED else 403
        assert _as(client, world["users"][role]).get(url).status_code == expected, role
    assert _as(client, world["users"]["portal-admin"]).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("name", sorted({**STAFF_PAGES, **STAFF_POST_ONLY}))
def test_other_roles_cannot_post_and_nothing_changes(client, world, name):
    url = reverse(name, kwargs={**STAFF_PAGES, **STAFF_POST_ONLY}[name](world))
    before = fingerprint()
    data = {"amount": "100", "currency": "USD", "received_on": "2025-02-02", "kind": "waiver", "reason": "x"}
    data.update(confirm="1", year="2030", due_date="2030-03-31", position="1", basis="none")
    for user in [world["users"][r] for r in StaffRole if r not in ALLOWED] + [world["users"]["portal-admin"]]:
        assert _as(client, user).post(url, data).status_code == 403
    client.logout()
    assert client.post(url, data).status_code == 302
    assert fingerprint() == before


@pytest.mark.parametrize("name", sorted(PORTAL_PAGES))
def test_every_user_of_the_organization_reads_its_dues_and_others_are_refused(client, world, name):
    url = reverse(name, kwargs=PORTAL_PAGES[name](world))
    for user in ("portal-viewer", "portal-admin"):
        response = _as(client, world["users"][user]).get(url)
        assert response.status_code == 200
        assert "Cooperativa Ajena" not in response.content.decode(errors="replace")
    client.logout()
    assert client.get(url).status_code == 302


def test_an_invoice_of_another_organization_is_a_404_in_the_portal(client, world):
    for name in ("dues_invoice_detail", "dues_invoice_print", "dues_invoice_pdf"):
        name = f"finance_portal:{name}"
        url = reverse(name, kwargs={"pk": world["other_invoice"].pk})
        assert _as(client, world["users"]["portal-admin"]).get(url).status_code == 404


def test_the_portal_home_shows_balance_payments_and_invoices(client, world):
    response = _as(client, world["users"]["portal-viewer"]).get(reverse("finance_portal:dues_home"))
    body = response.content.decode()
    assert "400.00 USD" in body and world["invoice"].number in body and world["other_invoice"].number not in body


# --- Writes through the pages ------------------------------------------------------------------


def test_recording_a_payment_allocates_it_and_bad_input_changes_nothing(client, world):
    url = reverse("finance:dues_payment_create", kwargs={"pk": world["invoice"].pk})
    finance = world["users"][StaffRole.FINANCE]
    before = fingerprint()
    response = _as(client, finance).post(url, {"amount": "50", "currency": "XYZ", "received_on": "2025-02-02"})
    assert response.status_code == 400 and "currency" in response.context["form"].errors
    response = _as(client, finance).post(url, {"amount": "abc", "currency": "USD", "received_on": "mañana"})
    assert response.status_code == 400
    assert fingerprint() == before
    response = client.post(url, {"amount": "450", "currency": "USD", "received_on": "2025-02-02", "reference": "T-1"})
    assert response.status_code == 302
    world["invoice"].refresh_from_db()
    assert world["invoice"].status == DuesInvoice.Status.PAID
    assert world["own"].dues_payments.get(reference="T-1").credit == Decimal("50.00")


def test_a_write_off_needs_the_confirmation_page(client, world):
    url = reverse("finance:dues_invoice_adjust", kwargs={"pk": world["invoice"].pk})
    admin = world["users"][StaffRole.ADMIN]
    response = _as(client, admin).post(url, {"kind": "write_off", "reason": "Cierre"})
    assert response.status_code == 200 and b'name="confirm"' in response.content
    world["invoice"].refresh_from_db()
    assert world["invoice"].adjusted == 0
    response = client.post(url, {"kind": "write_off", "reason": "Cierre", "confirm": "1"})
    assert response.status_code == 302
    world["invoice"].refresh_from_db()
    assert (world["invoice"].adjusted, world["invoice"].status) == (Decimal("400.00"), DuesInvoice.Status.CLOSED)


def test_rules_of_an_invoiced_year_cannot_be_edited(client, world):
    rule = world["policy"].rules.first()
    url = reverse("finance:dues_rule_edit", kwargs={"pk": world["policy"].pk, "rule": rule.pk})
    before = fingerprint()
    response = _as(client, world["users"][StaffRole.FINANCE]).post(
        url, {"position": "1", "basis": "none", "amount": "1", "per_unit": "0", "minimum": "0"}
    )
    assert response.status_code == 400
    assert fingerprint() == before


def test_issuing_invoices_starts_one_tracked_job(client, world, django_capture_on_commit_callbacks):
    url = reverse("finance:dues_invoices_generate", kwargs={"pk": world["empty_policy"].pk})
    with django_capture_on_commit_callbacks(execute=False):
        _as(client, world["users"][StaffRole.FINANCE]).post(url)
        client.post(url)
    assert Job.objects.filter(kind="finance.dues_invoices_generate").count() == 1


# --- Speed --------------------------------------------------------------------------------------


def test_the_invoice_list_and_ageing_cost_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    policy = policy_with_rules(2024, datetime.date(2024, 3, 31))
    for number in range(30):
        invoice(policy, member(f"Org {number}").organization, "300")
    _as(client, world["users"][StaffRole.FINANCE])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("finance:dues_invoice_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("finance:dues_ageing")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("finance:dues_invoice_export")).status_code == 200


# --- API ----------------------------------------------------------------------------------------

API_ROUTES = {
    "dues-invoice-list": lambda w: {},
    "dues-invoice-detail": lambda w: {"pk": w["invoice"].pk},
    "dues-invoice-ageing": lambda w: {},
    "dues-payment-list": lambda w: {},
}


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _partner() -> APIClient:
    _key, raw = api_key_create(partner=ExternalPartnerFactory(name="Partner D"), name="d", scopes=["stats:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.mark.parametrize("name", sorted(API_ROUTES))
def test_the_api_is_for_finance_and_admin_only_and_refusals_change_nothing(world, name):
    url = reverse(f"api-v1:{name}", kwargs=API_ROUTES[name](world))
    method = "post" if name == "dues-payment-list" else "get"
    data = {"organization": world["own"].pk, "received_on": "2025-02-02", "amount": "10", "currency": "USD"}
    before = fingerprint()
    refused = [_api(world["users"][r]) for r in StaffRole if r not in ALLOWED]
    for client in [*refused, _api(world["users"]["portal-admin"]), _partner()]:
        assert getattr(client, method)(url, data, format="json").status_code == 403, name
    assert getattr(_api(), method)(url, data, format="json").status_code in (401, 403)
    assert fingerprint() == before
    if method == "get":
        for role in ALLOWED:
            assert _api(world["users"][role]).get(url).status_code == 200


def test_the_api_lists_filters_and_records_a_payment_in_another_currency(world):
    from members.models import ExchangeRate

    finance = _api(world["users"][StaffRole.FINANCE])
    listed = finance.get(reverse("api-v1:dues-invoice-list"), {"organization": world["own"].pk}).json()
    assert [row["number"] for row in listed["results"]] == [world["invoice"].number]
    assert listed["results"][0]["balance_usd"] == "400.00"
    assert finance.get(reverse("api-v1:dues-invoice-list"), {"year": "abc"}).status_code == 400
    ExchangeRate.objects.create(currency="PEN", date=datetime.date(2025, 2, 1), usd_per_unit=Decimal("0.25"))
    url = reverse("api-v1:dues-payment-list")
    bad = {"organization": world["own"].pk, "received_on": "2025-02-02", "amount": "10", "currency": "XYZ"}
    before = fingerprint()
    assert finance.post(url, bad, format="json").status_code == 400
    assert fingerprint() == before
    good = {**bad, "currency": "PEN", "amount": "2000.00"}
    response = finance.post(url, good, format="json")
    assert response.status_code == 201
    # 2,000 PEN at 0.25 = 500 USD: 400 settle the invoice, 100 kept as credit.
    assert (response.json()["amount_usd"], response.json()["credit_usd"]) == ("500.00", "100.00")
