"""The finance app's demo seeder, one module per area; runs after the members seeder (it uses its
organizations, portal users and staff users), with a random stream of its own."""

import random

from django.db import transaction

from clac.plugins import DemoContext, DemoReport
from finance.demo import support
from finance.services.ledger import ledger_purge

AREAS = (support,)


def is_empty() -> tuple[bool, str]:
    for area in AREAS:
        empty, found = area.is_empty()
        if not empty:
            return False, found
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    """Deletes the demo's finance records and then the whole journal (demo and test databases
    only; ledger_purge is the one path the database lets delete posted entries)."""
    deleted: dict[str, int] = {}
    for area in AREAS:
        deleted.update(area.flush())
    deleted["finance.JournalEntry"] = ledger_purge()
    return deleted


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    rng = random.Random(f"{ctx.seed}:finance")
    counts: dict[str, int] = {}
    for area in AREAS:
        counts.update(area.seed(ctx, rng))
    return DemoReport(counts=counts)
