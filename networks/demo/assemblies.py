"""Demo data of the assemblies area: `seed(ctx, rng) -> dict[str, int]` (counts by label), called by
networks/demo/__init__.py in order (networks, governance, meetings, assemblies)."""

import random

from clac.plugins import DemoContext


def seed(ctx: DemoContext, rng: random.Random) -> dict[str, int]:
    return {}
