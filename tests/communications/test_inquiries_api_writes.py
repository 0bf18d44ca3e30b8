"""Handling an inquiry through the staff API as from the dashboard: assign, reply by e-mail
(after commit, in the inquiry's language), add a note, close, reopen. Administrators and the
communications team only; every other staff role, portal users, partner keys whatever their
scopes and anonymous clients are refused and change nothing; bad input is a 400 with the
field's message and changes nothing."""

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from clac.api.scopes import SCOPES
from clac.plugins import ACCESS_API, access_catalogue
from clac.roles import PortalRole, StaffRole
from communications.models import Inquiry, InquiryMessage
from communications.services import api_key_create, inquiry_assign, inquiry_close
from tests.communications.inquiries_helpers import counts, make_inquiry
from tests.factories import ExternalPartnerFactory, PortalAccessFactory, UserFactory

pytestmark = pytest.mark.django_db

ALLOWED = [StaffRole.ADMIN, StaffRole.COMMUNICATIONS]
REFUSED = [StaffRole.FINANCE, StaffRole.COORDINATOR, StaffRole.ME_OFFICER, StaffRole.VIEWER]
ACTIONS = ("assign", "reply", "notes", "close", "reopen")


@pytest.fixture
def users():
    users = {role: UserFactory(username=f"w-{role}", roles=[role], language="en") for role in StaffRole}
    users["portal"] = UserFactory(username="w-portal", language="en")
    PortalAccessFactory(user=users["portal"], role=PortalRole.ADMIN)
    return users


@pytest.fixture
def camila(users):
    return users[StaffRole.COMMUNICATIONS]


@pytest.fixture
def inquiry():
    return make_inquiry(language="pt-br", name="Ana Souza", email="ana@example.org", message="Como ser membro?")


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _url(inquiry: Inquiry, action: str) -> str:
    return reverse(f"api-v1:inquiry-{action}", args=[inquiry.pk])


def _bodies(users) -> dict[str, dict]:
    """A valid body for each action."""
    return {
        "assign": {"assignee": users[StaffRole.COMMUNICATIONS].pk},
        "reply": {"body": "Olá!"},
        "notes": {"body": "Nota"},
        "close": {"note": ""},
        "reopen": {},
    }


def _state(inquiry: Inquiry) -> tuple:
    inquiry.refresh_from_db()
    return inquiry.status, inquiry.assignee_id, inquiry.closed_at, counts()


def _thread(inquiry: Inquiry) -> list[tuple]:
    return list(
        InquiryMessage.objects.filter(inquiry=inquiry)
        .order_by("created_at", "id")
        .values_list("kind", "author__username", "status_to", "assignee__username", "body")
    )


def test_the_routes_follow_the_list_and_are_in_the_catalogue(inquiry):
    catalogue = access_catalogue()
    for action in ACTIONS:
        assert _url(inquiry, action) == f"/api/v1/inquiries/{inquiry.pk}/{action}/"
        assert catalogue[f"api-v1:inquiry-{action}"] == ACCESS_API


# --- Assign ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALLOWED)
def test_a_handler_assigns_an_inquiry_and_the_thread_says_who(users, inquiry, role):
    actor, assignee = users[role], users[StaffRole.COMMUNICATIONS]
    response = _api(actor).post(_url(inquiry, "assign"), {"assignee": assignee.pk}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["assignee"]["id"]) == ("assigned", assignee.pk)
    assert body["thread"][-1]["kind"] == "event"
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.assignee) == ("assigned", assignee)
    assert _thread(inquiry)[-1] == ("event", actor.username, "assigned", assignee.username, "")


