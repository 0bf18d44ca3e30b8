"""Random and arithmetic helpers every planner uses. Randomness always comes from the `rng`
passed in, never from the `random` module's global state, so a seed reproduces the data."""

import datetime
import random
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone


def allocate(total: int, weights: dict[str, float], *, minimum: int = 0) -> dict[str, int]:
    """Split `total` in proportion to `weights` (largest remainder), each key getting at least
    `minimum` when the total allows it. Deterministic: no randomness."""
    keys = list(weights)
    floor = minimum if total >= minimum * len(keys) else 0
    rest = total - floor * len(keys)
    weight_sum = sum(weights.values()) or 1
    exact = {k: rest * weights[k] / weight_sum for k in keys}
    counts = {k: floor + int(exact[k]) for k in keys}
    left = total - sum(counts.values())
    for k in sorted(keys, key=lambda k: (-(exact[k] - int(exact[k])), keys.index(k)))[:left]:
        counts[k] += 1
    return counts


def weighted_choice(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def moment_on(rng: random.Random, day: datetime.date) -> datetime.datetime:
    """An office-hours moment on a day, aware in the project's time zone."""
    moment = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(moment)


def sorted_days(rng: random.Random, start: datetime.date, end: datetime.date, count: int) -> list[datetime.date]:
    """`count` increasing, distinct days between start and end (as far as the span allows)."""
    span = max((end - start).days, 0)
    if span + 1 >= count:
        offsets = sorted(rng.sample(range(span + 1), count))
    else:
        offsets = sorted(rng.randint(0, span) for _ in range(count))
    return [start + datetime.timedelta(days=o) for o in offsets]


def to_decimal(value: float, places: str = "0.01") -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))
