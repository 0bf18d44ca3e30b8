"""The dues invoice as a PDF file in the portal (issue #9, item 8): every user of the
organization downloads it, another organization's invoice is a 404, an anonymous visitor is sent
to sign in, and a server where WeasyPrint cannot load answers 503 pointing to the printable
copy, changing nothing."""

import logging
import sys
from typing import Any

import pytest
from django.urls import reverse

from clac.roles import PortalRole
from tests.factories import PortalAccessFactory, UserFactory
from tests.finance.dues_factories import invoice, member, policy_with_rules
from tests.finance.test_dues_access import fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> dict[str, Any]:
    policy = policy_with_rules()
    own = member("Cooperativa Propia").organization
    other = member("Cooperativa Ajena").organization
    users = {}
    for name, organization, role in (
        ("viewer", own, PortalRole.VIEWER),
        ("admin", own, PortalRole.ADMIN),
        ("other", other, PortalRole.ADMIN),
    ):
        users[name] = UserFactory(username=f"pdf-{name}", language="en")
        PortalAccessFactory(user=users[name], organization=organization, role=role)
    return {
        "invoice": invoice(policy, own, "500.00"),
        "other_invoice": invoice(policy, other, "700.00"),
        "users": users,
    }


def _url(invoice) -> str:
    return reverse("finance_portal:dues_invoice_pdf", kwargs={"pk": invoice.pk})


def test_every_user_of_the_organization_downloads_the_invoice_as_pdf(client, world):
    number = world["invoice"].number
    for name in ("viewer", "admin"):
        client.force_login(world["users"][name])
        response = client.get(_url(world["invoice"]))
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="CLAC-invoice-{number}.pdf"'
        assert response.content.startswith(b"%PDF")


def test_the_invoice_page_links_to_the_pdf(client, world):
    client.force_login(world["users"]["viewer"])
    url = reverse("finance_portal:dues_invoice_detail", kwargs={"pk": world["invoice"].pk})
    assert _url(world["invoice"]) in client.get(url).content.decode()


def test_another_organizations_invoice_is_a_404(client, world):
    client.force_login(world["users"]["other"])
    assert client.get(_url(world["invoice"])).status_code == 404
    client.force_login(world["users"]["admin"])
    assert client.get(_url(world["other_invoice"])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, world):
    response = client.get(_url(world["invoice"]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_pdf_is_get_only(client, world):
    client.force_login(world["users"]["admin"])
    before = fingerprint()
    assert client.post(_url(world["invoice"])).status_code == 405
    assert fingerprint() == before


def test_without_weasyprint_the_page_answers_503_and_points_to_the_printable_copy(client, world, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    client.force_login(world["users"]["viewer"])
    before = fingerprint()
    with caplog.at_level(logging.WARNING, logger="finance.portal.dues"):
        response = client.get(_url(world["invoice"]))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert reverse("finance_portal:dues_invoice_print", kwargs={"pk": world["invoice"].pk}) in body
    assert "%PDF" not in body
    assert len([r for r in caplog.records if r.name == "finance.portal.dues"]) == 1
    assert fingerprint() == before
