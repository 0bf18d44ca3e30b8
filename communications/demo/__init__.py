"""The communications demo, one module per topic; the plugin's seeder runs them in order."""

from django.db import transaction

from clac.plugins import DemoContext, DemoReport
from communications.demo import inquiries, partners


def is_empty() -> tuple[bool, str]:
    for module in (partners, inquiries):
        empty, found = module.is_empty()
        if not empty:
            return empty, found
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    return partners.flush() | inquiries.flush()


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    report = partners.seed(ctx)
    for module in (inquiries,):
        extra = module.seed(ctx)
        report.counts.update(extra.counts)
        report.logins.extend(extra.logins)
    return report
