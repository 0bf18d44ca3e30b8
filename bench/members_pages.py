"""Benchmark: the member registry's dashboard pages at `seed_demo --scale large`: the
dashboard home, every staff list on its first and its last page (the registry list in each
sort order, the people directory, the yearly reports, the review queues) and the main detail
and form pages.

Measured like bench/networks_pages.py (whose helpers it uses): through django.test.Client as
the demo administrator, warmed up, then `runs` timed requests around `client.get` (server
time), `repeats` times; p50 and p95 are the medians of the repeats' figures. Lists are
measured on their first page and on `?page=<past the end>` (Django's `Paginator.get_page`
answers the last page).

Targets (issue 12, items 15 and 17): p50 ≤ 100 ms and p95 ≤ 300 ms on every page; on every
list the last page's p50 within 1.2 times the first's, with the same number of queries.

Also the database's share of each page (`database_time`): the page's queries captured once,
then each SELECT run under `EXPLAIN (ANALYZE, TIMING OFF)` `database_runs` times; the page's
figure is the sum of each query's median planning + execution time. It is what the database
itself spends, so it moves much less than the wall-clock figures when the machine is shared."""

from __future__ import annotations

import json
import os
import statistics
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


def row_counts() -> dict[str, int]:
    from members.models import (
        Affiliation,
        Certification,
        Membership,
        MembershipEvent,
        Organization,
        Person,
        YearlyReport,
    )

    models = {
        "organizations": Organization,
        "memberships": Membership,
        "membership events": MembershipEvent,
        "certifications": Certification,
        "people": Person,
        "affiliations": Affiliation,
        "yearly reports": YearlyReport,
    }
    return {label: model.objects.count() for label, model in models.items()}


