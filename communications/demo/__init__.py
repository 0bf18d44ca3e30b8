"""The communications demo, one module per topic; the plugin's seeder runs them in order (and
flushes them in reverse: later topics point at earlier ones)."""

from django.db import transaction

from clac.plugins import DemoContext, DemoReport
from communications.demo import audiences, campaigns, inquiries, partners

# Seeded in this order, flushed in reverse (campaigns hold their audiences: PROTECT).
TOPICS = (partners, audiences, campaigns, inquiries)


def is_empty() -> tuple[bool, str]:
    for module in TOPICS:
        empty, found = module.is_empty()
        if not empty:
            return empty, found
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    counts: dict[str, int] = {}
    for module in reversed(TOPICS):
        for label, count in module.flush().items():
            counts[label] = counts.get(label, 0) + count
    return counts


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    report = partners.seed(ctx)
    for module in TOPICS[1:]:
        extra = module.seed(ctx)
        report.counts.update(extra.counts)
        report.logins.extend(extra.logins)
    return report
