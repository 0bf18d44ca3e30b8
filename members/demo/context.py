"""What the demo command hands every app's seeder, and what each gives back.

TEMPORARY: the platform will define these same classes in `clac/demo.py` (its registry of demo
seeders); members will then import them from there and this module goes away."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class DemoContext:
    seed: int  # the --seed
    scale: str  # "small" | "large"
    organizations: int  # number of organizations (from --scale or --organizations)
    today: datetime.date
    log: Callable[[str], None] | None
    shared: dict[str, Any]  # what a seeder leaves for later seeders ("users", "admin", "organizations"…)


@dataclass
class DemoReport:
    counts: dict[str, int]  # label → number, printed after "Demo data loaded"
    logins: list[str]  # lines printed after, e.g. the staff and portal logins table
