"""Benchmark: the audience pages at `seed_demo --scale large`: the audiences list, each demo
audience's live preview (counts by skip reason and the sample of 20, resolved in SQL on every
request), the people behind a skip reason on their first and last page, the suppression list,
the partner contacts, and the audiences API (its detail counts every channel).

Measured like bench/networks_pages.py (whose helpers it uses): through django.test.Client as
the demo communications user, warmed up, then `runs` timed requests around `client.get`,
`repeats` times; p50 and p95 are the medians of the repeats' figures.

Targets (the communications issue): p50 ≤ 100 ms and p95 ≤ 300 ms on every page; on every list
the last page's p50 within 1.2 times the first's, with the same number of queries."""

from __future__ import annotations

import os

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
HEADING = "## Audience pages (`bench/audiences_pages.py`)"


def row_counts() -> dict[str, int]:
    from communications.models import Audience, PartnerContact, Suppression
    from members.models import Affiliation, Consent, Person

    models = {
        "people": Person,
        "affiliations": Affiliation,
        "consents": Consent,
        "audiences": Audience,
        "partner contacts": PartnerContact,
        "suppressed addresses": Suppression,
    }
    return {label: model.objects.count() for label, model in models.items()}


def pages() -> list[Page]:
    from django.db.models import Count

    from communications.models import Audience

    c = "/dashboard/"
    result = [
        Page("audiences", f"{c}audiences/", "communications", f"{c}audiences/?{LAST}"),
        Page("suppression list", f"{c}suppressions/", "communications", f"{c}suppressions/?{LAST}"),
        Page("partner contacts", f"{c}partners/contacts/", "communications", f"{c}partners/contacts/?{LAST}"),
        Page("api: audiences", "/api/v1/communications/audiences/", "communications"),
    ]
    from members.models import Affiliation

    busiest_person = (
        Affiliation.objects.values("person_id").annotate(n=Count("id")).order_by("-n", "person_id").first() or {}
    ).get("person_id")
    if busiest_person:
        result.append(
            Page(
                "contact status (person with most affiliations)",
                f"{c}audiences/people/{busiest_person}/contact-status/",
                "communications",
            )
        )
    result.append(Page("new audience (form)", f"{c}audiences/new/", "communications"))
    for audience in Audience.objects.order_by("name"):
        result.append(
            Page(f"audience edit (form): {audience.name}", f"{c}audiences/{audience.pk}/edit/", "communications")
        )
        result.append(Page(f"preview: {audience.name}", f"{c}audiences/{audience.pk}/", "communications"))
        people = f"{c}audiences/{audience.pk}/people/?channel=email"
        result.append(Page(f"people: {audience.name}", people, "communications", f"{people}&{LAST}"))
        result.append(
            Page(f"api: audience {audience.name}", f"/api/v1/communications/audiences/{audience.pk}/", "communications")
        )
    return result


def _clients() -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="communications"))
    return {"communications": (client, {})}


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


def report_lines(figures: dict) -> list[str]:
    """The "Audience pages" section of docs/benchmarks.md."""
    seed_info = figures["seed"]
    counts = ", ".join(f"{label} {n:,}" for label, n in seed_info["counts"].items())
    lines = [
        HEADING,
        "",
        f"The audience pages over `seed_demo --scale {seed_info['scale']} --seed 1`: {counts}. Each page through "
        f"`django.test.Client` as the demo communications user; after a warm-up, {figures['runs']} timed requests "
        f"(server time), {figures['repeats']} repeats. Every preview resolves its audience live in SQL.",
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
    #   DATABASE_URL=… python -m bench.audiences_pages [label substring] [runs] [repeats]
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
