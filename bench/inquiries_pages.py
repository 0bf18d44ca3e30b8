"""Benchmark: the inquiries pages at `seed_demo --scale large` (200 inquiries in each state,
with their threads): the public contact page (anonymous), the dashboard's inquiries list on
its first and last page (all, and filtered), the inquiry with the longest thread, and the
staff API's list (first and last page of its cursor).

Measured like bench/networks_pages.py (whose helpers it uses): through django.test.Client as
the demo communications user (the contact page as an anonymous visitor), warmed up, then
`runs` timed requests around `client.get` (server time), `repeats` times; p50 and p95 are the
medians of the repeats' figures.

Targets (the communications issue): p50 ≤ 100 ms and p95 ≤ 300 ms on every page; on every list
the last page's p50 within 1.2 times the first's, with the same number of queries."""

from __future__ import annotations

import os
from typing import Any

from bench.networks_pages import (
    LAST_FIRST_TARGET,
    P50_TARGET_MS,
    P95_TARGET_MS,
    Page,
    _combine,
    _last_cursor_url,
    _print_row,
    measure,
    results_table_lines,
)
from bench.networks_pages import seed as _seed

HEADING = "## Inquiries pages (`bench/inquiries_pages.py`)"
LAST = "page=1000000"
STAFF_USER = "communications"


def row_counts() -> dict[str, int]:
    from communications.models import Inquiry, InquiryMessage

    return {"inquiries": Inquiry.objects.count(), "inquiry messages": InquiryMessage.objects.count()}


def pages() -> list[Page]:
    from django.db.models import Count

    from communications.models import Inquiry

    longest = Inquiry.objects.annotate(n=Count("messages")).order_by("-n", "pk").values_list("pk", flat=True).first()
    d = "/dashboard/inquiries/"

    def listed(label: str, url: str) -> Page:
        joiner = "&" if "?" in url else "?"
        return Page(label, url, "staff", f"{url}{joiner}{LAST}")

    result = [
        Page("contact form (anonymous)", "/contact/", "anonymous"),
        listed("dashboard: inquiries", d),
        listed("dashboard: inquiries, open", f"{d}?status=open"),
        listed("dashboard: inquiries, Portuguese, membership", f"{d}?language=pt-br&category=membership"),
        Page("dashboard: inquiry (longest thread)", f"{d}{longest}/", "staff"),
        Page("dashboard: home (with the inquiries panel)", "/dashboard/", "staff"),
        Page("api: inquiries", "/api/v1/inquiries/", "staff", "cursor"),
        Page("api: inquiry (longest thread)", f"/api/v1/inquiries/{longest}/", "staff"),
    ]
    return [page for page in result if "None" not in page.url]


def _clients() -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    staff = Client()
    staff.force_login(get_user_model().objects.get(username=STAFF_USER))
    return {"staff": (staff, {}), "anonymous": (Client(), {})}


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
        last_url = page.last_url
        if last_url == "cursor":
            last_url, _walked = _last_cursor_url(client, headers, page.url)
        first_runs, last_runs = [], []
        for _ in range(repeats):
            first_runs.append(measure(client, headers, page.url, runs=runs))
            if last_url and last_url != page.url:
                last_runs.append(measure(client, headers, last_url, runs=runs))
        row: dict[str, Any] = {"label": page.label, "url": page.url, "first": _combine(first_runs)}
        if last_runs:
            row["last"] = _combine(last_runs)
            if row["first"].get("p50") and row["last"].get("p50"):
                row["ratio"] = row["last"]["p50"] / row["first"]["p50"]
        elif page.last_url:
            row["single_page"] = True
        results.append(row)
        _print_row(row)
    figures["pages"] = results
    return figures


def report_lines(figures: dict) -> list[str]:
    """The "Inquiries pages" section of docs/benchmarks.md."""
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
        f"The public contact page and the inquiries pages and API over {scale}: {counts}. Each page through "
        "`django.test.Client` as the demo communications user (the contact page anonymously); after a warm-up, "
        f"{figures['runs']} timed requests (server time), {figures['repeats']} repeats: p50 and p95 are the medians "
        "of the repeats' figures. Lists are measured on their first and their last page.",
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
    #   DATABASE_URL=… python -m bench.inquiries_pages [label substring] [runs] [repeats]
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
