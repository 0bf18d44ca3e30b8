"""Every inquiries page and endpoint walked with real records: administrators and the
communications team reach them; finance, coordinators, M&E officers and viewers are refused
(inquiries hold the public's personal data: need to know), as are portal users, every partner
key (whatever its scopes) and anonymous visitors; a refused write changes nothing."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from clac.api.scopes import SCOPES
from clac.plugins import ACCESS_API, ACCESS_PUBLIC, ACCESS_STAFF_ROLES
from clac.roles import PortalRole, StaffRole
from communications.api import inquiries as api_inquiries
from communications.models import InquiryMessage
from communications.services import inquiry_assign, inquiry_reply
from communications.views import inquiries as views_inquiries
from tests.communications.inquiries_helpers import counts, make_inquiry
from tests.factories import ExternalPartnerFactory, PortalAccessFactory, UserFactory

pytestmark = pytest.mark.django_db

ALLOWED = [StaffRole.ADMIN, StaffRole.COMMUNICATIONS]
REFUSED = [StaffRole.FINANCE, StaffRole.COORDINATOR, StaffRole.ME_OFFICER, StaffRole.VIEWER]


@pytest.fixture
def users():
    users = {role: UserFactory(username=f"i-{role}", roles=[role], language="en") for role in StaffRole}
    users["portal"] = UserFactory(username="i-portal", language="en")
    PortalAccessFactory(user=users["portal"], role=PortalRole.ADMIN)
    return users


@pytest.fixture
def inquiry(users):
    inquiry = make_inquiry()
    return inquiry


@pytest.fixture
def failed_reply(users, inquiry):
    reply = inquiry_reply(actor=users[StaffRole.COMMUNICATIONS], inquiry=inquiry, body="Hola")
    InquiryMessage.objects.filter(pk=reply.pk).update(delivery="failed", delivery_error="451")
    return reply


def _routes(inquiry, reply) -> dict[str, tuple[str, str, dict]]:
    """url name → (method, url, a valid POST body)."""
    pk = inquiry.pk
    return {
        "inquiry_list": ("get", reverse("communications:inquiry_list"), {}),
        "inquiry_detail": ("get", reverse("communications:inquiry_detail", args=[pk]), {}),
        "inquiry_assign": ("post", reverse("communications:inquiry_assign", args=[pk]), {}),
        "inquiry_reply": ("post", reverse("communications:inquiry_reply", args=[pk]), {"body": "Respuesta"}),
        "inquiry_note": ("post", reverse("communications:inquiry_note", args=[pk]), {"body": "Nota"}),
        "inquiry_close": ("post", reverse("communications:inquiry_close", args=[pk]), {"note": ""}),
        "inquiry_reopen": ("post", reverse("communications:inquiry_reopen", args=[pk]), {}),
        "inquiry_reply_retry": (
            "post",
            reverse("communications:inquiry_reply_retry", args=[pk, reply.pk]),
            {},
        ),
    }


def test_every_inquiries_route_is_in_the_catalogue_at_the_right_level(inquiry, failed_reply):
    for name in _routes(inquiry, failed_reply):
        assert views_inquiries.ACCESS[f"communications:{name}"] == ACCESS_STAFF_ROLES
    assert views_inquiries.ACCESS["contact:form"] == ACCESS_PUBLIC
    assert views_inquiries.ACCESS["contact:thanks"] == ACCESS_PUBLIC
    assert set(api_inquiries.ACCESS.values()) == {ACCESS_API}


@pytest.mark.parametrize("role", ALLOWED)
def test_handlers_reach_every_page_and_action(client, users, inquiry, failed_reply, role):
    client.force_login(users[role])
    for name, (method, url, data) in _routes(inquiry, failed_reply).items():
        if name == "inquiry_assign":
            data = {"assignee": users[role].pk}
        response = getattr(client, method)(url, data)
        assert response.status_code == (200 if method == "get" else 302), (name, response.status_code)


@pytest.mark.parametrize("who", [*REFUSED, "portal"])
def test_other_staff_roles_and_portal_users_are_refused_and_nothing_changes(client, users, inquiry, failed_reply, who):
    client.force_login(users[who])
    before = counts()
    for name, (method, url, data) in _routes(inquiry, failed_reply).items():
        if name == "inquiry_assign":
            data = {"assignee": users[StaffRole.COMMUNICATIONS].pk}
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (name, response.status_code)
    assert counts() == before
    inquiry.refresh_from_db()
    assert inquiry.status == "answered"


def test_anonymous_visitors_are_sent_to_sign_in(client, inquiry, failed_reply):
    for name, (method, url, data) in _routes(inquiry, failed_reply).items():
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_the_contact_form_is_open_to_everyone_signed_in_or_not(client, users):
    assert client.get(reverse("contact:form")).status_code == 200
    assert client.get(reverse("contact:thanks")).status_code == 200
    client.force_login(users["portal"])
    assert client.get(reverse("contact:form")).status_code == 200


def test_an_unknown_inquiry_is_a_404_for_handlers(client, users):
    client.force_login(users[StaffRole.COMMUNICATIONS])
    assert client.get(reverse("communications:inquiry_detail", args=[987654])).status_code == 404
    assert client.post(reverse("communications:inquiry_note", args=[987654]), {"body": "x"}).status_code == 404


def test_a_reply_of_another_inquiry_cannot_be_retried_through_this_one(client, users, failed_reply):
    other = make_inquiry(email="otra@example.org")
    client.force_login(users[StaffRole.COMMUNICATIONS])
    url = reverse("communications:inquiry_reply_retry", args=[other.pk, failed_reply.pk])
    assert client.post(url).status_code == 404
    failed_reply.refresh_from_db()
    assert failed_reply.delivery == "failed"


# --- API ------------------------------------------------------------------------------------


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize("role", ALLOWED)
def test_handlers_read_inquiries_through_the_api(users, inquiry, role):
    inquiry_assign(actor=users[role], inquiry=inquiry, assignee=users[role])
    client = _api(users[role])
    listed = client.get("/api/v1/inquiries/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [inquiry.pk]
    detail = client.get(f"/api/v1/inquiries/{inquiry.pk}/").json()
    assert detail["email"] == "rosa@example.org"
    assert [entry["kind"] for entry in detail["thread"]] == ["incoming", "event"]
    assert detail["thread"][1]["assignee"]["id"] == users[role].pk


@pytest.mark.parametrize("who", [*REFUSED, "portal"])
def test_other_roles_and_portal_users_cannot_read_inquiries_through_the_api(users, inquiry, who):
    client = _api(users[who])
    assert client.get("/api/v1/inquiries/").status_code == 403
    assert client.get(f"/api/v1/inquiries/{inquiry.pk}/").status_code == 403


def test_no_partner_key_reads_inquiries_whatever_its_scopes(inquiry):
    from communications.services import api_key_create

    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="all", scopes=list(SCOPES))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert client.get("/api/v1/inquiries/").status_code == 403
    assert client.get(f"/api/v1/inquiries/{inquiry.pk}/").status_code == 403


def test_anonymous_clients_cannot_read_inquiries(inquiry):
    assert _api().get("/api/v1/inquiries/").status_code in (401, 403)


def test_inquiries_cannot_be_created_or_deleted_through_the_api(users, inquiry):
    client = _api(users[StaffRole.ADMIN])
    assert client.post("/api/v1/inquiries/", {}).status_code in (403, 405)
    assert client.delete(f"/api/v1/inquiries/{inquiry.pk}/").status_code in (403, 405)
    assert counts() == (1, 1)


def test_api_filters_refuse_bad_values(users, inquiry):
    client = _api(users[StaffRole.COMMUNICATIONS])
    assert client.get("/api/v1/inquiries/?status=lost").status_code == 400
    assert client.get("/api/v1/inquiries/?assignee=99999999999999999999999").status_code == 400
    assert client.get("/api/v1/inquiries/?status=new&language=es").json()["results"][0]["id"] == inquiry.pk


def test_the_api_list_costs_the_same_queries_for_more_inquiries(users, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    handler = users[StaffRole.COMMUNICATIONS]
    client = _api(handler)
    for index in range(3):
        inquiry_assign(actor=handler, inquiry=make_inquiry(email=f"a{index}@example.org"), assignee=handler)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/inquiries/")
    for index in range(30):
        inquiry_assign(actor=handler, inquiry=make_inquiry(email=f"b{index}@example.org"), assignee=handler)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get("/api/v1/inquiries/").json()["results"]) == 33
