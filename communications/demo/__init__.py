"""The communications demo, one module per topic; the plugin's seeder runs them in order."""

from django.db import transaction

from clac.plugins import DemoContext, DemoReport
from communications.demo import campaigns, partners


def is_empty() -> tuple[bool, str]:
    for module in (partners, campaigns):
        empty, found = module.is_empty()
        if not empty:
            return empty, found
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    return campaigns.flush() | partners.flush()


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    report = partners.seed(ctx)
    for module in (campaigns,):
        extra = module.seed(ctx)
        report.counts.update(extra.counts)
        report.logins.extend(extra.logins)
    return report
