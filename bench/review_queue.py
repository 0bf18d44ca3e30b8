"""Benchmark: the membership review queue and the expiring-certificates list at
`seed_demo --scale large` (issue 12, items 6 and 16: the queue was one 1.2 MB page with a
form per row, p50 ~700 ms).

The pages are requested through django.test.Client as the demo administrator (who sees the
bulk-close form), warmed up, then timed `runs` times around `client.get` (server time), with
the networks benchmark's `measure` (bench/networks_pages.py): the queue's first and last page,
the queue filtered by reason and by country, and the expiring-certificates list (366 days, so
it has several pages). Targets: p50 ≤ 100 ms, p95 ≤ 300 ms, the last page within 1.2 times
the first, the same number of queries on both.

Run alone: `python -m bench.run review_queue` (seeds the demo in the networks benchmark's
database unless networks_pages ran first in the same run)."""

from __future__ import annotations

import statistics

from bench.networks_pages import LAST_FIRST_TARGET, LAST_PAGE, P50_TARGET_MS, P95_TARGET_MS, Page

HEADING = "## Review queue (`bench/review_queue.py`)"


def pages() -> list[Page]:
    from members.models import Membership

    flagged = Membership.objects.filter(review_requested_at__isnull=False)
    busiest = (
        flagged.values_list("organization__country_id", flat=True).order_by("organization__country_id").first() or "PE"
    )
    q = "/dashboard/registry/reviews/"
    e = "/dashboard/registry/certifications/expiring/"
    last = f"page={LAST_PAGE}"
    return [
        Page("review queue", q, "admin", f"{q}?{last}"),
        Page("review queue: reason suspended", f"{q}?reason=suspended", "admin", f"{q}?reason=suspended&{last}"),
        Page(f"review queue: country {busiest}", f"{q}?country={busiest}", "admin", f"{q}?country={busiest}&{last}"),
        Page("review queue: waiting > 30 days", f"{q}?older_than=30", "admin", f"{q}?older_than=30&{last}"),
        Page("certificates ending (366 days)", f"{e}?days=366", "admin", f"{e}?days=366&{last}"),
    ]


def _admin_client(username: str = "admin"):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def measure_pages(*, runs: int = 20, repeats: int = 1, username: str = "admin") -> list[dict]:
    from bench.networks_pages import _combine, _print_row, measure

    client = _admin_client(username)
    rows = []
    for page in pages():
        first = [measure(client, {}, page.url, runs=runs) for _ in range(repeats)]
        last = [measure(client, {}, page.last_url, runs=runs) for _ in range(repeats)]
        row = {"label": page.label, "url": page.url, "first": _combine(first), "last": _combine(last)}
        for which, measured in (("first", first), ("last", last)):
            row[which]["kb"] = measured[0].get("bytes", 0) / 1024
        if row["first"].get("p50") and row["last"].get("p50"):
            row["ratio"] = row["last"]["p50"] / row["first"]["p50"]
        rows.append(row)
        _print_row(row)
    return rows


def run_in_database(name: str, *, seeded: bool, runs: int = 20, repeats: int = 3) -> dict:
    """Measure in database `name` (the networks benchmark's), seeding `seed_demo --scale
    large` there first unless it already holds it; the connection is switched back after."""
    from django.core.management import call_command
    from django.db import connection, connections

    from bench.networks_pages import seed

    previous = connection.settings_dict["NAME"]
    connections.close_all()
    connection.settings_dict["NAME"] = name
    try:
        if not seeded:
            call_command("migrate", verbosity=0)
            seed_info = seed(scale="large")
        else:
            seed_info = {"scale": "large", "seed_seconds": None}
        from members.models import Certification, Membership

        seed_info["counts"] = {
            "memberships in review": Membership.objects.filter(review_requested_at__isnull=False).count(),
            "certifications": Certification.objects.count(),
        }
        return {"runs": runs, "repeats": repeats, "seed": seed_info, "pages": measure_pages(runs=runs, repeats=repeats)}
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = previous


def met(figure: dict) -> bool:
    return figure.get("status") == 200 and figure["p50"] <= P50_TARGET_MS and figure["p95"] <= P95_TARGET_MS


def report_lines(figures: dict) -> list[str]:
    counts = ", ".join(f"{label} {n:,}" for label, n in figures["seed"]["counts"].items())
    lines = [
        HEADING,
        "",
        f"The membership review queue and the expiring-certificates list over `seed_demo --scale large --seed 1` "
        f"({counts}), as the demo administrator (the bulk-close form shown); {figures['runs']} timed requests "
        f"after a warm-up, {figures['repeats']} repeats (p50/p95: medians of the repeats). Targets: p50 ≤ "
        f"{P50_TARGET_MS:.0f} ms, p95 ≤ {P95_TARGET_MS:.0f} ms, "
        f"the last page within {LAST_FIRST_TARGET} times the first. *load*: the 1-minute load average during "
        "the page's measurement (2 CPUs, shared with other work: above 2, the figures are inflated).",
        "",
        "| page | p50 (spread) | p95 | queries | KB | last/first | load | target met? |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in figures["pages"]:
        for which in ("first", "last"):
            if which not in row:  # a page without pages
                continue
            figure = row[which]
            label = row["label"] + (" — last page" if which == "last" else "")
            if figure.get("status") != 200:
                lines.append(f"| {label} | HTTP {figure.get('status')} | | | | | | no |")
                continue
            ratio = f"{row['ratio']:.2f}" if which == "last" and row.get("ratio") else ""
            ok = met(figure) and (which == "first" or (row.get("ratio") or 0) <= LAST_FIRST_TARGET)
            lines.append(
                f"| {label} | {figure['p50']:.1f} ms ({figure['p50_min']:.1f}-{figure['p50_max']:.1f}) | "
                f"{figure['p95']:.1f} ms | {figure['queries']} | {figure.get('kb', 0):.0f} | {ratio} | "
                f"{figure.get('load', 0):.1f} | {'yes' if ok else 'no'} |"
            )
    p50s = [row["first"]["p50"] for row in figures["pages"] if row["first"].get("p50")]
    if p50s:
        lines += ["", f"Median p50 over these pages: {statistics.median(p50s):.1f} ms."]
    return lines
