"""Security headers on every door (OWASP ASVS 3.4): a strict Content-Security-Policy with
nonces, no framing, Referrer-Policy, Permissions-Policy, nosniff; HSTS and secure cookies in
production; and templates that need no 'unsafe-inline' (no style attributes, no inline
scripts, no on* handlers)."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.template import RequestContext, Template
from django.test import Client

from clac.services import staff_token_create
from tests.clac.test_settings import _manage, _production_env

# door name → (who signs in, path)
DOORS = {
    "login": (None, "/accounts/login/"),
    "dashboard": ("staff", "/dashboard/"),
    "portal": ("portal", "/portal/"),
    "api_json": ("token", "/api/v1/organizations/"),
    "api_docs": (None, "/api/docs/"),
    "api_docs_script": (None, "/api/docs/?script="),
    "healthz": (None, "/healthz"),
}
HTML_DOORS = {"login", "dashboard", "portal", "api_docs"}


def _directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def door_client(admin_user, portal_user):
    def make(who: str | None) -> Client:
        if who == "token":
            _token, raw = staff_token_create(user=admin_user, name="headers")
            return Client(HTTP_AUTHORIZATION=f"Token {raw}")
        client = Client()
        if who == "staff":
            client.force_login(admin_user)
        elif who == "portal":
            client.force_login(portal_user)
        return client

    return make


@pytest.mark.parametrize("door", DOORS)
def test_every_door_sends_a_strict_content_security_policy(door_client, door):
    who, path = DOORS[door]

    response = door_client(who).get(path)

    assert response.status_code in (200, 503), (door, response.status_code)
    header = response.headers["Content-Security-Policy"]
    directives = _directives(header)
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
    for name in ("script-src", "style-src"):
        assert directives[name][0] == "'self'"
        assert all(value == "'self'" or value.startswith("'nonce-") for value in directives[name]), header
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions


@pytest.mark.parametrize("door", sorted(HTML_DOORS))
def test_html_doors_load_every_script_and_style_from_files(door_client, door):
    who, path = DOORS[door]

    html = door_client(who).get(path).content.decode()

    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, (door, tag)
    assert "<style" not in html, door
    assert not re.search(r"\sstyle=", html), door
    assert not re.search(r"\son[a-z]+\s*=", html), door


def test_a_template_that_uses_the_nonce_is_allowed_by_the_header(rf):
    """The nonce context processor and the middleware agree: an inline block marked with
    {{ csp_nonce }} (none of ours needs one today) runs; each response has its own nonce."""
    template = Template('<script nonce="{{ csp_nonce }}">1</script>')
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse(template.render(RequestContext(request))))

    nonces = []
    for _ in range(2):
        response = middleware(rf.get("/"))
        nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
        assert f"'nonce-{nonce}'" in _directives(response.headers["Content-Security-Policy"])["script-src"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_api_docs_start_up_script_is_served_as_javascript(client):
    page = client.get("/api/docs/").content.decode()
    script_urls = re.findall(r'<script src="([^"]+)"', page)

    assert any("script=" in url for url in script_urls), script_urls
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_production_sends_hsts_and_secure_cookies_only_over_https():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "('SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_HTTPONLY')}))"
    )
    result = _manage("shell", "-c", code, env=_production_env())

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 30
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True


# --- Templates a strict CSP can serve ------------------------------------------------------

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"] + [
    path for path in Path(settings.BASE_DIR).glob("*/templates") if ".venv" not in path.parts
]
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)


def _templates() -> list[Path]:
    return sorted(path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html"))


def _inline_code(text: str) -> list[str]:
    found = [f"style attribute: {m.group(0).strip()}" for m in INLINE_STYLE.finditer(text)]
    found += [f"handler: {m.group(0)[-40:].strip()}" for m in INLINE_HANDLER.finditer(text)]
    found += [f"inline script: {m.group(0)}" for m in SCRIPT_TAG.finditer(text) if "src=" not in m.group(1)]
    found += ["<style> block" for _m in STYLE_BLOCK.finditer(text)]
    return found


def test_the_template_check_finds_each_kind_of_inline_code():
    sample = '<p style="color:red">x</p><a href="#" onclick="go()">y</a><script>alert(1)</script><style>p{}</style>'

    assert len(_inline_code(sample)) == 4
    assert _inline_code('<script src="/static/js/app.js"></script><svg width="3" fill="#000"></svg>') == []


def test_no_template_needs_unsafe_inline():
    templates = _templates()
    assert len(templates) > 50, "the walk finds the templates"

    offences = {
        str(path.relative_to(settings.BASE_DIR)): found
        for path in templates
        if (found := _inline_code(path.read_text()))
    }

    assert offences == {}
