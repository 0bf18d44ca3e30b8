"""The finance app's demo seeder: one module per area (the books: donors, agreements,
tranches, FI allocation, services income, expenses per strategic line, budgets), each with
its own random stream. Runs after the members seeder (its admin and exchange rates)."""

import random

from django.db import transaction

from clac.plugins import DemoContext, DemoReport
from finance.demo import books, dues, support
from finance.models import JournalEntry
from finance.services.ledger import ledger_purge

AREAS = (books, dues, support)


def is_empty() -> tuple[bool, str]:
    count = JournalEntry.objects.count()
    if count:
        return False, f"{count} journal entries"
    for area in AREAS:
        empty, found = area.is_empty()
        if not empty:
            return False, found
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    """Deletes every area's demo records (last area first), then the whole journal, then what
    only the journal held (restricted funds), and the audit history."""
    from django.apps import apps
    from django.test.utils import override_settings

    deleted: dict[str, int] = {}
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        for area in reversed(AREAS):
            for label, count in area.flush_records().items():
                deleted[label] = deleted.get(label, 0) + count
        deleted["finance.JournalEntry"] = ledger_purge()
        for area in reversed(AREAS):
            for label, count in area.flush_after_ledger().items():
                deleted[label] = deleted.get(label, 0) + count
        for model in apps.get_app_config("finance").get_models():
            if model.__name__.startswith("Historical"):
                model._default_manager.all().delete()
    return deleted


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    counts: dict[str, int] = {}
    for area in AREAS:
        rng = random.Random(f"{ctx.seed}:finance:{area.__name__.rsplit('.', 1)[-1]}")
        counts.update(area.seed(ctx, rng))
    return DemoReport(counts=counts)