def pages() -> list[Page]:
    from django.db.models import Count

    from members.models import Organization, Person, YearlyReport

    organization = (
        Organization.objects.annotate(n=Count("affiliations")).order_by("-n", "pk").values_list("pk", flat=True).first()
    )
    person = Person.objects.annotate(n=Count("affiliations")).order_by("-n", "pk").values_list("pk", flat=True).first()
    report = (
        YearlyReport.objects.filter(status=YearlyReport.Status.SUBMITTED)
        .annotate(n=Count("product_lines"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    r = "/dashboard/registry/"

    def listed(label: str, url: str) -> Page:
        joiner = "&" if "?" in url else "?"
        return Page(label, url, "admin", f"{url}{joiner}{LAST}")

    result = [
        Page("dashboard: home", "/dashboard/", "admin"),
        listed("registry", r),
        *(
            listed(f"registry, sorted by {label}", f"{r}?sort={sort}")
            for sort, label in (
                ("-name", "name (Z to A)"),
                ("country", "country"),
                ("kind", "kind"),
                ("membership", "membership"),
                ("flo_id", "FLO ID"),
                ("-updated", "last update"),
            )
        ),
        listed("registry, active members", f"{r}?membership_status=active"),
        listed("registry, search", f"{r}?q=coop"),
        listed("registry, search (two words)", f"{r}?q=cafe+pangoa"),
        listed("registry, search, sorted by country", f"{r}?q=coop&sort=country"),
        Page("registry: organization", f"{r}{organization}/", "admin"),
        Page("registry: organization edit (form)", f"{r}{organization}/edit/", "admin"),
        listed("people", f"{r}people/"),
        listed("people, search", f"{r}people/?q=maria"),
        listed("people, by country", f"{r}people/?country=PE"),
        Page("people: person", f"{r}people/{person}/", "admin"),
        listed("yearly reports (submitted)", f"{r}reports/"),
        listed("yearly reports (all)", f"{r}reports/?status="),
        listed("yearly reports (home's latest approved)", f"{r}reports/?status=approved&latest=on"),
        Page("yearly report (review)", f"{r}reports/{report}/", "admin"),
        Page("membership reviews", f"{r}reviews/", "admin"),
        Page("certificates ending (60 days)", f"{r}certifications/expiring/", "admin"),
        listed("change requests", f"{r}proposals/"),
        listed("imports", f"{r}import/"),
        Page("duplicates", f"{r}duplicates/", "admin"),
    ]
    return [page for page in result if "None" not in page.url]


def _clients() -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    return {"admin": (client, {})}


def database_time(client, url: str, *, runs: int = 7) -> dict:
    """The database's time for one request of `url`: its queries captured once, each SELECT
    then run `runs` times under EXPLAIN (ANALYZE, TIMING OFF); the sum of the medians of
    planning + execution time (ms), with the slowest query's share."""
    from django.db import connection

    captured: list[tuple[str, Any]] = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    client.get(url)
    with connection.execute_wrapper(capture):
        response = client.get(url)
    if response.status_code != 200:
        return {"status": response.status_code}
    medians = []
    with connection.cursor() as cursor:
        for sql, params in captured:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            times = []
            for _ in range(runs):
                cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                times.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
            medians.append(statistics.median(times))
    return {
        "status": 200,
        "ms": sum(medians),
        "slowest_ms": max(medians, default=0.0),
        "queries": len(captured),
        "runs": runs,
    }


def run(*, runs: int = 20, repeats: int = 3, scale: str = "large", organizations: int | None = None,
        load: bool = True, only: str = "", database_runs: int = 7) -> dict:  # fmt: skip
    figures: dict = {"runs": runs, "repeats": repeats, "database_runs": database_runs}
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
        if database_runs:
            row["database"] = {"first": database_time(client, page.url, runs=database_runs)}
            if page.last_url:
                row["database"]["last"] = database_time(client, page.last_url, runs=database_runs)
        results.append(row)
        _print_row(row)
        for which, measured in row.get("database", {}).items():
            if measured.get("status") == 200:
                slowest = measured["slowest_ms"]
                print(f"    database [{which}]: {measured['ms']:.1f} ms (slowest query {slowest:.1f} ms)", flush=True)
    figures["pages"] = results
    return figures


def report_lines(figures: dict) -> list[str]:
    """The "Registry pages" section of docs/benchmarks.md."""
    seed_info = figures["seed"]
    counts = ", ".join(f"{label} {n:,}" for label, n in seed_info["counts"].items())
    scale = (
        f"`seed_demo --scale {seed_info['scale']} --seed 1`"
        if not seed_info.get("organizations")
        else f"`seed_demo --organizations {seed_info['organizations']} --seed 1`"
    )
    rows = figures["pages"]
    lines = [
        "## Registry pages (`bench/members_pages.py`)",
        "",
        f"The member registry's dashboard pages over {scale}: {counts}. Each page through `django.test.Client` as "
        "the demo administrator, the largest organization, person and submitted report for detail pages; after a "
        f"warm-up, {figures['runs']} timed requests (server time, without the network), {figures['repeats']} repeats: "
        "p50 and p95 are the medians of the repeats' figures, the spread is the lowest-highest p50 of the repeats; "
        "*load* is the 1-minute load average during the page's measurement (2 CPUs, shared). Lists are measured on "
        "their first and their last page.",
        "",
        f"Targets: p50 ≤ {P50_TARGET_MS:.0f} ms and p95 ≤ {P95_TARGET_MS:.0f} ms on every page; for lists, the "
        f"last page's p50 within {LAST_FIRST_TARGET} times the first's, with the same number of queries.",
        "",
    ]
    table, missed = results_table_lines(rows)
    lines += table
    lines += ["", "All targets met." if not missed else f"Not met: {', '.join(missed)}.", ""]
    lines += database_lines(figures)
    return lines


def database_lines(figures: dict) -> list[str]:
    """The database's share of each page (see database_time), when it was measured."""
    rows = [row for row in figures["pages"] if row.get("database")]
    if not rows:
        return []
    lines = [
        f"The database's share of each page: the page's queries captured once, each SELECT then run "
        f"{figures.get('database_runs', 0)} times under `EXPLAIN (ANALYZE, TIMING OFF)`; the sum of the queries' "
        "median planning + execution time, and the slowest query's. What the database itself spends moves much "
        "less than the wall-clock figures above when the machine is shared.",
        "",
        "| page | database time | slowest query |",
        "|---|---:|---:|",
    ]
    for row in rows:
        for which, measured in row["database"].items():
            label = row["label"] + (" — last page" if which == "last" else "")
            if measured.get("status") != 200:
                lines.append(f"| {label} | HTTP {measured.get('status')} | |")
                continue
            lines.append(f"| {label} | {measured['ms']:.1f} ms | {measured['slowest_ms']:.1f} ms |")
    lines.append("")
    return lines


if __name__ == "__main__":
    # Against an already seeded database (DATABASE_URL), for working on one page (prints only;
    # `python -m bench.run members_pages --existing-database NAME` writes docs/benchmarks.md):
    #   DATABASE_URL=… python -m bench.members_pages [label substring] [runs] [repeats]
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
