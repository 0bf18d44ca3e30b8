"""The finance app's demo seeder. Runs after the members seeder (its organizations, exchange
rates and staff users from `ctx.shared`), with a random stream of its own per area."""

import random

from django.db import transaction

from clac.plugins import DemoContext, DemoReport
from finance.demo import dues
from finance.models import JournalEntry
from finance.services.ledger import ledger_purge


def is_empty() -> tuple[bool, str]:
    empty, found = dues.is_empty()
    if not empty:
        return False, found
    count = JournalEntry.objects.count()
    return (False, f"{count} journal entries") if count else (True, "")


@transaction.atomic
def flush() -> dict[str, int]:
    """Deletes the finance demo data: the dues rows, then every journal entry."""
    deleted = dues.flush()
    deleted["finance.JournalEntry"] = ledger_purge()
    return deleted


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    counts: dict[str, int] = {}
    counts.update(dues.seed(ctx, random.Random(f"{ctx.seed}:finance:dues")))
    return DemoReport(counts=counts)
