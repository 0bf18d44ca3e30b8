"""manage.py seed_demo [--scale small|large] [--seed N] [--flush] [--organizations N] [--port N]

Fills an empty database with realistic, deterministic demo data from every app's seeder (their
plugins' `demo`), in dependency order and in one transaction, then prints the logins.
`make demo` and CI run `seed_demo --scale small --seed 1` on a fresh SQLite file."""

import os
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from clac import plugins
from clac.plugins import DEMO_SCALES, DemoContext, DemoError, DemoReport

# The address `make demo` serves on: its DEMO_PORT (an environment variable there too).
DEFAULT_PORT = 8000


def demo_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/"


class Command(BaseCommand):
    help = "Load realistic demo data (every module's) into an empty database and print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=DEMO_SCALES,
            default="small",
            help="small: the real network (~950 organizations); large: ten times that (benchmarks and load).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same data.")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="First delete what the seeders create (every organization and person, demo users and partners…).",
        )
        parser.add_argument(
            "--organizations",
            type=int,
            default=None,
            help="Number of member organizations, overriding --scale (small numbers are for tests).",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("DEMO_PORT") or DEFAULT_PORT),
            help="The port the demo is served on, for the addresses printed (default: DEMO_PORT, else 8000).",
        )

    def handle(
        self, *args, scale: str, seed: int, flush: bool, organizations: int | None, port: int, **options
    ) -> None:
        url = demo_url(port)
        seeders = plugins.demo_seeders()
        started = time.monotonic()
        verbosity = options.get("verbosity", 1)
        context = DemoContext(
            seed=seed,
            scale=scale,
            organizations=organizations,
            today=timezone.localdate(),
            log=(lambda line: self.stdout.write(line)) if verbosity > 1 else None,
            base_url=url,
        )
        reports: list[DemoReport] = []
        try:
            # One transaction: a seeder that fails (or refuses its options) leaves the database
            # as it was, flushed data included.
            with transaction.atomic():
                if flush:
                    self._flush(seeders)
                else:
                    self._require_empty(seeders)
                for _app, seeder in seeders:
                    reports.append(seeder.seed(context))
        except DemoError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        counts = ", ".join(f"{n} {label}" for report in reports for label, n in report.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {elapsed:.1f} s (seed {seed}): {counts}"))
        self.stdout.write("")
        self.stdout.write(f"Open {url}")
        for report in reports:
            for line in report.logins:
                self.stdout.write(line)

    def _flush(self, seeders: list) -> None:
        # Later apps first: their rows point at earlier apps' rows.
        for app, seeder in reversed(seeders):
            deleted = seeder.flush()
            summary = ", ".join(f"{count} {label}" for label, count in sorted(deleted.items()) if count)
            self.stdout.write(f"Flushed {app}: {summary or 'nothing'}.")

    def _require_empty(self, seeders: list) -> None:
        for _app, seeder in seeders:
            empty, found = seeder.is_empty()
            if not empty:
                raise CommandError(
                    f"This database already has {found}. seed_demo only fills an empty database; "
                    "run it with --flush to delete the demo data first."
                )
