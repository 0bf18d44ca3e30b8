"""Where each kind of user lands, and where they are refused (dashboard, portal, admin)."""

import pytest
from django.urls import reverse

from clac.roles import STAFF_ROLES, PortalRole
from tests.factories import OrganizationFactory, PortalAccessFactory, UserFactory, staff_user


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_lands_on_the_dashboard(client, db, role):
    client.force_login(staff_user(role))

    response = client.get("/")

    assert response.status_code == 302
    assert response.url == reverse("dashboard:home")
    assert client.get(response.url).status_code == 200


def test_portal_user_lands_on_the_portal(client, portal_editor):
    client.force_login(portal_editor)

    response = client.get("/")

    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert client.get(response.url).status_code == 200


def test_anonymous_visitor_lands_on_the_login_page(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == reverse("login")


@pytest.mark.parametrize("path", ["/dashboard/", "/portal/"])
def test_anonymous_visitor_is_sent_to_login_from_the_doors(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_signed_in_user_without_any_access_gets_a_plain_403_page(client, db):
    client.force_login(UserFactory(username="nobody"))

    response = client.get("/")

    assert response.status_code == 403
    assert b"nobody" in response.content
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/portal/").status_code == 403


def test_user_with_both_accesses_sees_the_dashboard_and_can_switch_to_the_portal(client, organization):
    user = staff_user("coordinator")
    PortalAccessFactory(user=user, organization=organization, role=PortalRole.ADMIN)
    client.force_login(user)

    response = client.get("/")
    assert response.url == reverse("dashboard:home")
    dashboard = client.get(response.url)
    assert f'href="{reverse("portal:home")}"'.encode() in dashboard.content

    portal = client.get(reverse("portal:home"))
    assert portal.status_code == 200
    assert f'href="{reverse("dashboard:home")}"'.encode() in portal.content


def test_portal_only_user_gets_no_dashboard_switch_link(client, portal_editor):
    client.force_login(portal_editor)

    portal = client.get(reverse("portal:home"))

    assert f'href="{reverse("dashboard:home")}"'.encode() not in portal.content


def test_portal_user_is_refused_on_the_dashboard(client, portal_editor):
    client.force_login(portal_editor)

    assert client.get(reverse("dashboard:home")).status_code == 403


def test_staff_without_portal_access_is_refused_on_the_portal(client, viewer_user):
    client.force_login(viewer_user)

    assert client.get(reverse("portal:home")).status_code == 403


@pytest.mark.parametrize("who", ["viewer", "portal"])
def test_django_admin_refuses_viewers_and_portal_users(client, viewer_user, portal_editor, who):
    # Django's admin lets in only is_staff users (superusers in practice); everyone else gets
    # its login page and never the admin index.
    client.force_login(viewer_user if who == "viewer" else portal_editor)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    refused = client.get(response.url)
    assert b'id="site-name"' in refused.content
    assert reverse("admin:clac_user_changelist").encode() not in refused.content


def test_django_admin_opens_for_a_superuser(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    assert client.get("/admin/").status_code == 200


def test_admin_nav_entry_shows_only_to_admins_who_may_open_the_django_admin(client, admin_user):
    client.force_login(admin_user)
    assert reverse("admin:index").encode() not in client.get(reverse("dashboard:home")).content

    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    assert reverse("admin:index").encode() in client.get(reverse("dashboard:home")).content


def test_viewer_does_not_see_admin_only_navigation(client, viewer_user):
    client.force_login(viewer_user)

    nav_items = client.get(reverse("dashboard:home")).context["nav_items"]

    urls = [item.url for item in nav_items]
    assert reverse("dashboard:home") in urls
    assert reverse("admin:index") not in urls


def test_portal_access_to_another_organization_only_does_not_open_this_one(client, other_portal_user):
    # other_portal_user only has the other organization: the portal shows theirs, never ours.
    OrganizationFactory(name="Cooperativa Ajena")
    client.force_login(other_portal_user)

    response = client.get(reverse("portal:home"))

    assert response.status_code == 200
    assert b"Otra Cooperativa" in response.content
    assert b"Cooperativa Ajena" not in response.content
