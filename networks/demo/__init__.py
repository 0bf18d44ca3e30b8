"""The networks app's demo seeder: CLAC's real structure (17 country networks, some
binational; the 8 product networks; the workers network with its 3 subregions and national
committees), bodies with mandates and seats, two years of meetings with agreements, and one
past General Assembly with about 200 accredited delegates and its motions.

Runs after the members seeder (it uses its organizations, people and staff users from
`ctx.shared`), with a random stream of its own."""

import random

from django.db import transaction

from clac.plugins import DemoContext, DemoReport
from networks.demo import assemblies, governance, meetings, networks, strategies
from networks.demo import reviews as demo_reviews
from networks.models import AssemblySession, Body, Need, Network, PriceReference, Review, SustainabilityStrategy

AREAS = (networks, governance, meetings, assemblies, demo_reviews, strategies)


def is_empty() -> tuple[bool, str]:
    count = Network.objects.count()
    if count:
        return False, f"{count} networks"
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    """Deletes every network, body, meeting and assembly, and their audit history (meant for
    demo and test databases only, like the registry's flush)."""
    from django.apps import apps
    from django.test.utils import override_settings

    deleted: dict[str, int] = {}
    # simple_history would write a "deleted" row per object; the history is emptied below.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        # Assembly sessions first: they protect their body (an assembly record is never deleted
        # by accident).
        # Reviews and price references too: a review protects its network. Sustainability
        # strategies protect their supporting network; needs may have no network.
        for queryset in (
            PriceReference.objects.all(),
            Review.objects.all(),
            SustainabilityStrategy.objects.all(),
            Need.objects.all(),
            AssemblySession.objects.all(),
            Body.objects.all(),
            Network.objects.all(),
        ):
            for label, count in queryset.delete()[1].items():
                deleted[label] = deleted.get(label, 0) + count
        for model in apps.get_app_config("networks").get_models():
            if model.__name__.startswith("Historical"):
                model._default_manager.all().delete()
    return deleted


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    rng = random.Random(f"{ctx.seed}:networks")
    counts: dict[str, int] = {}
    for area in AREAS:
        counts.update(area.seed(ctx, rng))
    return DemoReport(counts=counts)
