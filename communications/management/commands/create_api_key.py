"""manage.py create_api_key --partner NAME --scopes a,b [--expires-days N] [--name LABEL]

Creates the partner if it does not exist (kind "other") and prints the new key once."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from clac.api.scopes import SCOPES
from communications.models import ExternalPartner
from communications.services import api_key_create, external_partner_create


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Create an API key for a partner (created if missing) and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partner", required=True, help="Partner name (exact; created if missing).")
        parser.add_argument("--scopes", required=True, help=f"Comma-separated scopes, any of: {', '.join(SCOPES)}.")
        parser.add_argument("--expires-days", type=int, default=None, help="Days until the key expires.")
        parser.add_argument("--name", default="", help="A label for the key (default: the partner's name).")

    def handle(self, *args, partner: str, scopes: str, expires_days: int | None, name: str, **options) -> None:
        scope_list = [s.strip() for s in scopes.split(",") if s.strip()]
        unknown = [s for s in scope_list if s not in SCOPES]
        if unknown or not scope_list:
            raise CommandError(
                f"Unknown scope(s): {', '.join(unknown) or '(none given)'}. Known scopes: {', '.join(SCOPES)}."
            )
        if expires_days is not None and expires_days <= 0:
            raise CommandError("--expires-days must be a positive number of days.")
        partner_name = partner.strip()
        if not partner_name:
            raise CommandError("--partner needs a name.")
        expires_at = timezone.now() + datetime.timedelta(days=expires_days) if expires_days else None
        try:
            with transaction.atomic():
                partner_row = ExternalPartner.objects.filter(name__iexact=partner_name).first()
                created = partner_row is None
                if partner_row is None:  # created
                    partner_row = external_partner_create(name=partner_name, kind=ExternalPartner.Kind.OTHER)
                key, raw_key = api_key_create(
                    partner=partner_row,
                    name=name.strip() or partner_row.name,
                    scopes=scope_list,
                    expires_at=expires_at,
                )
        except ValidationError as exc:
            raise CommandError(_error_text(exc)) from exc

        if created:
            self.stderr.write(f"Created partner {partner_row.name!r} (kind: other).")
        expiry = key.expires_at.isoformat() if key.expires_at else "never"
        scopes_text = ", ".join(key.scopes)
        self.stderr.write(f"Key {key.prefix}… for {partner_row.name}, scopes {scopes_text}, expires {expiry}.")
        self.stderr.write("Store it now: it is shown only this once. Send it as: Authorization: Api-Key <key>")
        # The raw key alone on stdout, so scripts can capture it.
        self.stdout.write(raw_key)
