"""Benchmark: the dues invoices list (first and last page, filtered by overdue) and the ageing
report at `seed_demo --scale large` (three years of invoices for every active member, with
payments), as the demo finance user. Same shape and targets as bench/review_queue.py (its
report lines are reused): p50 ≤ 100 ms, p95 ≤ 300 ms, the last page within 1.2 times the
first, the same number of queries on both.

Run alone: `python -m bench.run dues_pages` (seeds the demo in the networks benchmark's
database unless networks_pages ran first in the same run)."""

from __future__ import annotations

from typing import Any

from bench.networks_pages import LAST_PAGE, Page

HEADING = "## Dues pages (`bench/dues_pages.py`)"
USER = "finance"


def pages() -> list[Page]:
    base = "/dashboard/finance/dues/"
    last = f"page={LAST_PAGE}"
    return [
        Page("dues invoices", base, USER, f"{base}?{last}"),
        Page("dues invoices: overdue", f"{base}?overdue=on", USER, f"{base}?overdue=on&{last}"),
        Page("dues ageing", f"{base}ageing/", USER, f"{base}ageing/"),
        Page("dues payments", f"{base}payments/", USER, f"{base}payments/?{last}"),
        Page(
            "dues payments: currency PEN", f"{base}payments/?currency=PEN", USER, f"{base}payments/?currency=PEN&{last}"
        ),
        Page("dues account (most invoices)", f"{base}organizations/{_busiest_organization()}/", USER),
    ]


def _busiest_organization() -> int:
    """The organization with the most dues invoices and payments (the account page's worst case)."""
    from django.db.models import Count

    from members.models import Organization

    busiest = (
        Organization.objects.annotate(
            rows=Count("dues_invoices", distinct=True) + Count("dues_payments", distinct=True)
        )
        .order_by("-rows", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return busiest or 0


def measure_pages(*, runs: int = 20, repeats: int = 1) -> list[dict]:
    from bench.networks_pages import _combine, _print_row, measure
    from bench.review_queue import _admin_client

    client = _admin_client(USER)
    rows = []
    for page in pages():
        first = [measure(client, {}, page.url, runs=runs) for _ in range(repeats)]
        last = [measure(client, {}, page.last_url, runs=runs) for _ in range(repeats)] if page.last_url else []
        row: dict[str, Any] = {"label": page.label, "url": page.url, "first": _combine(first)}
        if last:
            row["last"] = _combine(last)
        for which, measured in (("first", first), ("last", last)):
            if measured:
                row[which]["kb"] = measured[0].get("bytes", 0) / 1024
        if last and row["first"].get("p50") and row["last"].get("p50"):
            row["ratio"] = row["last"]["p50"] / row["first"]["p50"]
        rows.append(row)
        _print_row(row)
    return rows


def run_in_database(name: str, *, seeded: bool, runs: int = 20, repeats: int = 3) -> dict:
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
        from finance.models import DuesInvoice, DuesPayment

        seed_info["counts"] = {
            "dues invoices": DuesInvoice.objects.count(),
            "dues payments": DuesPayment.objects.count(),
        }
        return {"runs": runs, "repeats": repeats, "seed": seed_info, "pages": measure_pages(runs=runs, repeats=repeats)}
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = previous


def report_lines(figures: dict) -> list[str]:
    from bench.review_queue import report_lines as queue_lines

    lines = queue_lines(figures)
    lines[0] = HEADING
    lines[2] = lines[2].replace("The membership review queue and the expiring-certificates list", "The dues pages")
    lines[2] = lines[2].replace("as the demo administrator (the bulk-close form shown)", "as the demo finance user")
    return lines
