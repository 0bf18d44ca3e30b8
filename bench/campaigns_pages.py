"""Benchmark: the campaigns pages at `seed_demo --scale large`: the campaigns list (first and
last page), the statistics page of the campaign with the most messages (the demo's sent call
to the General Assembly), its campaign page, the staff API list and detail, and the portal's
announcements list.

Measured like bench/networks_pages.py (whose helpers it uses): through django.test.Client as
the demo communications officer (the portal page as the Pangoa portal user), warmed up, then
`runs` timed requests around `client.get` (server time), `repeats` times.

Targets (issue 10): p50 ≤ 100 ms and p95 ≤ 300 ms on every page; the list's last page within
1.2 times the first, with the same number of queries."""

from __future__ import annotations

import os

from bench.networks_pages import (
    LAST_FIRST_TARGET,
    P50_TARGET_MS,
    P95_TARGET_MS,
    PORTAL_USER,
    Page,
    _combine,
    _print_row,
    measure,
    results_table_lines,
)
from bench.networks_pages import seed as _seed

HEADING = "## Campaigns pages (`bench/campaigns_pages.py`)"
LAST = "page=1000000"


def row_counts() -> dict[str, int]:
    from communications.models import AnnouncementRead, Campaign, Message

    return {
        "campaigns": Campaign.objects.count(),
        "messages": Message.objects.count(),
        "announcement reads": AnnouncementRead.objects.count(),
    }


def pages() -> list[Page]:
    from django.db.models import Count

    from communications.models import Campaign

    busiest = Campaign.objects.annotate(n=Count("messages")).order_by("-n", "pk").values_list("pk", flat=True).first()
    draft = Campaign.objects.filter(status="draft").order_by("pk").values_list("pk", flat=True).first()
    d = "/dashboard/campaigns/"
    return [
        Page("dashboard: campaigns", d, "staff", f"{d}?{LAST}"),
        Page("dashboard: campaign", f"{d}{busiest}/", "staff"),
        Page("dashboard: campaign statistics", f"{d}{busiest}/statistics/", "staff"),
        Page("api: campaigns", "/api/v1/campaigns/", "staff"),
        Page("api: campaign with statistics", f"/api/v1/campaigns/{busiest}/", "staff"),
        Page("portal: announcements", "/portal/announcements/", "portal"),
        *(
            [
                Page("dashboard: new campaign (form)", f"{d}new/", "staff"),
                Page("dashboard: campaign edit (form)", f"{d}{draft}/edit/", "staff"),
                Page("dashboard: campaign content (form)", f"{d}{draft}/content/", "staff"),
            ]
            if draft
            else []
        ),
    ]


def _clients() -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = get_user_model().objects
    clients: dict = {}
    for key, username in (("staff", "communications"), ("portal", PORTAL_USER)):
        client = Client()
        client.force_login(users.get(username=username))
        clients[key] = (client, {})
    return clients


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
        row: dict = {"label": page.label, "url": page.url, "first": _combine(first_runs)}
        if last_runs:
            row["last"] = _combine(last_runs)
            if row["first"].get("p50") and row["last"].get("p50"):
                row["ratio"] = row["last"]["p50"] / row["first"]["p50"]
        results.append(row)
        _print_row(row)
    figures["pages"] = results
    return figures


def report_lines(figures: dict) -> list[str]:
    """The "Campaigns pages" section of docs/benchmarks.md."""
    seed_info = figures["seed"]
    counts = ", ".join(f"{label} {n:,}" for label, n in seed_info["counts"].items())
    scale = (
        f"`seed_demo --scale {seed_info['scale']} --seed 1`"
        if not seed_info.get("organizations")
        else f"`seed_demo --organizations {seed_info['organizations']} --seed 1`"
    )
    lines = [
        HEADING,
        "",
        f"The campaigns pages over {scale}: {counts}. Each page through `django.test.Client` as the demo "
        "communications officer (the portal page as the Pangoa portal user), the campaign with the most messages "
        f"for the detail pages; after a warm-up, {figures['runs']} timed requests (server time), "
        f"{figures['repeats']} repeats: p50 and p95 are the medians of the repeats' figures.",
        "",
        f"Targets: p50 ≤ {P50_TARGET_MS:.0f} ms and p95 ≤ {P95_TARGET_MS:.0f} ms on every page; for lists, the "
        f"last page's p50 within {LAST_FIRST_TARGET} times the first's, with the same number of queries.",
        "",
    ]
    table, missed = results_table_lines(figures["pages"])
    lines += table
    lines += ["", "All targets met." if not missed else f"Not met: {', '.join(missed)}.", ""]
    return lines


if __name__ == "__main__":
    # Against an already seeded database (DATABASE_URL), for working on one page:
    #   DATABASE_URL=… python -m bench.campaigns_pages [label substring] [runs] [repeats]
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
