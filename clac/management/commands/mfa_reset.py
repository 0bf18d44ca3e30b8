"""manage.py mfa_reset --user USERNAME [--by ADMIN_USERNAME]

Removes every second factor of a user who lost their phone and their recovery codes (after
checking who they are by another channel). A staff member under MFA_REQUIRED_FOR_STAFF sets
up a new authenticator app at their next sign-in. Written to the security log."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clac.auth.mfa import mfa_disable, mfa_enabled


class Command(BaseCommand):
    help = "Remove a user's two-step sign-in devices (lost phone); they enrol again at next sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username whose devices go.")
        parser.add_argument("--by", default=None, help="Username of the administrator doing it (for the log).")

    def handle(self, *args, user: str, by: str | None, **options) -> None:
        users = get_user_model().objects
        user_row = users.filter(username=user).first()
        if user_row is None:
            raise CommandError(f"No user named {user!r}.")
        actor = None
        if by is not None:
            actor = users.filter(username=by).first()
            if actor is None:
                raise CommandError(f"No user named {by!r}.")
        had = mfa_enabled(user_row)
        mfa_disable(user=user_row, actor=actor)
        if had:
            self.stdout.write(f"Two-step sign-in removed for {user_row.username}; they enrol again at next sign-in.")
        else:
            self.stdout.write(f"{user_row.username} had no confirmed authenticator; any pending one was removed.")
