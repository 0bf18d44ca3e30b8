"""Key services and the create_api_key / create_staff_token commands."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from clac.api.keys import key_hash
from clac.models import StaffToken
from clac.roles import StaffRole
from clac.services import staff_token_create, staff_token_revoke
from communications.models import ApiKey, ExternalPartner
from communications.services import api_key_create, api_key_revoke, external_partner_create
from tests.factories import ExternalPartnerFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


def test_api_key_create_stores_only_hash_and_prefix():
    partner = ExternalPartnerFactory()
    key, raw = api_key_create(partner=partner, name="Map", scopes=["directory:read", "stats:read", "directory:read"])
    key.refresh_from_db()
    assert key.scopes == ["directory:read", "stats:read"]
    assert key.hashed_key == key_hash(raw)
    assert raw.startswith(f"{key.prefix}.") and len(raw) > 40
    assert raw not in str(ApiKey.objects.filter(pk=key.pk).values().get())


def test_two_keys_never_share_a_secret():
    partner = ExternalPartnerFactory()
    raws = {api_key_create(partner=partner, name=f"k{i}", scopes=["stats:read"])[1] for i in range(5)}
    assert len(raws) == 5


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scopes": ["directory:write"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"name": "  "}, "name"),
        ({"expires_at": timezone.now() - datetime.timedelta(days=1)}, "expires_at"),
    ],
)
def test_api_key_create_refuses_bad_input(kwargs, field):
    params = {"partner": ExternalPartnerFactory(), "name": "k", "scopes": ["stats:read"], **kwargs}
    with pytest.raises(ValidationError) as excinfo:
        api_key_create(**params)
    assert field in excinfo.value.message_dict
    assert not ApiKey.objects.exists()


def test_api_key_revoke_keeps_the_first_revocation_time():
    key, _raw = api_key_create(partner=ExternalPartnerFactory(), name="k", scopes=["stats:read"])
    api_key_revoke(api_key=key, actor=None)
    first = key.revoked_at
    assert first is not None
    api_key_revoke(api_key=ApiKey.objects.get(pk=key.pk), actor=None)
    assert ApiKey.objects.get(pk=key.pk).revoked_at == first


def test_staff_token_only_for_staff():
    with pytest.raises(ValidationError):
        staff_token_create(user=UserFactory(), name="script")
    token, raw = staff_token_create(user=staff_user(StaffRole.VIEWER), name="script")
    assert token.hashed_key == key_hash(raw)
    staff_token_revoke(token=token, actor=None)
    assert StaffToken.objects.get(pk=token.pk).revoked_at is not None


def test_external_partner_names_are_unique_ignoring_case():
    external_partner_create(name="Fairtrade Ibérica", kind=ExternalPartner.Kind.NFO)
    with pytest.raises(ValidationError) as excinfo:
        external_partner_create(name="fairtrade ibérica", kind=ExternalPartner.Kind.NFO)
    assert "name" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        external_partner_create(name="Other", kind="nope")
    assert "kind" in excinfo.value.message_dict


# --- Commands ---------------------------------------------------------------------------------


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_api_key_creates_the_partner_and_prints_the_key_once():
    raw, info = run("create_api_key", "--partner", "Fairtrade Max Havelaar", "--scopes", "directory:read,stats:read")
    partner = ExternalPartner.objects.get(name="Fairtrade Max Havelaar")
    assert partner.kind == ExternalPartner.Kind.OTHER
    key = partner.api_keys.get()
    assert key.hashed_key == key_hash(raw)
    assert key.scopes == ["directory:read", "stats:read"]
    assert key.expires_at is None
    assert raw not in info  # printed once, on stdout


def test_create_api_key_reuses_an_existing_partner_and_sets_expiry():
    partner = ExternalPartnerFactory(name="Fairtrade America", kind=ExternalPartner.Kind.NFO)
    raw, _info = run(
        "create_api_key", "--partner", "fairtrade america", "--scopes", "stats:read", "--expires-days", "30",
        "--name", "Annual report",
    )  # fmt: skip
    key = ApiKey.objects.get(hashed_key=key_hash(raw))
    assert key.partner == partner and key.name == "Annual report"
    assert key.expires_at - timezone.now() > datetime.timedelta(days=29)
    assert ExternalPartner.objects.count() == 1


def test_create_api_key_refuses_unknown_scopes_clearly():
    with pytest.raises(CommandError, match=r"Unknown scope.*directory:write.*Known scopes"):
        run("create_api_key", "--partner", "P", "--scopes", "directory:write")
    assert not ExternalPartner.objects.exists()
    assert not ApiKey.objects.exists()


def test_create_staff_token_for_a_staff_user():
    user = staff_user(StaffRole.ME_OFFICER, username="analyst")
    raw, _info = run("create_staff_token", "--user", "analyst")
    assert StaffToken.objects.get(user=user).hashed_key == key_hash(raw)
    with pytest.raises(CommandError, match="No user"):
        run("create_staff_token", "--user", "nobody")
    UserFactory(username="portal-only")
    with pytest.raises(CommandError, match="staff"):
        run("create_staff_token", "--user", "portal-only")
