"""manage.py seed_demo [--scale small|large] [--seed N] [--flush]

Fills an empty database with realistic, deterministic demo data (members/demo/) and prints
the logins. `make demo` and CI run `seed_demo --scale small --seed 1` on a fresh SQLite file.

Interim: the platform's demo command, which runs every app's registered seeder, replaces it."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from members import demo
from members.demo.context import DemoContext

URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Load realistic demo data (organizations, people, reports, users) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=sorted(demo.SCALES),
            default="small",
            help="small: ~950 organizations (the real network); large: ~10,000 (benchmarks and load).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same data.")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="First delete every organization, person, demo user and demo exchange rate.",
        )
        parser.add_argument(
            "--organizations",
            type=int,
            default=None,
            help=f"Number of organizations, overriding --scale (at least {demo.MIN_ORGANIZATIONS}; used by tests).",
        )

    def handle(self, *args, scale: str, seed: int, flush: bool, organizations: int | None, **options) -> None:
        count = organizations if organizations is not None else demo.SCALES[scale]
        if count < demo.MIN_ORGANIZATIONS:
            raise CommandError(f"--organizations must be at least {demo.MIN_ORGANIZATIONS}.")
        started = time.monotonic()
        if flush:
            deleted = demo.flush()
            self.stdout.write(
                f"Flushed: {deleted.get('members.Organization', 0)} organizations, "
                f"{deleted.get('members.Person', 0)} people, {deleted.get('clac.User', 0)} demo users."
            )
        else:
            empty, found = demo.is_empty()
            if not empty:
                raise CommandError(
                    f"This database already has {found}. seed_demo only fills an empty database; "
                    "run it with --flush to delete the registry and the demo users first."
                )
        verbosity = options.get("verbosity", 1)
        ctx = DemoContext(
            seed=seed,
            scale=scale,
            organizations=count,
            today=timezone.localdate(),
            log=(lambda line: self.stdout.write(line)) if verbosity > 1 else None,
            shared={},
        )
        report = demo.seed(ctx)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {elapsed:.1f} s (seed {seed}): "
                + ", ".join(f"{n} {label}" for label, n in report.counts.items())
            )
        )
        self.stdout.write("")
        self.stdout.write(f"Open {URL}")
        for line in report.logins:
            self.stdout.write(line)
