"""Dashboard pages for partners and their keys (administrators only)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clac.api.keys import key_hash
from clac.roles import StaffRole
from communications.models import ApiKey, ExternalPartner
from communications.services import api_key_create
from tests.factories import ExternalPartnerFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def partner():
    return ExternalPartnerFactory(name="Fairtrade Deutschland")


def test_admin_sees_partners_with_their_key_counts(admin_client, partner):
    api_key_create(partner=partner, name="a", scopes=["stats:read"])
    revoked, _ = api_key_create(partner=partner, name="b", scopes=["stats:read"])
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    response = admin_client.get(reverse("communications:partner_list"))
    assert response.status_code == 200
    assert "Fairtrade Deutschland" in response.content.decode()
    row = response.context["page_obj"].object_list[0]
    assert (row.key_count, row.usable_key_count) == (2, 1)


def test_partner_list_query_count_does_not_grow(admin_client, django_assert_max_num_queries):
    def seed(count: int) -> None:
        for _ in range(count):
            api_key_create(partner=ExternalPartnerFactory(), name="k", scopes=["stats:read"])

    seed(3)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse("communications:partner_list"))
    seed(27)
    with django_assert_max_num_queries(len(few)):
        assert admin_client.get(reverse("communications:partner_list")).status_code == 200


@pytest.mark.parametrize("role", [StaffRole.VIEWER, StaffRole.COORDINATOR, StaffRole.FINANCE, StaffRole.ME_OFFICER])
def test_other_staff_roles_are_refused(client, partner, role):
    client.force_login(staff_user(role))
    key, _raw = api_key_create(partner=partner, name="k", scopes=["stats:read"])
    for url in (
        reverse("communications:partner_list"),
        reverse("communications:partner_create"),
        reverse("communications:partner_detail", args=[partner.pk]),
        reverse("communications:api_key_create", args=[partner.pk]),
    ):
        assert client.get(url).status_code == 403
    response = client.post(reverse("communications:api_key_revoke", args=[partner.pk, key.pk]))
    assert response.status_code == 403
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def test_portal_user_and_anonymous_are_refused(client, portal_editor, partner):
    url = reverse("communications:partner_detail", args=[partner.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(portal_editor)
    assert client.get(url).status_code == 403


def test_admin_creates_a_partner(admin_client):
    response = admin_client.post(
        reverse("communications:partner_create"), {"name": "Fairtrade Japan", "kind": "nfo", "country": "JP"}
    )
    partner = ExternalPartner.objects.get(name="Fairtrade Japan")
    assert response.status_code == 302
    assert partner.country.code == "JP"
    assert response["Location"] == reverse("communications:partner_detail", args=[partner.pk])


def test_partner_form_errors_keep_what_was_typed_and_create_nothing(admin_client, partner):
    response = admin_client.post(
        reverse("communications:partner_create"), {"name": "fairtrade deutschland", "kind": "nfo", "country": "DE"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert '<option value="DE" selected>' in response.content.decode()
    assert ExternalPartner.objects.count() == 1


def test_issuing_a_key_shows_it_once(admin_client, admin_user, partner):
    url = reverse("communications:api_key_create", args=[partner.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"name": "Map", "scopes": ["directory:read", "stats:read"]})
    assert response.status_code == 200
    raw = response.context["raw_key"]
    key = partner.api_keys.get()
    assert key.hashed_key == key_hash(raw)
    assert key.created_by == admin_user
    assert key.scopes == ["directory:read", "stats:read"]
    assert raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # Never again: not on the partner page, not in the session.
    detail = admin_client.get(reverse("communications:partner_detail", args=[partner.pk])).content.decode()
    assert key.prefix in detail
    assert raw not in detail
    assert raw not in str(dict(admin_client.session))


def test_key_expiry_date_means_the_end_of_that_day(admin_client, partner):
    day = timezone.localdate() + datetime.timedelta(days=10)
    admin_client.post(
        reverse("communications:api_key_create", args=[partner.pk]),
        {"name": "Temp", "scopes": ["stats:read"], "expires_on": day.isoformat()},
    )
    key = partner.api_keys.get()
    assert timezone.localtime(key.expires_at).date() == day + datetime.timedelta(days=1)
    assert timezone.localtime(key.expires_at).time() == datetime.time.min


def test_bad_key_form_shows_errors_and_creates_nothing(admin_client, partner):
    url = reverse("communications:api_key_create", args=[partner.pk])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = admin_client.post(url, {"name": "", "scopes": ["root"], "expires_on": yesterday.isoformat()})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"name", "scopes", "expires_on"} <= set(errors)
    assert "raw_key" not in response.context
    assert not ApiKey.objects.exists()


def test_admin_revokes_a_key(admin_client, partner):
    key, _raw = api_key_create(partner=partner, name="k", scopes=["stats:read"])
    url = reverse("communications:api_key_revoke", args=[partner.pk, key.pk])
    assert admin_client.get(url).status_code == 200  # the confirmation page
    response = admin_client.post(url)
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_revoking_through_another_partners_url_is_404(admin_client, partner):
    key, _raw = api_key_create(partner=partner, name="k", scopes=["stats:read"])
    other = ExternalPartnerFactory()
    response = admin_client.post(reverse("communications:api_key_revoke", args=[other.pk, key.pk]))
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_partner_detail_lists_keys_with_their_state(admin_client, partner):
    active, _ = api_key_create(partner=partner, name="live", scopes=["stats:read"])
    revoked, _ = api_key_create(partner=partner, name="old", scopes=["directory:read"])
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    response = admin_client.get(reverse("communications:partner_detail", args=[partner.pk]))
    assert response.status_code == 200
    states = {key.name: key.state_css for key in response.context["keys"]}
    assert states == {"live": "active", "old": "rejected"}
    html = response.content.decode()
    assert active.prefix in html and revoked.prefix in html
    # Only a key still in force can be revoked.
    assert reverse("communications:api_key_revoke", args=[partner.pk, active.pk]) in html
    assert reverse("communications:api_key_revoke", args=[partner.pk, revoked.pk]) not in html
