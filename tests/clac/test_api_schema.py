"""The OpenAPI schema and the interactive docs."""

import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_schema_endpoint_serves_openapi_3_with_the_auth_schemes():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    schemes = schema["components"]["securitySchemes"]
    # HTTP bearer: the docs' "Authorize" box takes the bare key and sends the header itself.
    assert schemes["partnerKey"] == {**schemes["partnerKey"], "type": "http", "scheme": "bearer"}
    assert schemes["staffToken"] == {**schemes["staffToken"], "type": "http", "scheme": "bearer"}
    assert "cookieAuth" in schemes
    assert "Api-Key" in schemes["partnerKey"]["description"]


def test_schema_lists_partner_keys_only_on_partner_endpoints():
    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    paths = schema["paths"]
    directory_security = paths["/api/v1/directory/organizations/"]["get"]["security"]
    assert {"partnerKey": []} in directory_security
    assert {"partnerKey": []} in paths["/api/v1/statistics/"]["get"]["security"]
    staff_security = paths["/api/v1/organizations/"]["get"]["security"]
    assert {"partnerKey": []} not in staff_security
    assert {"staffToken": []} in staff_security


def test_schema_documents_the_error_body():
    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    responses = schema["paths"]["/api/v1/directory/organizations/{id}/"]["get"]["responses"]
    for code in ("401", "403", "404", "429"):
        assert responses[code]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=StringIO())
    assert out.read_text().startswith("openapi:")


def test_docs_page_uses_only_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html.lower()
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html and "cdnjs" not in html
    # Every script and stylesheet is served by us.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http://", "https://", "//")), url
