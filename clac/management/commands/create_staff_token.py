"""manage.py create_staff_token --user USERNAME [--name LABEL] [--expires-days N]

Prints a personal API token for a staff member's scripts, once. It acts with the user's roles."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clac.services import staff_token_create


class Command(BaseCommand):
    help = "Create a personal API token for a staff user and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username of a staff member.")
        parser.add_argument("--name", default="script", help="A label for the token.")
        parser.add_argument("--expires-days", type=int, default=None, help="Days until the token expires.")

    def handle(self, *args, user: str, name: str, expires_days: int | None, **options) -> None:
        user_row = get_user_model().objects.filter(username=user).first()
        if user_row is None:
            raise CommandError(f"No user named {user!r}.")
        if expires_days is not None and expires_days <= 0:
            raise CommandError("--expires-days must be a positive number of days.")
        expires_at = timezone.now() + datetime.timedelta(days=expires_days) if expires_days else None
        try:
            token, raw_key = staff_token_create(user=user_row, name=name, expires_at=expires_at)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(f"Token {token.prefix}… for {user_row.username}. Shown only this once.")
        self.stderr.write("Send it as: Authorization: Token <token>")
        self.stdout.write(raw_key)
