"""manage.py seed_demo [--scale small|large] [--seed N] [--flush]

Fills an empty database with realistic, deterministic demo data (members/demo.py) and prints
the logins. `make demo` and CI run `seed_demo --scale small --seed 1` on a fresh SQLite file."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from clac.roles import PortalRole, StaffRole
from members.demo import (
    API_SCOPES,
    DEMO_PASSWORD,
    MIN_ORGANIZATIONS,
    SCALES,
    demo_database_is_empty,
    demo_flush,
    demo_seed,
)

URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Load realistic demo data (organizations, people, reports, users, a partner key) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="small",
            help="small: ~950 organizations (the real network); large: ~10,000 (benchmarks and load).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same data.")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="First delete every organization, person, demo user, demo partner and demo exchange rate.",
        )
        parser.add_argument(
            "--organizations",
            type=int,
            default=None,
            help=f"Number of organizations, overriding --scale (at least {MIN_ORGANIZATIONS}; used by tests).",
        )

    def handle(self, *args, scale: str, seed: int, flush: bool, organizations: int | None, **options) -> None:
        count = organizations if organizations is not None else SCALES[scale]
        if count < MIN_ORGANIZATIONS:
            raise CommandError(f"--organizations must be at least {MIN_ORGANIZATIONS}.")
        started = time.monotonic()
        if flush:
            deleted = demo_flush()
            self.stdout.write(
                f"Flushed: {deleted.get('members.Organization', 0)} organizations, "
                f"{deleted.get('members.Person', 0)} people, {deleted.get('clac.User', 0)} demo users."
            )
        else:
            empty, found = demo_database_is_empty()
            if not empty:
                raise CommandError(
                    f"This database already has {found}. seed_demo only fills an empty database; "
                    "run it with --flush to delete the registry and the demo users first."
                )
        verbosity = options.get("verbosity", 1)
        result = demo_seed(
            seed=seed, organizations=count, log=(lambda line: self.stdout.write(line)) if verbosity > 1 else None
        )
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {elapsed:.1f} s (seed {seed}): "
                + ", ".join(f"{n} {label}" for label, n in result.counts.items())
            )
        )
        self._print_logins(result)

    def _print_logins(self, result) -> None:
        out = self.stdout.write
        with translation.override("en"):  # the console summary is for developers
            staff_labels = {role.value: str(role.label) for role in StaffRole}
            portal_labels = {role.value: str(role.label) for role in PortalRole}
        out("")
        out(f"Open {URL}")
        out(f"Password for every demo user: {DEMO_PASSWORD}")
        out("")
        out("Staff (dashboard)")
        for username, role in result.staff:
            out(f"  {username:<16} {staff_labels.get(role, role)}")
        out("")
        out("Portal (member organizations)")
        for username, organizations in result.portal:
            for index, (name, role) in enumerate(organizations):
                out(f"  {username if index == 0 else '':<16} {portal_labels.get(role, role):<13} {name}")
        out("")
        out(f"Partner API key ({result.partner}; scopes {', '.join(API_SCOPES)}), shown only now:")
        out(f"  {result.api_key}")
        out(f'  curl -H "Authorization: Api-Key {result.api_key}" {URL}api/v1/directory/organizations/')
