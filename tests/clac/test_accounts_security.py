"""Accounts hardening (issue 11 items 1, 2, 4; issue 12 item 19): the tiered sign-in lockout,
the password-reset and API-key throttles, two-step sign-in (enrolment, the second step, its
enforcement for staff), re-authentication before sensitive actions, and the security log."""

import logging

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from clac.models import SecurityEvent, StaffToken
from clac.roles import PortalRole, StaffRole
from clac.services import staff_token_create
from communications.models import ApiKey
from members.models import Organization
from tests.factories import ExternalPartnerFactory, OrganizationFactory, PortalAccessFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
Kind = SecurityEvent.Kind


@pytest.fixture(autouse=True)
def _clean_throttles(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # anonymous pages: assertions read English
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username, password=PASSWORD, address="203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def totp_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def enrol(client, user) -> list[str]:
    """Enrol through the pages; returns the recovery codes shown."""
    client.get(reverse("mfa_enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("mfa_enrol"), {"code": totp_code(device)})
    assert response.status_code == 200, response.content
    return list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


# --- 1. Lockout and throttling --------------------------------------------------------------


def test_twenty_wrong_passwords_lock_the_account_with_429_and_the_right_one_stays_refused(client):
    user = UserFactory(username="target", roles=[StaffRole.ADMIN], language="en")

    statuses = [sign_in(client, "target", "wrong").status_code for _ in range(20)]

    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[4:]) == {429}
    response = sign_in(client, "target")
    assert response.status_code == 429
    assert not signed_in(client)
    body = response.content.decode()
    assert "Too many failed sign-in attempts" in body
    assert "Wait 15 minutes" in body
    assert int(response["Retry-After"]) > 0
    assert SecurityEvent.objects.filter(kind=Kind.LOCKOUT, username="target").count() == 1
    assert SecurityEvent.objects.filter(kind=Kind.SIGN_IN_FAILED, username="target").count() >= 20
    assert not SecurityEvent.objects.filter(kind=Kind.SIGN_IN, user=user).exists()


def test_the_account_tier_is_per_address_so_the_owner_elsewhere_still_signs_in(client):
    UserFactory(username="target2", language="en")
    for _ in range(5):
        sign_in(client, "target2", "wrong", address="198.51.100.1")

    assert sign_in(client, "target2", address="198.51.100.1").status_code == 429
    assert sign_in(client, "target2", address="192.0.2.44").status_code == 302
    assert signed_in(client)


def test_one_address_trying_many_accounts_is_locked_by_the_address_tier(client):
    UserFactory(username="innocent", language="en")
    for n in range(20):
        # Never the same account twice: only the address tier can stop this.
        assert sign_in(client, f"guess{n}", "wrong", address="198.51.100.9").status_code in (200, 429)

    assert sign_in(client, "innocent", address="198.51.100.9").status_code == 429
    assert sign_in(client, "innocent", address="192.0.2.10").status_code == 302


@override_settings(LOCKOUT_USER_FAILURE_LIMIT=8)
def test_one_account_tried_from_many_addresses_is_locked_by_the_account_tier(client):
    UserFactory(username="spread", language="en")
    for n in range(8):
        sign_in(client, "spread", "wrong", address=f"198.51.100.{n + 20}")

    assert sign_in(client, "spread", address="192.0.2.99").status_code == 429


def test_an_administrator_sees_and_clears_a_lockout(client, admin_user):
    target_client = client.__class__()
    UserFactory(username="locked", language="en")
    for _ in range(6):
        sign_in(target_client, "locked", "wrong")
    assert sign_in(target_client, "locked").status_code == 429

    client.force_login(admin_user)
    page = client.get(reverse("dashboard:lockout_list"))
    assert page.status_code == 200
    assert "locked" in page.content.decode()
    assert "Locked: this account from this address" in page.content.decode()
    attempt = AccessAttempt.objects.get(username="locked")

    response = client.post(reverse("dashboard:lockout_clear", args=[attempt.pk]))

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="locked").exists()
    assert SecurityEvent.objects.filter(kind=Kind.LOCKOUT_CLEARED, user=admin_user).exists()
    assert sign_in(target_client, "locked").status_code == 302


def test_lockouts_page_costs_the_same_queries_for_many_rows(client, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    for n in range(30):
        sign_in(client.__class__(), f"row{n}", "wrong", address=f"198.51.100.{n + 1}")

    with django_assert_max_num_queries(12):
        assert client.get(reverse("dashboard:lockout_list")).status_code == 200


def test_only_administrators_clear_lockouts(client, staff_users):
    sign_in(client.__class__(), "someone", "wrong")
    attempt = AccessAttempt.objects.get(username="someone")
    for role in sorted(set(StaffRole.values) - {StaffRole.ADMIN}):
        client.force_login(staff_users[role])
        assert client.post(reverse("dashboard:lockout_clear", args=[attempt.pk])).status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_password_reset_requests_are_throttled_per_address_with_429(client):
    UserFactory(username="forgetful", email="forgetful@example.org")
    statuses = [
        client.post(
            reverse("password_reset"), {"email": f"nobody{n}@example.org"}, REMOTE_ADDR="198.51.100.5"
        ).status_code
        for n in range(5)
    ]
    assert statuses == [302] * 5

    response = client.post(reverse("password_reset"), {"email": "forgetful@example.org"}, REMOTE_ADDR="198.51.100.5")

    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert mail.outbox == []
    # Another address is not held back.
    other = client.post(reverse("password_reset"), {"email": "forgetful@example.org"}, REMOTE_ADDR="192.0.2.5")
    assert other.status_code == 302
    assert len(mail.outbox) == 1


def test_password_reset_requests_for_one_email_are_throttled_across_addresses(client):
    for n in range(5):
        client.post(reverse("password_reset"), {"email": "victim@example.org"}, REMOTE_ADDR=f"198.51.100.{n + 50}")

    response = client.post(reverse("password_reset"), {"email": "victim@example.org"}, REMOTE_ADDR="192.0.2.77")

    assert response.status_code == 429


def test_wrong_api_keys_from_one_address_get_429_with_the_wait_in_details():
    partner = ExternalPartnerFactory()
    from communications.services import api_key_create

    _key, raw = api_key_create(partner=partner, name="ok", scopes=["directory:read"])
    api = APIClient(REMOTE_ADDR="198.51.100.200")
    for n in range(20):
        response = api.get("/api/v1/directory/organizations/", HTTP_AUTHORIZATION=f"Api-Key abcd{n:04d}.wrongsecret")
        assert response.status_code == 401

    response = api.get("/api/v1/directory/organizations/", HTTP_AUTHORIZATION=f"Api-Key {raw}")

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert error["details"]["retry_after"] > 0
    assert "Too many refused keys or tokens" in error["message"]
    assert SecurityEvent.objects.filter(kind=Kind.API_AUTH_FAILED).count() == 20
    # Another address with the right key is served.
    assert (
        APIClient(REMOTE_ADDR="192.0.2.200")
        .get("/api/v1/directory/organizations/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
        .status_code
        == 200
    )


def test_wrong_staff_tokens_count_too(admin_user):
    api = APIClient(REMOTE_ADDR="198.51.100.201")
    for n in range(20):
        api.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Token abcd{n:04d}.wrongsecret")
    _token, raw = staff_token_create(user=admin_user, name="script")

    assert api.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 429


@override_settings(
    AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"), AXES_IPWARE_PROXY_ORDER="right-most"
)
def test_behind_the_proxy_the_forwarded_client_address_is_the_one_locked(client):
    """Production settings trust the proxy header: clients sharing the proxy's address are
    told apart, and the address a client writes itself (left of the proxy's) is ignored."""
    UserFactory(username="proxied", language="en")
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": "proxied", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.66",
        )
    assert AccessAttempt.objects.get(username="proxied").ip_address == "198.51.100.66"

    other = client.post(
        reverse("login"),
        {"username": "proxied", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.67",
    )
    assert other.status_code == 302


# --- 2. Two-step sign-in ------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_without_style_confirms_a_code_and_shows_recovery_codes_once(client):
    user = UserFactory(username="enroller", language="en")
    client.force_login(user)

    page = client.get(reverse("mfa_enrol"))
    body = page.content.decode()
    assert page.status_code == 200
    assert '<svg width="' in body and 'class="mfa-qr"' in body
    assert "style=" not in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(reverse("mfa_enrol"), {"code": "000000" if totp_code(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    done = client.post(reverse("mfa_enrol"), {"code": totp_code(device)})
    assert done.status_code == 200
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in done.content.decode() for code in codes)
    assert TOTPDevice.objects.get(user=user).confirmed
    assert SecurityEvent.objects.filter(kind=Kind.MFA_ENABLED, user=user).exists()
    # Shown once: the management page says how many are left, not which.
    manage = client.get(reverse("mfa_manage")).content.decode()
    assert "10 recovery codes left" in manage
    assert codes[0] not in manage


# django-otp makes each wrong code wait longer before the next (1 s, 2 s, …): off here.
@override_settings(OTP_TOTP_THROTTLE_FACTOR=0, OTP_STATIC_THROTTLE_FACTOR=0)
def test_a_user_with_a_device_must_type_a_code_after_the_password(client):
    user = UserFactory(username="twostep", roles=[StaffRole.VIEWER], language="en")
    client.force_login(user)
    codes = enrol(client, user)
    client.logout()

    response = sign_in(client, "twostep")
    assert response.status_code == 302
    dashboard = client.get(reverse("dashboard:home"))
    assert dashboard.status_code == 302
    assert dashboard["Location"].startswith(reverse("mfa_verify"))
    assert client.get("/api/v1/organizations/").status_code == 403

    refused = client.post(reverse("mfa_verify"), {"code": "12345x"})
    assert "That code is not right" in refused.content.decode()
    assert SecurityEvent.objects.filter(kind=Kind.MFA_FAILED, user=user).exists()

    ok = client.post(reverse("mfa_verify"), {"code": codes[0], "next": reverse("dashboard:home")})
    assert ok.status_code == 302 and ok["Location"] == reverse("dashboard:home")
    assert client.get(reverse("dashboard:home")).status_code == 200
    # A recovery code works once.
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    assert SecurityEvent.objects.filter(kind=Kind.MFA_RECOVERY_CODE_USED, user=user).exists()


@override_settings(MFA_REQUIRED_FOR_STAFF=True)
def test_under_the_setting_staff_without_a_device_reach_nothing_until_they_enrol(client):
    user = UserFactory(username="newstaff", roles=[StaffRole.FINANCE], language="en")

    response = sign_in(client, "newstaff")
    assert response.status_code == 302
    for url in (reverse("dashboard:home"), reverse("dashboard:job_list"), reverse("members:organization_list")):
        refused = client.get(url)
        assert refused.status_code == 302, url
        assert refused["Location"].startswith(reverse("mfa_enrol"))
    api = client.get("/api/v1/organizations/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "mfa_required"

    enrol(client, user)

    assert client.get(reverse("dashboard:home")).status_code == 200
    assert client.get("/api/v1/organizations/").status_code == 200


@override_settings(MFA_REQUIRED_FOR_STAFF=True)
def test_under_the_setting_portal_users_are_not_forced(client, organization):
    user = UserFactory(username="member", language="en")
    PortalAccessFactory(user=user, organization=organization, role=PortalRole.ADMIN)

    sign_in(client, "member")

    assert client.get(reverse("portal:home")).status_code == 200
    assert reverse("mfa_manage") in client.get(reverse("portal:home")).content.decode()


def test_the_demo_login_page_says_two_step_sign_in_is_optional(client):
    body = client.get(reverse("login")).content.decode()
    assert "Two-step sign-in is optional on this site" in body


def test_turning_off_asks_for_a_fresh_confirmation_and_removes_every_device(client):
    user = UserFactory(username="leaver", language="en")
    client.force_login(user)
    enrol(client, user)
    session = client.session
    session["clac_reauth_at"] = 0
    session.save()

    stale = client.post(reverse("mfa_disable"), HTTP_REFERER="http://testserver" + reverse("mfa_manage"))
    assert stale.status_code == 302 and stale["Location"].startswith(reverse("reauth"))
    assert TOTPDevice.objects.filter(user=user).exists()

    client.post(reverse("reauth"), {"password": PASSWORD})
    client.post(reverse("mfa_disable"))

    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    assert SecurityEvent.objects.filter(kind=Kind.MFA_DISABLED, user=user).exists()


# --- Re-authentication --------------------------------------------------------------------


def _stale(client) -> None:
    session = client.session
    session["clac_reauth_at"] = 0
    session.save()


def test_creating_a_partner_key_needs_a_fresh_password(client, admin_user):
    partner = ExternalPartnerFactory()
    client.force_login(admin_user)
    _stale(client)
    url = reverse("communications:api_key_create", args=[partner.pk])

    response = client.post(url, {"name": "k", "scopes": ["directory:read"]})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauth"))
    assert not ApiKey.objects.exists()

    wrong = client.post(reverse("reauth"), {"password": "nope", "next": url})
    assert wrong.status_code == 200 and "That did not match" in wrong.content.decode()
    assert SecurityEvent.objects.filter(kind=Kind.REAUTH_FAILED, user=admin_user).exists()
    ok = client.post(reverse("reauth"), {"password": PASSWORD, "next": url})
    assert ok.status_code == 302 and ok["Location"] == url
    created = client.post(url, {"name": "k", "scopes": ["directory:read"]})
    assert created.status_code == 200
    assert ApiKey.objects.count() == 1
    assert SecurityEvent.objects.filter(kind=Kind.KEY_CREATED, user=admin_user).exists()


def test_revoking_a_partner_key_needs_a_fresh_password(client, admin_user):
    from communications.services import api_key_create

    partner = ExternalPartnerFactory()
    key, _raw = api_key_create(partner=partner, name="k", scopes=["directory:read"])
    client.force_login(admin_user)
    _stale(client)

    response = client.post(reverse("communications:api_key_revoke", args=[partner.pk, key.pk]))

    assert response["Location"].startswith(reverse("reauth"))
    key.refresh_from_db()
    assert key.revoked_at is None


def test_merging_records_needs_a_fresh_password(client, editor_user):
    first, second = OrganizationFactory(name="Coop Uno"), OrganizationFactory(name="Coop Uno bis")
    client.force_login(editor_user)
    _stale(client)

    response = client.post(reverse("members:duplicate_merge", args=["organization", first.pk, second.pk]), {})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauth"))
    assert Organization.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


def test_changing_a_users_roles_in_the_admin_needs_a_fresh_password(client):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True, language="en")
    other = UserFactory(username="someone-else")
    client.force_login(superuser)
    _stale(client)

    response = client.get(reverse("admin:clac_user_change", args=[other.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauth"))


def test_a_code_from_the_app_also_confirms(client):
    user = UserFactory(username="coder", roles=[StaffRole.ADMIN], language="en")
    client.force_login(user)
    enrol(client, user)
    _stale(client)
    device = TOTPDevice.objects.get(user=user)
    device.last_t = -1
    device.save()

    response = client.post(reverse("reauth"), {"code": totp_code(device), "next": reverse("mfa_manage")})

    assert response.status_code == 302
    assert SecurityEvent.objects.filter(kind=Kind.REAUTHENTICATED, user=user).exists()


# --- 4. Security log ----------------------------------------------------------------------


def test_sign_in_and_failure_are_logged_with_who_and_from_where(client):
    user = UserFactory(username="logged", language="en")
    sign_in(client, "logged", "wrong", address="198.51.100.30")
    sign_in(client, "logged", address="198.51.100.30")

    failed = SecurityEvent.objects.get(kind=Kind.SIGN_IN_FAILED)
    assert failed.username == "logged" and failed.ip_address == "198.51.100.30" and failed.user is None
    ok = SecurityEvent.objects.get(kind=Kind.SIGN_IN)
    assert ok.user == user and ok.ip_address == "198.51.100.30" and ok.path == reverse("login")


def test_a_refusal_is_logged_once_on_one_line_without_traceback(client, caplog, organization):
    user = UserFactory(username="curious", language="en")
    PortalAccessFactory(user=user, organization=organization)
    client.force_login(user)

    with caplog.at_level(logging.INFO):
        response = client.get(reverse("dashboard:home"))

    assert response.status_code == 403
    refusals = [
        r for r in caplog.records if "permission_denied" in r.getMessage() or getattr(r, "status_code", None) == 403
    ]
    assert len(refusals) == 1
    line = refusals[0].getMessage()
    assert "user=curious" in line and f"path={reverse('dashboard:home')}" in line
    assert "\n" not in line and refusals[0].exc_info is None
    assert SecurityEvent.objects.filter(kind=Kind.PERMISSION_DENIED, user=user).count() == 1


def test_exporting_the_registry_is_logged(client, viewer_user):
    client.force_login(viewer_user)

    response = client.get(reverse("members:organization_export"), {"format": "csv"})

    assert response.status_code == 200
    event = SecurityEvent.objects.get(kind=Kind.PERSONAL_DATA_EXPORTED)
    assert event.user == viewer_user and "organizations.csv" in event.detail


def test_staff_token_creation_and_revocation_are_logged(admin_user):
    from clac.services import staff_token_revoke

    token, _raw = staff_token_create(user=admin_user, name="nightly")
    staff_token_revoke(token=StaffToken.objects.get(pk=token.pk), actor=admin_user)

    kinds = list(SecurityEvent.objects.filter(user=admin_user).values_list("kind", flat=True))
    assert Kind.KEY_CREATED in kinds and Kind.KEY_REVOKED in kinds


def test_the_security_log_page_filters_by_kind_user_and_date_for_administrators(client, admin_user, viewer_user):
    sign_in(client.__class__(), "ghost", "wrong")
    client.force_login(admin_user)

    everything = client.get(reverse("dashboard:security_event_list")).content.decode()
    assert "ghost" in everything
    only_failures = client.get(reverse("dashboard:security_event_list"), {"kind": "sign_in_failed", "user": "ghost"})
    assert "ghost" in only_failures.content.decode()
    none = client.get(reverse("dashboard:security_event_list"), {"kind": "lockout"}).content.decode()
    assert "ghost" not in none
    bad = client.get(reverse("dashboard:security_event_list"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert bad.status_code == 400
    assert "The end date is before the start date." in bad.content.decode()

    client.force_login(viewer_user)
    assert client.get(reverse("dashboard:security_event_list")).status_code == 403


def test_the_security_log_page_costs_the_same_queries_for_many_events(
    client, admin_user, django_assert_max_num_queries
):
    users = [UserFactory(username=f"ev{n}") for n in range(30)]
    SecurityEvent.objects.bulk_create(SecurityEvent(kind=Kind.SIGN_IN, user=u, username=u.username) for u in users)
    client.force_login(admin_user)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("dashboard:security_event_list"))
    assert response.status_code == 200
    assert "ev29" in response.content.decode()


def test_an_operator_resets_a_lost_device_and_the_staff_member_enrols_again(client):
    from django.core.management import call_command

    user = UserFactory(username="lostphone", roles=[StaffRole.VIEWER], language="en")
    admin = UserFactory(username="opsadmin", roles=[StaffRole.ADMIN])
    client.force_login(user)
    enrol(client, user)

    call_command("mfa_reset", user="lostphone", by="opsadmin")

    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    event = SecurityEvent.objects.get(kind=Kind.MFA_DISABLED, user=user)
    assert f"by={admin.username}" in event.detail
    with override_settings(MFA_REQUIRED_FOR_STAFF=True):
        fresh = client.__class__()
        sign_in(fresh, "lostphone")
        assert fresh.get(reverse("dashboard:home"))["Location"].startswith(reverse("mfa_enrol"))


def test_an_api_refusal_is_logged_once_too(caplog):
    from communications.services import api_key_create

    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="narrow", scopes=["directory:read"])

    with caplog.at_level(logging.INFO):
        response = APIClient().get("/api/v1/statistics/", HTTP_AUTHORIZATION=f"Api-Key {raw}")

    assert response.status_code == 403
    assert SecurityEvent.objects.filter(kind=Kind.PERMISSION_DENIED, path="/api/v1/statistics/").count() == 1
    assert [r for r in caplog.records if getattr(r, "status_code", None) == 403] == []


def test_changing_roles_in_the_admin_after_confirming_is_logged(client):
    from django.contrib.auth.models import Group

    superuser = UserFactory(username="root2", is_superuser=True, is_staff=True, language="en")
    other = UserFactory(username="promoted")
    client.force_login(superuser)
    url = reverse("admin:clac_user_change", args=[other.pk])
    form = client.get(url)
    assert form.status_code == 200
    finance = Group.objects.get(name=StaffRole.FINANCE)

    response = client.post(
        url,
        {
            "username": "promoted",
            "email": other.email,
            "first_name": other.first_name,
            "last_name": other.last_name,
            "is_active": "on",
            "groups": [finance.pk],
            "language": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(other.groups.values_list("name", flat=True)) == [StaffRole.FINANCE]
    event = SecurityEvent.objects.get(kind=Kind.ROLES_CHANGED)
    assert event.user == superuser and "user=promoted" in event.detail and "finance" in event.detail
