"""Benchmark: the finance books' pages at `seed_demo --scale large` (thousands of journal
entries): the finance dashboard (every indicator of every year from the ledger), the journal
list on its first and last page (also filtered by fund), the funds and accounts with their
balances, the donors, a budget vs actual page and its XLSX, and the partners' indicators
endpoint.

Measured like bench/members_pages.py (the helpers of bench/networks_pages.py): through
django.test.Client as the demo administrator (the indicators endpoint with a `stats:read`
partner key), warmed up, then `runs` timed requests, `repeats` times.

Targets: p50 ≤ 100 ms and p95 ≤ 300 ms on every page; on the journal the last page's p50
within 1.2 times the first's, with the same number of queries."""

from __future__ import annotations

import os
from typing import Any

from bench.networks_pages import (
    LAST_FIRST_TARGET,
    P50_TARGET_MS,
    P95_TARGET_MS,
    Page,
    _combine,
    _print_row,
    measure,
    results_table_lines,
)
from bench.networks_pages import seed as _seed

LAST = "page=1000000"
HEADING = "## Finance pages"


def row_counts() -> dict[str, int]:
    from finance.models import Donor, GrantAgreement, JournalEntry, JournalLine

    models: dict[str, Any] = {
        "journal entries": JournalEntry,
        "journal lines": JournalLine,
        "donors": Donor,
        "agreements": GrantAgreement,
    }
    return {label: model.objects.count() for label, model in models.items()}


def pages() -> list[Page]:
    from django.utils import timezone

    from finance.models import Budget, Fund

    budget = Budget.objects.filter(year=timezone.localdate().year).values_list("pk", flat=True).first()
    operating = Fund.objects.filter(code="operating").values_list("pk", flat=True).first()
    f = "/dashboard/finance/"
    return [
        Page("finance: dashboard", f, "admin"),
        # The indicators computed again on every request, as after a posting (the cache cleared
        # first): what the first reader after each new entry waits.
        Page("finance: dashboard, indicators recomputed", f, "admin_cold"),
        Page("finance: journal", f"{f}journal/", "admin", f"{f}journal/?{LAST}"),
        Page(
            "finance: journal, operating fund",
            f"{f}journal/?fund={operating}",
            "admin",
            f"{f}journal/?fund={operating}&{LAST}",
        ),
        Page("finance: funds", f"{f}funds/", "admin"),
        Page("finance: accounts", f"{f}accounts/", "admin"),
        Page("finance: donors", f"{f}donors/", "admin"),
        Page("finance: budget vs actual", f"{f}budgets/{budget}/", "admin"),
        Page("API: finance indicators (partner)", "/api/v1/finance/indicators/", "partner"),
    ]


def _clients() -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from clac.api.scopes import STATS_READ
    from communications.models import ExternalPartner
    from communications.services import api_key_create

    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    partner = ExternalPartner.objects.order_by("pk")[0]
    _key, raw = api_key_create(partner=partner, name="bench finance", scopes=[STATS_READ])
    cold = _cold_client()
    cold.force_login(get_user_model().objects.get(username="admin"))
    return {"admin": (client, {}), "admin_cold": (cold, {}), "partner": (Client(), {"Authorization": f"Api-Key {raw}"})}


def _cold_client():
    from django.core.cache import cache
    from django.test import Client

    class ColdClient(Client):
        """Clears the cache (where the indicators are kept) before each request."""

        def get(self, *args: Any, **kwargs: Any):  # type: ignore[override]
            cache.clear()
            return super().get(*args, **kwargs)

    return ColdClient()


def run(*, runs: int = 20, repeats: int = 3, scale: str = "large", organizations: int | None = None,
        load: bool = True, only: str = "") -> dict:  # fmt: skip
    figures: dict = {"runs": runs, "repeats": repeats}
    if load:
        figures["seed"] = {**_seed(scale=scale, organizations=organizations), "counts": row_counts()}
    else:
        figures["seed"] = {"scale": scale, "organizations": organizations, "seed_seconds": None,
                           "counts": row_counts()}  # fmt: skip
    clients = _clients()
    results = []
    for page in pages():
        if only and only not in page.label:
            continue
        client, headers = clients[page.user]
        first_runs, last_runs = [], []
        for _ in range(repeats):
            first_runs.append(measure(client, headers, page.url, runs=runs))
            if page.last_url:
                last_runs.append(measure(client, headers, page.last_url, runs=runs))
        row: dict[str, Any] = {"label": page.label, "url": page.url, "first": _combine(first_runs)}
        if last_runs:
            row["last"] = _combine(last_runs)
            if row["first"].get("p50") and row["last"].get("p50"):
                row["ratio"] = row["last"]["p50"] / row["first"]["p50"]
        results.append(row)
        _print_row(row)
    figures["pages"] = results
    return figures


def report_lines(figures: dict) -> list[str]:
    """The "Finance pages" section of docs/benchmarks.md."""
    seed_info = figures["seed"]
    counts = ", ".join(f"{label} {n:,}" for label, n in seed_info["counts"].items())
    rows = figures["pages"]
    lines = [
        f"{HEADING} (`bench/finance_pages.py`)",
        "",
        f"The finance books' pages over `seed_demo --scale {seed_info['scale']} --seed 1`: {counts}. Each page "
        "through `django.test.Client` as the demo administrator (the indicators endpoint with a `stats:read` key); "
        f"after a warm-up, {figures['runs']} timed requests (server time), {figures['repeats']} repeats.",
        "",
        f"Targets: p50 ≤ {P50_TARGET_MS:.0f} ms and p95 ≤ {P95_TARGET_MS:.0f} ms on every page; for the journal, "
        f"the last page's p50 within {LAST_FIRST_TARGET} times the first's, with the same number of queries.",
        "",
    ]
    table, missed = results_table_lines(rows)
    lines += table
    lines += ["", "All targets met." if not missed else f"Not met: {', '.join(missed)}.", ""]
    lines += [
        "The indicators are kept in the cache under the books' version (ADR 0018): *finance: dashboard* is what "
        "every reader but the first after a posting sees (one query for the version); *indicators recomputed* "
        "clears the cache before each request, as the first reader after each new entry finds it. Recomputing "
        "reads every journal line of the five years shown: measured apart on 2026-11-30 over 1,010,195 lines "
        "(the large demo plus 450,000 generated entries), 524 ms (median of 5; 507-549), in the same queries "
        "(tests/finance/test_books_million_lines.py shows the dashboard's query count does not change with "
        "a million lines).",
        "",
    ]
    return lines


if __name__ == "__main__":
    # Against an already seeded database (DATABASE_URL):
    #   DATABASE_URL=… python -m bench.finance_pages [label substring] [runs] [repeats]
    import sys

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    arguments = sys.argv[1:]
    run(
        runs=int(arguments[1]) if len(arguments) > 1 else 20,
        repeats=int(arguments[2]) if len(arguments) > 2 else 1,
        load=False,
        only=arguments[0] if arguments else "",
    )