@pytest.mark.parametrize(
    "assignee",
    ["finance", "inactive", 987654321, 99999999999999999999, None, "abc"],
    ids=["other-role", "inactive", "unknown", "out-of-range", "null", "not-an-id"],
)
def test_an_inquiry_goes_only_to_an_active_handler(users, camila, inquiry, assignee):
    if assignee == "finance":
        assignee = users[StaffRole.FINANCE].pk
    elif assignee == "inactive":
        assignee = UserFactory(username="w-gone", roles=[StaffRole.COMMUNICATIONS], is_active=False).pk
    before = _state(inquiry)
    response = _api(camila).post(_url(inquiry, "assign"), {"assignee": assignee}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["assignee"] == [
        "Choose an active member of the communications team or an administrator."
    ]
    assert _state(inquiry) == before


def test_assign_without_an_assignee_is_refused(camila, inquiry):
    before = _state(inquiry)
    response = _api(camila).post(_url(inquiry, "assign"), {}, format="json")
    assert response.status_code == 400
    assert "assignee" in response.json()["error"]["details"]
    assert _state(inquiry) == before


def test_a_closed_inquiry_cannot_be_assigned(camila, inquiry):
    inquiry_close(actor=camila, inquiry=inquiry)
    before = _state(inquiry)
    response = _api(camila).post(_url(inquiry, "assign"), {"assignee": camila.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["assignee"] == ["This inquiry is closed; reopen it first."]
    assert _state(inquiry) == before


# --- Reply ----------------------------------------------------------------------------------


def test_a_reply_is_stored_then_emailed_after_commit_in_the_inquirys_language(
    camila, inquiry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _api(camila).post(_url(inquiry, "reply"), {"body": "Olá! Veja os requisitos."}, format="json")
        # Nothing leaves before the commit.
        assert not [m for m in mail.outbox if "Re:" in m.subject]
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "answered"
    assert (body["thread"][-1]["kind"], body["thread"][-1]["delivery"]) == ("reply", "queued")
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the reply's task runs (eagerly in tests)
    reply = InquiryMessage.objects.get(inquiry=inquiry, kind="reply")
    assert (reply.author, reply.body, reply.delivery) == (camila, "Olá! Veja os requisitos.", "sent")
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.assignee) == ("answered", camila)
    replies = [m for m in mail.outbox if m.to == ["ana@example.org"] and "Re:" in m.subject]
    assert len(replies) == 1
    assert "referência" in replies[0].subject  # Portuguese, the inquiry's language
    assert "Olá! Veja os requisitos." in replies[0].body


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "   "}, {}, {"body": "x" * 10_001}], ids=str)
def test_an_empty_or_too_long_reply_is_refused_and_nothing_is_sent(
    camila, inquiry, body, django_capture_on_commit_callbacks
):
    before = _state(inquiry)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _api(camila).post(_url(inquiry, "reply"), body, format="json")
    assert response.status_code == 400
    assert "body" in response.json()["error"]["details"]
    assert _state(inquiry) == before
    assert callbacks == []
    assert not [m for m in mail.outbox if "Re:" in m.subject]


