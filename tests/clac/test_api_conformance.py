"""What schemathesis found (issue 12, items 12-14), each the way a partner or a script hits it:
integers past 64 bits, the schema's enums, bad paging input, error bodies, one rule for unknown
codes, the API's default language and the bare key in the docs' "Authorize" box."""

import pytest
import yaml
from django.utils import translation
from rest_framework.test import APIClient

from clac.api.filters import ID_MAX
from clac.api.scopes import SCOPES
from clac.roles import StaffRole
from clac.services import staff_token_create
from communications.services import api_key_create
from members.models import Membership
from tests.factories import ExternalPartnerFactory, MembershipFactory, staff_user

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def partner_client(*, keyword: str = "Api-Key", language: str | None = None) -> APIClient:
    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="test", scopes=list(SCOPES))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {raw}")
    return client


def staff_client(*, keyword: str = "Token", language: str | None = None) -> APIClient:
    _token, raw = staff_token_create(user=staff_user(StaffRole.ADMIN, username="script"), name="script")
    client = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"{keyword} {raw}"}
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    client.credentials(**headers)
    return client


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


# --- Item 12: integers past what the database stores ---------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/people/?organization={HUGE}",
        f"/api/v1/affiliations/?organization={HUGE}",
        f"/api/v1/affiliations/?person={HUGE}",
        f"/api/v1/yearly-reports/?organization={HUGE}",
        f"/api/v1/network-memberships/?network={HUGE}",
        f"/api/v1/governance/seats/?mandate={HUGE}",
        f"/api/v1/meetings/?network={HUGE}",
        f"/api/v1/assembly-delegates/?session={HUGE}",
    ],
)
def test_an_id_past_64_bits_in_a_query_is_a_400_with_the_error_body(url):
    error = error_of(staff_client().get(url), 400)

    assert error["code"] == "invalid"
    (field,) = error["details"]
    assert field in url


@pytest.mark.parametrize("url", ["/api/v1/people/?organization=1.5", "/api/v1/affiliations/?current=banana"])
def test_a_parameter_of_the_wrong_type_is_a_400_not_ignored(url):
    assert error_of(staff_client().get(url), 400)["code"] == "invalid"


def test_an_id_past_64_bits_in_the_path_is_a_400():
    error = error_of(staff_client().get(f"/api/v1/organizations/{HUGE}/"), 400)
    assert "id" in error["details"]


def test_an_id_that_fits_still_filters():
    member = MembershipFactory(status=Membership.Status.ACTIVE).organization
    response = staff_client().get(f"/api/v1/yearly-reports/?organization={member.pk}")
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert staff_client().get(f"/api/v1/yearly-reports/?organization={ID_MAX}").status_code == 200


# --- Item 13: the schema is the API's real behaviour ---------------------------------------


def _schema() -> dict:
    return yaml.safe_load(APIClient().get("/api/schema/").content)


def test_membership_status_enum_in_the_schema_is_the_whole_set():
    schemas = _schema()["components"]["schemas"]

    assert schemas["MembershipStatusEnum"]["enum"] == list(Membership.Status.values)
    # The directory shows only current members: its own, smaller enum.
    assert schemas["DirectoryMembershipStatusEnum"]["enum"] == ["active", "suspended"]


def test_staff_list_with_an_expelled_member_matches_the_schema():
    MembershipFactory(status=Membership.Status.EXPELLED)
    row = staff_client().get("/api/v1/organizations/").json()["results"][0]
    assert row["membership"]["status"] in _schema()["components"]["schemas"]["MembershipStatusEnum"]["enum"]


def test_an_invalid_cursor_is_a_documented_400():
    error = error_of(partner_client().get("/api/v1/directory/organizations/?cursor=not-a-cursor"), 400)
    assert "cursor" in error["details"]
    parameters = _schema()["paths"]["/api/v1/directory/organizations/"]["get"]["parameters"]
    assert "cursor" in {p["name"] for p in parameters}


@pytest.mark.parametrize("size", ["null", "0", "-5", "501", "1.5", ""])
def test_a_page_size_out_of_bounds_is_a_400(size):
    error = error_of(partner_client().get(f"/api/v1/directory/organizations/?page_size={size}"), 400)
    assert "page_size" in error["details"]


def test_the_page_size_bounds_are_in_the_schema():
    parameters = _schema()["paths"]["/api/v1/directory/organizations/"]["get"]["parameters"]
    (page_size,) = [p for p in parameters if p["name"] == "page_size"]
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}


@pytest.mark.parametrize("path", ["/api/v1/governance/seats/1%0A2/", "/api/v1/%0A/", "/api/v1/organizations/%0A/"])
def test_a_path_with_an_encoded_newline_gets_the_json_404(path):
    error_of(staff_client().get(path), 404)


def test_401_and_403_bodies_have_details():
    assert error_of(APIClient().get("/api/v1/directory/organizations/"), 401)["details"] == {}
    assert error_of(partner_client().get("/api/v1/organizations/"), 403)["details"] == {}


@pytest.mark.parametrize("url", ["/api/v1/directory/organizations/?country=ZZ", "/api/v1/statistics/?country=ZZ"])
def test_an_unknown_country_is_a_400_listing_the_allowed_codes_on_both_endpoints(url):
    error = error_of(partner_client().get(url), 400)
    (message,) = error["details"]["country"]
    assert "ZZ" in message
    assert "PE" in message  # the allowed codes are listed


# --- Item 14: language, the docs' key box, scope descriptions ------------------------------


def test_api_errors_are_in_english_without_accept_language():
    error = error_of(APIClient().get("/api/v1/directory/organizations/"), 401)
    assert error["message"] == "Authentication credentials were not provided."


def test_api_errors_follow_accept_language_when_sent():
    response = APIClient().get("/api/v1/directory/organizations/", HTTP_ACCEPT_LANGUAGE="es")
    assert error_of(response, 401)["message"] == "Las credenciales de autenticación no se proveyeron."


def test_html_pages_keep_spanish_as_the_default(client):
    response = client.get("/accounts/login/")
    assert response["Content-Language"] == "es"


@pytest.mark.parametrize("make_client", [partner_client, staff_client])
def test_the_bare_key_works_as_a_bearer_key(make_client):
    response = make_client(keyword="Bearer").get("/api/v1/directory/organizations/")
    assert response.status_code == 200


def test_an_unknown_bearer_key_is_a_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer 12345678.not-a-key")
    error_of(client.get("/api/v1/directory/organizations/"), 401)


def test_scope_descriptions_in_the_schema_are_english_whatever_the_readers_language():
    schema = yaml.safe_load(APIClient().get("/api/schema/", HTTP_ACCEPT_LANGUAGE="es").content)
    description = schema["components"]["securitySchemes"]["partnerKey"]["description"]
    with translation.override("en"):
        english = [str(label) for label in SCOPES.values()]
    assert all(label in description for label in english)
    assert "Directorio" not in description
