"""The support-funds staff API: finance and admin read and decide, M&E officers read, every other
role, portal users, partner keys and anonymous callers are refused; a decision over the budget
is a 400 that changes nothing; the lists cost a constant number of queries."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from clac.roles import PortalRole, StaffRole
from communications.services import api_key_create
from finance.api import support as api_support
from finance.models import SupportApplication
from tests.factories import ExternalPartnerFactory, PortalAccessFactory, UserFactory
from tests.finance.support_factories import member, open_call, submitted

pytestmark = pytest.mark.django_db
READERS = {StaffRole.ADMIN, StaffRole.FINANCE, StaffRole.ME_OFFICER}
DECIDERS = {StaffRole.ADMIN, StaffRole.FINANCE}


@pytest.fixture
def world(db):
    call = open_call(budget="5000.00")
    application = submitted(call, member(), amount="4000.00")
    users = {role: UserFactory(username=f"api-{role}", roles=[role], language="en") for role in StaffRole}
    users["portal"] = UserFactory(username="api-portal", language="en")
    PortalAccessFactory(user=users["portal"], organization=application.organization, role=PortalRole.ADMIN)
    return call, application, users


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _partner() -> APIClient:
    _key, raw = api_key_create(
        partner=ExternalPartnerFactory(name="P"), name="p", scopes=["directory:read", "stats:read"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _urls(call, application):
    return {
        "support-call-list": reverse("api-v1:support-call-list"),
        "support-call-detail": reverse("api-v1:support-call-detail", kwargs={"pk": call.pk}),
        "support-application-list": reverse("api-v1:support-application-list") + f"?call={call.pk}",
        "support-application-detail": reverse("api-v1:support-application-detail", kwargs={"pk": application.pk}),
    }


def test_every_route_is_walked_here():
    walked = {
        "support-call-list",
        "support-call-detail",
        "support-application-list",
        "support-application-detail",
        "support-application-approve",
        "support-application-reject",
        # Walked in tests/finance/test_support_api_workflow.py.
        "support-application-scores",
        "support-application-tranches",
        "support-application-tranche-pay",
        "support-application-report-review",
    }
    assert {name.removeprefix("api-v1:") for name in api_support.ACCESS} == walked


def test_reads_are_for_finance_admin_and_me_only(world):
    call, application, users = world
    for url in _urls(call, application).values():
        for role in StaffRole:
            assert _api(users[role]).get(url).status_code == (200 if role in READERS else 403), (url, role)
        assert _api(users["portal"]).get(url).status_code == 403
        assert _partner().get(url).status_code == 403
        assert APIClient().get(url).status_code in (401, 403)


def test_decisions_are_for_finance_and_admin_and_the_budget_cap_holds(world):
    call, application, users = world
    approve = reverse("api-v1:support-application-approve", kwargs={"pk": application.pk})
    reject = reverse("api-v1:support-application-reject", kwargs={"pk": application.pk})
    for role in set(StaffRole) - DECIDERS:
        assert _api(users[role]).post(approve, {"amount_usd": "10"}).status_code == 403
        assert _api(users[role]).post(reject, {"reason": "x"}).status_code == 403
    assert _partner().post(approve, {"amount_usd": "10"}).status_code == 403
    other = submitted(call, member(name="Otra"), amount="2000.00")
    api = _api(users[StaffRole.FINANCE])
    approved = api.post(approve, {"amount_usd": "4000.00"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert {"scores", "tranches"} <= set(approved.json())  # the whole application, as its detail shows it
    url = reverse("api-v1:support-application-approve", kwargs={"pk": other.pk})
    response = api.post(url, {"amount_usd": "2000.00"})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == SupportApplication.Status.SUBMITTED
    response = api.post(reverse("api-v1:support-application-reject", kwargs={"pk": other.pk}), {"reason": "Sin fondos"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert SupportApplication.objects.get(pk=application.pk).approved_usd == Decimal("4000.00")


def test_the_lists_cost_a_constant_number_of_queries(world, django_assert_max_num_queries):
    call, _application, users = world
    for index in range(15):
        submitted(open_call(), member(name=f"Extra {index}"))
        submitted(call, member(name=f"Más {index}"), amount="1500.00")
    api = _api(users[StaffRole.FINANCE])
    with django_assert_max_num_queries(8):
        assert api.get(reverse("api-v1:support-call-list")).status_code == 200
    with django_assert_max_num_queries(8):
        assert api.get(reverse("api-v1:support-application-list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert api.get(reverse("api-v1:support-call-detail", kwargs={"pk": call.pk})).status_code == 200
