"""The demo's partners: Fairtrade International with a directory and statistics key (printed
once by seed_demo) and a National Fairtrade Organization without one."""

from django.db import transaction

from clac.api.scopes import DIRECTORY_READ, STATS_READ
from clac.plugins import DemoContext, DemoReport
from communications.models import ExternalPartner
from communications.services import api_key_create, external_partner_create

PARTNER_NAMES = ("Fairtrade International", "Fairtrade Deutschland")
API_SCOPES = [DIRECTORY_READ, STATS_READ]


def is_empty() -> tuple[bool, str]:
    if ExternalPartner.objects.filter(name__in=PARTNER_NAMES).exists():
        return False, "the demo partners"
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    ExternalPartner.history.filter(name__in=PARTNER_NAMES).delete()
    _total, deleted = ExternalPartner.objects.filter(name__in=PARTNER_NAMES).delete()
    return dict(deleted)


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    admin = ctx.shared.get("admin")
    fi = external_partner_create(
        name=PARTNER_NAMES[0],
        kind=ExternalPartner.Kind.FAIRTRADE_INTERNATIONAL,
        country="DE",
        website="https://www.fairtrade.net/",
        notes="Demo partner with a directory and statistics key.",
    )
    external_partner_create(
        name=PARTNER_NAMES[1], kind=ExternalPartner.Kind.NFO, country="DE", website="https://www.fairtrade.de/"
    )
    _key, raw_key = api_key_create(
        partner=fi, name="Demo: directory and statistics", scopes=API_SCOPES, created_by=admin
    )
    return DemoReport(
        counts={"partners": len(PARTNER_NAMES)},
        logins=[
            "",
            f"Partner API key ({fi.name}; scopes {', '.join(API_SCOPES)}), shown only now:",
            f"  {raw_key}",
            f'  curl -H "Authorization: Api-Key {raw_key}" {ctx.base_url}api/v1/directory/organizations/',
        ],
    )