def test_a_closed_inquiry_cannot_be_answered(camila, inquiry, django_capture_on_commit_callbacks):
    inquiry_close(actor=camila, inquiry=inquiry)
    before = _state(inquiry)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _api(camila).post(_url(inquiry, "reply"), {"body": "Tarde"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["body"] == ["This inquiry is closed; reopen it first."]
    assert _state(inquiry) == before
    assert callbacks == []


# --- Notes ----------------------------------------------------------------------------------


def test_a_note_joins_the_thread_and_is_not_emailed(camila, inquiry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _api(camila).post(_url(inquiry, "notes"), {"body": "Ver con la red de Brasil."}, format="json")
    assert response.status_code == 200
    assert response.json()["thread"][-1]["kind"] == "note"
    assert _thread(inquiry)[-1] == ("note", camila.username, "", None, "Ver con la red de Brasil.")
    assert callbacks == []
    inquiry.refresh_from_db()
    assert inquiry.status == "new"


@pytest.mark.parametrize("body", [{"body": " "}, {}, {"body": "x" * 10_001}], ids=str)
def test_an_empty_or_too_long_note_is_refused(camila, inquiry, body):
    before = _state(inquiry)
    response = _api(camila).post(_url(inquiry, "notes"), body, format="json")
    assert response.status_code == 400
    assert "body" in response.json()["error"]["details"]
    assert _state(inquiry) == before


# --- Close and reopen -----------------------------------------------------------------------


def test_closing_and_reopening_are_dated_and_attributed(camila, inquiry):
    inquiry_assign(actor=camila, inquiry=inquiry, assignee=camila)
    client = _api(camila)
    response = client.post(_url(inquiry, "close"), {"note": "Respondido por teléfono."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    inquiry.refresh_from_db()
    assert inquiry.status == "closed" and inquiry.closed_at is not None
    assert _thread(inquiry)[-1] == ("event", camila.username, "closed", None, "Respondido por teléfono.")

    response = client.post(_url(inquiry, "reopen"))
    assert response.status_code == 200
    assert response.json()["status"] == "assigned"
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.closed_at) == ("assigned", None)
    assert _thread(inquiry)[-1] == ("event", camila.username, "assigned", None, "")


def test_closing_without_a_body_closes_with_no_note(camila, inquiry):
    assert _api(camila).post(_url(inquiry, "close")).status_code == 200
    inquiry.refresh_from_db()
    assert inquiry.status == "closed"


def test_a_closed_inquiry_cannot_be_closed_again(camila, inquiry):
    inquiry_close(actor=camila, inquiry=inquiry)
    before = _state(inquiry)
    response = _api(camila).post(_url(inquiry, "close"), {"note": "otra vez"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["status"] == ["This inquiry is already closed."]
    assert _state(inquiry) == before


def test_a_too_long_closing_note_is_refused(camila, inquiry):
    before = _state(inquiry)
    response = _api(camila).post(_url(inquiry, "close"), {"note": "x" * 1001}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()["error"]["details"]
    assert _state(inquiry) == before


def test_an_open_inquiry_cannot_be_reopened(camila, inquiry):
    before = _state(inquiry)
    response = _api(camila).post(_url(inquiry, "reopen"))
    assert response.status_code == 400
    assert response.json()["error"]["details"]["status"] == ["Only a closed inquiry can be reopened."]
    assert _state(inquiry) == before


def test_errors_come_in_the_callers_language(users, inquiry):
    spanish = UserFactory(username="w-es", roles=[StaffRole.COMMUNICATIONS], language="es")
    response = _api(spanish).post(_url(inquiry, "reopen"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["status"] == ["Solo una consulta cerrada puede reabrirse."]


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [*REFUSED, "portal"])
def test_other_staff_roles_and_portal_users_are_refused_and_nothing_changes(
    users, inquiry, who, django_capture_on_commit_callbacks
):
    client = _api(users[who])
    before = _state(inquiry)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for action, body in _bodies(users).items():
            response = client.post(_url(inquiry, action), body, format="json")
            assert response.status_code == 403, (action, response.status_code)
    assert _state(inquiry) == before
    assert callbacks == []


def test_no_partner_key_handles_inquiries_whatever_its_scopes(users, inquiry):
    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="all", scopes=list(SCOPES))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    before = _state(inquiry)
    for action, body in _bodies(users).items():
        assert client.post(_url(inquiry, action), body, format="json").status_code == 403, action
    assert _state(inquiry) == before


def test_anonymous_clients_are_refused(users, inquiry):
    before = _state(inquiry)
    for action, body in _bodies(users).items():
        assert _api().post(_url(inquiry, action), body, format="json").status_code in (401, 403), action
    assert _state(inquiry) == before


def test_an_unknown_inquiry_is_a_404(camila):
    for action, body in {"notes": {"body": "x"}, "reopen": {}}.items():
        response = _api(camila).post(f"/api/v1/inquiries/987654/{action}/", body, format="json")
        assert response.status_code == 404


def test_reading_an_action_is_not_allowed(camila, inquiry):
    assert _api(camila).get(_url(inquiry, "close")).status_code == 405
    inquiry.refresh_from_db()
    assert inquiry.status == "new"
