"""API authentication and access: partner keys, staff tokens, sessions, and the error body."""

import datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from clac.models import StaffToken
from clac.roles import StaffRole
from clac.services import staff_token_create
from communications.models import ApiKey
from communications.services import api_key_create, api_key_revoke
from members.models import Membership
from tests.factories import ExternalPartnerFactory, MembershipFactory, staff_user

DIRECTORY = "/api/v1/directory/organizations/"
STATISTICS = "/api/v1/statistics/"
STAFF_ORGANIZATIONS = "/api/v1/organizations/"


def partner_key(scopes=("directory:read",), **kwargs) -> tuple[ApiKey, str]:
    return api_key_create(partner=ExternalPartnerFactory(), name="test key", scopes=list(scopes), **kwargs)


def client_with(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "details"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


@pytest.fixture
def member(db):
    return MembershipFactory(status=Membership.Status.ACTIVE).organization


# --- Partner keys ---------------------------------------------------------------------------


def test_partner_key_with_scope_reads_directory(member):
    _key, raw = partner_key()
    response = client_with(f"Api-Key {raw}").get(DIRECTORY)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [member.pk]


def test_partner_key_scheme_name_is_case_insensitive(member):
    _key, raw = partner_key()
    assert client_with(f"api-key {raw}").get(DIRECTORY).status_code == 200


def test_raw_key_is_not_stored_anywhere(db):
    key, raw = partner_key()
    secret = raw.split(".", 1)[1]
    assert key.hashed_key != raw and len(key.hashed_key) == 64
    for row in ApiKey.objects.values():
        assert all(secret not in str(value) for value in row.values())
    # Not in any column, as the database itself stores it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiKey._meta.db_table}")  # noqa: S608
        assert all(secret not in str(value) for row in cursor.fetchall() for value in row)
    assert raw.startswith(key.prefix + ".")


def test_last_used_at_is_recorded(member):
    key, raw = partner_key()
    assert key.last_used_at is None
    client_with(f"Api-Key {raw}").get(DIRECTORY)
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert timezone.now() - key.last_used_at < datetime.timedelta(minutes=1)


def test_revoked_key_is_refused_with_401(member):
    key, raw = partner_key()
    client = client_with(f"Api-Key {raw}")
    assert client.get(DIRECTORY).status_code == 200
    api_key_revoke(api_key=key, actor=None)
    assert_error(client.get(DIRECTORY), 401, "authentication_failed")


def test_expired_key_is_refused_with_401(member):
    key, raw = partner_key(expires_at=timezone.now() + datetime.timedelta(days=1))
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_error(client_with(f"Api-Key {raw}").get(DIRECTORY), 401, "authentication_failed")


@pytest.mark.parametrize("value", ["nodot", "short.secret", "abcd1234.", "Api-Key", "   "])
def test_malformed_key_is_refused_with_401(db, value):
    response = client_with(f"Api-Key {value}").get(DIRECTORY)
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Api-Key"


def test_unknown_key_is_refused_with_401(db):
    _key, raw = partner_key()
    prefix = raw.split(".", 1)[0]
    assert_error(client_with(f"Api-Key {prefix}.not-the-secret").get(DIRECTORY), 401, "authentication_failed")
    assert_error(client_with("Api-Key 00000000.whatever").get(DIRECTORY), 401, "authentication_failed")


def test_key_without_the_scope_gets_403(db):
    _key, raw = partner_key(scopes=["stats:read"])
    assert_error(client_with(f"Api-Key {raw}").get(DIRECTORY), 403, "permission_denied")


def test_directory_key_cannot_read_statistics(db):
    _key, raw = partner_key(scopes=["directory:read"])
    assert_error(client_with(f"Api-Key {raw}").get(STATISTICS), 403, "permission_denied")


def test_partner_key_is_refused_on_staff_endpoints(member):
    _key, raw = partner_key(scopes=["directory:read", "stats:read", "people:read"])
    client = client_with(f"Api-Key {raw}")
    for url in (
        STAFF_ORGANIZATIONS,
        f"{STAFF_ORGANIZATIONS}{member.pk}/",
        "/api/v1/people/",
        "/api/v1/affiliations/",
        "/api/v1/yearly-reports/",
    ):
        assert_error(client.get(url), 403, "permission_denied")


def test_partner_key_cannot_write(member):
    _key, raw = partner_key()
    response = client_with(f"Api-Key {raw}").post(STAFF_ORGANIZATIONS, {"name": "X"}, format="json")
    assert_error(response, 403, "permission_denied")


def test_anonymous_request_gets_401_with_the_error_body(db):
    response = APIClient().get(DIRECTORY)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Api-Key"
    assert_error(APIClient().get(STAFF_ORGANIZATIONS), 401, "not_authenticated")


# --- Staff tokens and sessions ------------------------------------------------------------


def test_staff_token_acts_with_the_users_roles(member):
    viewer = staff_user(StaffRole.VIEWER)
    _token, raw = staff_token_create(user=viewer, name="script")
    client = client_with(f"Token {raw}")
    assert client.get(STAFF_ORGANIZATIONS).status_code == 200
    assert client.get(DIRECTORY).status_code == 200
    # A viewer reads but does not write.
    response = client.patch(f"{STAFF_ORGANIZATIONS}{member.pk}/", {"name": "Renamed"}, format="json")
    assert_error(response, 403, "permission_denied")
    member.refresh_from_db()
    assert member.name != "Renamed"


def test_staff_token_of_an_editor_can_write(member):
    editor = staff_user(StaffRole.ME_OFFICER)
    _token, raw = staff_token_create(user=editor, name="script")
    response = client_with(f"Token {raw}").patch(
        f"{STAFF_ORGANIZATIONS}{member.pk}/", {"name": "Renamed"}, format="json"
    )
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert member.name == "Renamed"


def test_revoked_staff_token_is_refused(db):
    user = staff_user(StaffRole.ADMIN)
    token, raw = staff_token_create(user=user, name="script")
    StaffToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert_error(client_with(f"Token {raw}").get(STAFF_ORGANIZATIONS), 401, "authentication_failed")


def test_token_of_a_user_who_lost_all_roles_is_refused_with_403(db):
    user = staff_user(StaffRole.ADMIN)
    _token, raw = staff_token_create(user=user, name="script")
    user.groups.clear()
    assert_error(client_with(f"Token {raw}").get(STAFF_ORGANIZATIONS), 403, "permission_denied")


def test_token_of_a_deactivated_user_is_refused_with_401(db):
    user = staff_user(StaffRole.ADMIN)
    _token, raw = staff_token_create(user=user, name="script")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_error(client_with(f"Token {raw}").get(STAFF_ORGANIZATIONS), 401, "authentication_failed")


def test_a_partner_key_sent_as_a_staff_token_is_refused(db):
    _key, raw = partner_key()
    assert_error(client_with(f"Token {raw}").get(STAFF_ORGANIZATIONS), 401, "authentication_failed")


def test_staff_session_reads_staff_endpoints(admin_user):
    client = APIClient()
    client.force_login(admin_user)
    assert client.get(STAFF_ORGANIZATIONS).status_code == 200


def test_portal_user_session_is_refused_on_staff_and_partner_endpoints(portal_editor):
    client = APIClient()
    client.force_login(portal_editor)
    for url in (STAFF_ORGANIZATIONS, "/api/v1/people/", "/api/v1/yearly-reports/", DIRECTORY, STATISTICS):
        assert_error(client.get(url), 403, "permission_denied")


# --- The error body for each status ---------------------------------------------------------


def test_bad_filter_value_gives_400_with_details(db):
    _key, raw = partner_key()
    error = assert_error(client_with(f"Api-Key {raw}").get(DIRECTORY, {"kind": "bogus"}), 400, "invalid")
    assert "kind" in error["details"]


def test_unknown_object_gives_404_with_the_error_body(db):
    _key, raw = partner_key()
    assert_error(client_with(f"Api-Key {raw}").get(f"{DIRECTORY}999999/"), 404, "not_found")


def test_unknown_api_path_gives_404_with_the_error_body(db):
    assert_error(APIClient().get("/api/v1/no-such-thing/"), 404, "not_found")


def test_method_not_allowed_gives_405_with_the_error_body(admin_user, member):
    client = APIClient()
    client.force_login(admin_user)
    assert_error(client.delete(f"{STAFF_ORGANIZATIONS}{member.pk}/"), 405, "method_not_allowed")


def test_throttling_gives_429_with_the_error_body(member):
    cache.clear()
    _key, raw = partner_key()
    _other_key, other_raw = partner_key()
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"per_key": "2/minute"}}
    try:
        with override_settings(REST_FRAMEWORK=rest):
            client = client_with(f"Api-Key {raw}")
            assert client.get(DIRECTORY).status_code == 200
            assert client.get(DIRECTORY).status_code == 200
            response = client.get(DIRECTORY)
            error = assert_error(response, 429, "throttled")
            assert error["details"]["retry_after"] > 0
            assert int(response["Retry-After"]) > 0
            # The budget is per key: another partner's key still works.
            assert client_with(f"Api-Key {other_raw}").get(DIRECTORY).status_code == 200
    finally:
        cache.clear()
