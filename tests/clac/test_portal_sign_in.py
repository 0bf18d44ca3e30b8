"""The portal after sign-in (issue #12, item 9): it opens the organization where the user has
the strongest role, and switching organization is a real button per organization."""

import re

import pytest
from django.urls import reverse

from clac.access import PORTAL_SESSION_KEY
from clac.roles import PortalRole
from tests.factories import OrganizationFactory, PortalAccessFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_after_sign_in_the_portal_opens_the_organization_with_the_strongest_role(client):
    user = UserFactory(username="many-orgs", password="pw-12345678-long", language="en")
    # Alphabetically the viewer's organization comes first: the old choice.
    viewer_of = OrganizationFactory(name="Aaa Cooperativa")
    editor_of = OrganizationFactory(name="Mmm Cooperativa")
    admin_of = OrganizationFactory(name="Zzz Cooperativa")
    PortalAccessFactory(user=user, organization=viewer_of, role=PortalRole.VIEWER)
    PortalAccessFactory(user=user, organization=editor_of, role=PortalRole.EDITOR)
    PortalAccessFactory(user=user, organization=admin_of, role=PortalRole.ADMIN)

    response = client.post(reverse("login"), {"username": "many-orgs", "password": "pw-12345678-long"}, follow=True)

    assert response.status_code == 200
    assert client.session[PORTAL_SESSION_KEY] == admin_of.pk
    assert response.context["organization"] == admin_of


def test_an_editor_role_wins_over_a_viewer_one(client):
    user = UserFactory(username="two-orgs", language="en")
    viewer_of = OrganizationFactory(name="Aaa Cooperativa")
    editor_of = OrganizationFactory(name="Zzz Cooperativa")
    PortalAccessFactory(user=user, organization=viewer_of, role=PortalRole.VIEWER)
    PortalAccessFactory(user=user, organization=editor_of, role=PortalRole.EDITOR)
    client.force_login(user)

    assert client.get(reverse("portal:home")).context["organization"] == editor_of


def test_the_organization_switch_is_one_submit_button_per_other_organization(client):
    user = UserFactory(username="two-orgs", language="en")
    current = OrganizationFactory(name="Zzz Cooperativa")
    other = OrganizationFactory(name="Aaa Cooperativa")
    PortalAccessFactory(user=user, organization=current, role=PortalRole.ADMIN)
    PortalAccessFactory(user=user, organization=other, role=PortalRole.VIEWER)
    client.force_login(user)

    html = client.get(reverse("portal:home")).content.decode()

    # No select to operate: a form per organization with a hidden id and a named button.
    header = html[html.index("<header") : html.index("</header>")]
    assert "<select" not in header
    form = re.search(
        r'<form method="post" action="/portal/organization/">.*?name="organization" value="(\d+)".*?'
        r'<button type="submit"[^>]*>\s*Work for ([^<]+?)\s*<',
        header,
        re.S,
    )
    assert form is not None
    assert (int(form.group(1)), form.group(2)) == (other.pk, "Aaa Cooperativa")

    response = client.post(reverse("portal:organization_switch"), {"organization": other.pk})
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).context["organization"] == other
