"""The communications demo, one module per topic; the plugin's seeder runs them in order."""

from django.db import transaction

from clac.plugins import DemoContext, DemoReport
from communications.demo import partners


def is_empty() -> tuple[bool, str]:
    return partners.is_empty()


@transaction.atomic
def flush() -> dict[str, int]:
    return partners.flush()


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    return partners.seed(ctx)
