"""Benchmark: the support funds' pages at `seed_demo --scale large`: the calls list (dashboard,
first and last page), the call with the most applications (its ranking table of weighted
scores), one application, the portal's calls page and the staff API lists.

Measured like bench/networks_pages.py (whose helpers it uses): through django.test.Client as the
demo finance user (the portal page as the showcase portal user), warmed up, then `runs` timed
requests, `repeats` times. Targets: p50 ≤ 100 ms, p95 ≤ 300 ms; the same number of queries on
the first and the last page of a list."""

from __future__ import annotations

import os

from bench.networks_pages import PORTAL_USER, Page, _combine, _print_row, measure, results_table_lines
from bench.networks_pages import seed as _seed

LAST_PAGE = 1_000_000


def row_counts() -> dict[str, int]:
    from finance.models import Disbursement, FundingCall, Score, SupportApplication

    models = {
        "funding calls": FundingCall,
        "applications": SupportApplication,
        "scores": Score,
        "tranches": Disbursement,
    }
    return {label: model.objects.count() for label, model in models.items()}


def pages() -> list[Page]:
    from django.db.models import Count

    from finance.models import FundingCall, SupportApplication

    call = (
        FundingCall.objects.annotate(n=Count("applications")).order_by("-n", "pk").values_list("pk", flat=True).first()
    )
    application = SupportApplication.objects.exclude(status="draft").order_by("pk").values_list("pk", flat=True).first()
    # The call staff can still edit (draft or open), and the application with the most scores.
    open_call = (
        FundingCall.objects.filter(status__in=("draft", "open")).order_by("pk").values_list("pk", flat=True).first()
    )
    scored = (
        SupportApplication.objects.annotate(n=Count("scores")).order_by("-n", "pk").values_list("pk", flat=True).first()
    )
    d, a = "/dashboard/finance/support/", "/api/v1/"
    result = [
        Page("dashboard: funding calls", d, "finance", f"{d}?page={LAST_PAGE}"),
        Page("dashboard: funding call (ranking)", f"{d}{call}/", "finance"),
        Page("dashboard: support application", f"{d}applications/{application}/", "finance"),
        Page("dashboard: new funding call (form)", f"{d}new/", "finance"),
        Page("dashboard: edit a funding call (form)", f"{d}{open_call}/edit/", "finance"),
        Page("portal: support funds", "/portal/finance/support/", "portal"),
        Page("api: support-calls", f"{a}support-calls/", "finance"),
        Page("api: support-applications", f"{a}support-applications/", "finance"),
        Page("api: support application (scores, tranches, report)", f"{a}support-applications/{scored}/", "finance"),
    ]
    return [page for page in result if "None" not in page.url]


def _clients() -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    clients = {}
    for key, username in (("finance", "finance"), ("portal", PORTAL_USER)):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
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
        row = {"label": page.label, "url": page.url, "first": _combine(first_runs)}
        if last_runs:
            row["last"] = _combine(last_runs)
            if row["first"].get("p50") and row["last"].get("p50"):
                row["ratio"] = row["last"]["p50"] / row["first"]["p50"]
        results.append(row)
        _print_row(row)
    figures["pages"] = results
    return figures


HEADING = "## Support funds pages (`bench/support_pages.py`)"


def report_lines(figures: dict) -> list[str]:
    """A "Support funds pages" section for docs/benchmarks.md."""
    counts = ", ".join(f"{label} {n:,}" for label, n in figures["seed"]["counts"].items())
    lines = [HEADING, "", f"Over the large demo: {counts}.", ""]
    table, missed = results_table_lines(figures["pages"])
    lines += table
    lines += ["", "All targets met." if not missed else f"Not met: {', '.join(missed)}.", ""]
    return lines


if __name__ == "__main__":
    #   DATABASE_URL=… python -m bench.support_pages [label substring] [runs] [repeats]
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
