"""The communications demo, one module per topic; the plugin's seeder runs them in order."""

from django.db import transaction

from clac.plugins import DemoContext, DemoReport
from communications.demo import audiences, partners


def is_empty() -> tuple[bool, str]:
    for module in (partners, audiences):
        empty, found = module.is_empty()
        if not empty:
            return empty, found
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    counts = audiences.flush()
    for label, count in partners.flush().items():
        counts[label] = counts.get(label, 0) + count
    return counts


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    report = partners.seed(ctx)
    report.counts.update(audiences.seed(ctx).counts)
    return report
