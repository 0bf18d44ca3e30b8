"""Benchmark: the networks module's dashboard pages, portal pages and API lists at
`seed_demo --scale large` (every module's large demo data, the networks module's included).

Each page is requested through django.test.Client, logged in as the demo user who would open
it (the administrator; the network page also as the coordinator; a showcase organization's
portal user; a partner key with `directory:read` and `reviews:read` for the partner endpoints), warmed up, then
timed `runs` times around `client.get` (server time: routing, middleware, views, queries,
templates or serializers; no network). The queries of one request are counted. Paginated
lists are measured on their first and their last page (for the dashboard's page-numbered
lists `?page=<a number past the end>`, which Django's `Paginator.get_page` turns into the
last page; for the API's cursor lists the `next` links followed to the end).

Targets (the networks issue): p50 ≤ 100 ms, p95 ≤ 300 ms, the last page's p50 within 1.2
times the first's, and the same number of queries on the first and the last page."""

from __future__ import annotations

import io
import os
import statistics
import time
from dataclasses import dataclass

P50_TARGET_MS = 100.0
P95_TARGET_MS = 300.0
LAST_FIRST_TARGET = 1.2
PORTAL_USER = "coop.pangoa"
LAST_PAGE = 1_000_000  # past the end: Paginator.get_page answers the last page
API_PAGE_SIZE = 200  # to walk the cursor lists to their last page quickly


@dataclass
class Page:
    label: str
    url: str
    user: str  # "admin", "coordinator", "portal", "partner"
    last_url: str = ""  # the last page of a paginated list, "" when not paginated


def seed(*, scale: str = "large", organizations: int | None = None) -> dict:
    """The demo data, loaded in-process (one transaction, as `manage.py seed_demo`), then
    ANALYZE (fresh statistics, as autovacuum would have them)."""
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    # Its logins table (and the demo partner's key) are not the benchmark's output.
    call_command("seed_demo", scale=scale, seed=1, organizations=organizations, verbosity=0, stdout=io.StringIO())
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"scale": scale, "organizations": organizations, "seed_seconds": seconds, "counts": row_counts()}


def row_counts() -> dict[str, int]:
    from members.models import Organization
    from networks.models import (
        Agreement,
        AssemblySession,
        Body,
        ConsultationResponse,
        Delegate,
        FollowUpAction,
        Mandate,
        Meeting,
        MeetingAttendance,
        Motion,
        Network,
        NetworkMembership,
        Review,
        Seat,
    )

    models = {
        "organizations": Organization,
        "networks": Network,
        "network memberships": NetworkMembership,
        "bodies": Body,
        "mandates": Mandate,
        "seats": Seat,
        "meetings": Meeting,
        "attendance": MeetingAttendance,
        "agreements": Agreement,
        "follow-up actions": FollowUpAction,
        "assembly sessions": AssemblySession,
        "delegates": Delegate,
        "motions": Motion,
        "reviews": Review,
        "consultation answers": ConsultationResponse,
    }
    return {label: model.objects.count() for label, model in models.items()}


def _largest(queryset, related: str) -> int | None:
    from django.db.models import Count

    row = queryset.annotate(_n=Count(related)).order_by("-_n", "pk").values_list("pk", flat=True).first()
    return row


def pages() -> list[Page]:
    """The pages to measure, on the largest rows of each kind (the heaviest detail pages)."""
    from networks.models import AssemblySession, Body, ConsultationRound, Mandate, Meeting, Network, Review

    network = _largest(Network.objects.all(), "memberships")
    coordinated = _largest(Network.objects.filter(coordinators__username="coordinator").distinct(), "memberships")
    body = _largest(Body.objects.all(), "mandates__seats")
    mandate = _largest(Mandate.objects.all(), "seats")
    meeting = _largest(Meeting.objects.all(), "attendance")
    session = _largest(AssemblySession.objects.all(), "delegates")
    review = _largest(Review.objects.all(), "rounds__responses")
    round_ = _largest(ConsultationRound.objects.all(), "responses")
    coffee = Review.objects.filter(product__code="coffee").values_list("product_id", flat=True).first()
    d = "/dashboard/networks/"
    p = "/portal/networks/"
    a = "/api/v1/"
    last = f"page={LAST_PAGE}"
    result = [
        Page("dashboard: networks", d, "admin", f"{d}?{last}"),
        Page("dashboard: network (members)", f"{d}{network}/", "admin", f"{d}{network}/?{last}"),
        Page(
            "dashboard: network (members), coordinator",
            f"{d}{coordinated}/",
            "coordinator",
            f"{d}{coordinated}/?{last}",
        ),
        Page(
            "dashboard: membership history",
            f"{d}{network}/members/history/",
            "admin",
            f"{d}{network}/members/history/?{last}",
        ),
        Page("dashboard: add a member (form)", f"{d}{network}/members/add/", "admin"),
        Page("dashboard: network edit (form)", f"{d}{network}/edit/", "admin"),
        Page("dashboard: new network (form)", f"{d}new/", "admin"),
        Page("dashboard: governance", f"{d}governance/", "admin"),
        Page("dashboard: bodies", f"{d}governance/bodies/", "admin", f"{d}governance/bodies/?{last}"),
        Page("dashboard: body", f"{d}governance/bodies/{body}/", "admin"),
        Page("dashboard: body edit (form)", f"{d}governance/bodies/{body}/edit/", "admin"),
        Page("dashboard: new seat (form)", f"{d}governance/mandates/{mandate}/seats/new/", "admin"),
        Page(
            "dashboard: terms ending (366 days)",
            f"{d}governance/terms-ending/?days=366",
            "admin",
            f"{d}governance/terms-ending/?days=366&{last}",
        ),
        Page("dashboard: meetings", f"{d}meetings/", "admin", f"{d}meetings/?{last}"),
        Page("dashboard: meeting", f"{d}meetings/{meeting}/", "admin"),
        Page("dashboard: meeting attendance (form)", f"{d}meetings/{meeting}/attendance/", "admin"),
        Page("dashboard: new meeting (form)", f"{d}meetings/new/", "admin"),
        Page("dashboard: follow-up actions", f"{d}meetings/actions/", "admin", f"{d}meetings/actions/?{last}"),
        Page("dashboard: assemblies", f"{d}assemblies/", "admin", f"{d}assemblies/?{last}"),
        Page(
            "dashboard: assembly (delegates)", f"{d}assemblies/{session}/", "admin", f"{d}assemblies/{session}/?{last}"
        ),
        Page(
            "dashboard: accreditation",
            f"{d}assemblies/{session}/accreditation/",
            "admin",
            f"{d}assemblies/{session}/accreditation/?{last}",
        ),
        Page("dashboard: new delegate (form)", f"{d}assemblies/{session}/delegates/new/", "admin"),
        Page("dashboard: reviews", f"{d}reviews/", "admin", f"{d}reviews/?{last}"),
        Page("dashboard: review", f"{d}reviews/{review}/", "admin"),
        Page("dashboard: consultation round results", f"{d}reviews/rounds/{round_}/", "admin"),
        Page("dashboard: price history (coffee)", f"{d}reviews/prices/?product={coffee}", "admin"),
        Page("portal: consultations", f"{p}consultations/", "portal"),
        Page("portal: networks", p, "portal"),
        Page("portal: representation", f"{p}representation/", "portal", f"{p}representation/?{last}"),
        Page("portal: meetings", f"{p}meetings/", "portal"),
        Page("portal: delegates", f"{p}delegates/", "portal"),
        Page("api: networks (partner)", f"{a}networks/", "partner", "cursor"),
        Page("api: bodies (partner)", f"{a}bodies/", "partner", "cursor"),
        Page("api: reviews (partner)", f"{a}reviews/", "partner", "cursor"),
        Page("api: review (partner)", f"{a}reviews/{review}/", "partner"),
        Page("api: price-references (partner)", f"{a}price-references/", "partner", "cursor"),
        Page("api: networks (staff)", f"{a}networks/", "admin", "cursor"),
        Page("api: network-memberships", f"{a}network-memberships/", "admin", "cursor"),
        Page("api: governance/bodies", f"{a}governance/bodies/", "admin", "cursor"),
        Page("api: governance/mandates", f"{a}governance/mandates/", "admin", "cursor"),
        Page("api: governance/seats", f"{a}governance/seats/", "admin", "cursor"),
        Page("api: meetings", f"{a}meetings/", "admin", "cursor"),
        Page("api: meeting-agreements", f"{a}meeting-agreements/", "admin", "cursor"),
        Page("api: followup-actions", f"{a}followup-actions/", "admin", "cursor"),
        Page("api: assembly-sessions", f"{a}assembly-sessions/", "admin", "cursor"),
        Page("api: assembly-delegates", f"{a}assembly-delegates/", "admin", "cursor"),
        Page("api: assembly-motions", f"{a}assembly-motions/", "admin", "cursor"),
    ]
    from bench import strategies_pages

    result += strategies_pages.pages()
    return result


def _portal_meeting(client) -> Page | None:
    """The portal's first meeting in its list (the meetings the organization attends)."""
    import re

    content = client.get("/portal/networks/meetings/").content.decode()
    found = re.search(r'href="(/portal/networks/meetings/\d+/)"', content)
    return Page("portal: meeting", found.group(1), "portal") if found else None


def _clients() -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from communications.models import ExternalPartner
    from communications.services import api_key_create

    users = get_user_model().objects
    clients = {}
    for key, username in (("admin", "admin"), ("coordinator", "coordinator"), ("portal", PORTAL_USER)):
        client = Client()
        client.force_login(users.get(username=username))
        clients[key] = (client, {})
    partner, _created = ExternalPartner.objects.get_or_create(
        name="Benchmark partner (networks)", defaults={"kind": ExternalPartner.Kind.NFO}
    )
    _key, raw_key = api_key_create(
        partner=partner, name="benchmark networks", scopes=["directory:read", "reviews:read"]
    )
    clients["partner"] = (Client(), {"Authorization": f"Api-Key {raw_key}"})
    return clients


def _last_cursor_url(client, headers: dict, url: str) -> tuple[str, int]:
    """The URL of the last page of a cursor list (default page size), found by walking the
    `next` links with large pages, then once more at the default size from the last big page."""
    from urllib.parse import urlsplit

    next_url = f"{url}?page_size={API_PAGE_SIZE}"
    pages_walked = 0
    previous = url
    while next_url:
        response = client.get(next_url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{next_url} answered {response.status_code}")
        previous = next_url
        next_url = response.json().get("next")
        pages_walked += 1
    # From the start of the last big page, at the default page size, to the end.
    current = previous.replace(f"page_size={API_PAGE_SIZE}", "").replace("?&", "?").rstrip("?&")
    while True:
        response = client.get(current, headers=headers)
        following = response.json().get("next")
        if not following:
            break
        parts = urlsplit(following)
        current = f"{parts.path}?{parts.query}"
    return current, pages_walked


def measure(client, headers: dict, url: str, *, runs: int, warmup: int = 3) -> dict:
    from django.db import connection

    # Counted with an execute wrapper (CaptureQueriesContext's log is reset at each request).
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url, headers=headers)
    if response.status_code != 200:
        return {"url": url, "status": response.status_code}
    for _ in range(warmup):
        client.get(url, headers=headers)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "url": url,
        "status": 200,
        "queries": len(queries),
        "bytes": len(response.content),
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "max": times[-1],
        "load": os.getloadavg()[0],
    }


def run(*, runs: int = 20, repeats: int = 1, scale: str = "large", organizations: int | None = None,
        load: bool = True, only: str = "") -> dict:  # fmt: skip
    """Seed (optionally), then measure every page `repeats` times (`runs` timed requests each):
    each figure is the median over the repeats of each repeat's p50/p95."""
    figures: dict = {"runs": runs, "repeats": repeats}
    if load:
        figures["seed"] = seed(scale=scale, organizations=organizations)
    else:
        figures["seed"] = {"scale": scale, "organizations": organizations, "seed_seconds": None,
                           "counts": row_counts()}  # fmt: skip
    clients = _clients()
    listed = pages()
    portal_meeting = _portal_meeting(clients["portal"][0])
    if portal_meeting:
        listed.insert(next(i for i, page in enumerate(listed) if page.label == "portal: meetings") + 1, portal_meeting)
    selected = [page for page in listed if only in page.label]
    cursor_last: dict[tuple[str, str], str] = {}
    for page in selected:
        if page.last_url == "cursor":
            client, headers = clients[page.user]
            cursor_last[(page.user, page.url)], _walked = _last_cursor_url(client, headers, page.url)
    results = []
    for page in selected:
        client, headers = clients[page.user]
        first_runs, last_runs = [], []
        last_url = cursor_last.get((page.user, page.url), page.last_url) if page.last_url else ""
        for _ in range(repeats):
            first_runs.append(measure(client, headers, page.url, runs=runs))
            if last_url and last_url != page.url:
                last_runs.append(measure(client, headers, last_url, runs=runs))
        row = {"label": page.label, "url": page.url, "first": _combine(first_runs)}
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


def _combine(measured: list[dict]) -> dict:
    """The median of the repeats' p50 and p95, with their spread (min-max)."""
    ok = [m for m in measured if m.get("status") == 200]
    if not ok:
        return {"status": measured[0].get("status"), "url": measured[0]["url"]}
    p50s = [m["p50"] for m in ok]
    p95s = [m["p95"] for m in ok]
    return {
        "status": 200,
        "url": ok[0]["url"],
        "queries": ok[0]["queries"],
        "queries_all": sorted({m["queries"] for m in ok}),
        "p50": statistics.median(p50s),
        "p50_min": min(p50s),
        "p50_max": max(p50s),
        "p95": statistics.median(p95s),
        "p95_min": min(p95s),
        "p95_max": max(p95s),
        "load": statistics.median(m["load"] for m in ok),
        "repeats": len(ok),
    }


def met(figure: dict) -> bool:
    return figure.get("status") == 200 and figure["p50"] <= P50_TARGET_MS and figure["p95"] <= P95_TARGET_MS


def _print_row(row: dict) -> None:
    for which in ("first", "last"):
        figure = row.get(which)
        if not figure:
            continue
        if figure.get("status") != 200:
            print(f"  {row['label']} [{which}]: HTTP {figure.get('status')}", flush=True)
            continue
        print(
            f"  {row['label']} [{which}]: p50 {figure['p50']:.1f} ms ({figure['p50_min']:.1f}-{figure['p50_max']:.1f}),"
            f" p95 {figure['p95']:.1f} ms, {figure['queries']} queries, load {figure['load']:.2f}",
            flush=True,
        )


def results_table_lines(rows: list[dict]) -> tuple[list[str], list[str]]:
    """The two tables of a pages section (each page's figures; each list's last page against
    its first) and the labels that missed their target. Shared by the pages benchmarks."""
    lines = [
        "| page | p50 (spread) | p95 | queries | load | target met? |",
        "|---|---:|---:|---:|---:|---|",
    ]
    missed = []
    for row in rows:
        for which in ("first", "last"):
            figure = row.get(which)
            if not figure:
                continue
            label = row["label"] + (" — last page" if which == "last" else "")
            if figure.get("status") != 200:
                lines.append(f"| {label} | HTTP {figure.get('status')} | | | | not measured |")
                missed.append(label)
                continue
            ok = met(figure)
            if not ok:
                missed.append(label)
            lines.append(
                f"| {label} | {figure['p50']:.1f} ms ({figure['p50_min']:.1f}-{figure['p50_max']:.1f}) "
                f"| {figure['p95']:.1f} ms | {figure['queries']} | {figure['load']:.2f} | {'yes' if ok else '**no**'} |"
            )
    lines += ["", "Last page against the first (p50 ratio; queries first → last):", ""]
    lines += ["| list | last / first | queries | target met? |", "|---|---:|---:|---|"]
    for row in rows:
        if "ratio" in row:
            ok = row["ratio"] <= LAST_FIRST_TARGET and row["first"]["queries"] == row["last"]["queries"]
            if not ok:
                missed.append(f"{row['label']} (last/first)")
            lines.append(
                f"| {row['label']} | {row['ratio']:.2f} | {row['first']['queries']} → {row['last']['queries']} "
                f"| {'yes' if ok else '**no**'} |"
            )
        elif row.get("single_page"):
            lines.append(f"| {row['label']} | one page only | {row['first'].get('queries', '')} | n/a |")
    return lines, missed


def report_lines(figures: dict) -> list[str]:
    """The "Networks pages" section of docs/benchmarks.md."""
    seed_info = figures["seed"]
    counts = ", ".join(f"{label} {n:,}" for label, n in seed_info["counts"].items())
    scale = (
        f"`seed_demo --scale {seed_info['scale']} --seed 1`"
        if not seed_info.get("organizations")
        else f"`seed_demo --organizations {seed_info['organizations']} --seed 1`"
    )
    seeded = f" (loaded in {seed_info['seed_seconds']:.0f} s)" if seed_info.get("seed_seconds") else ""
    rows = figures["pages"]
    lines = [
        "## Networks pages (`bench/networks_pages.py`)",
        "",
        f"The networks module's dashboard pages, portal pages and API lists over {scale}{seeded}: {counts}. "
        "Each page through `django.test.Client` as the demo user who would open it (`admin`; `coordinator` for "
        f"the coordinator's network; `{PORTAL_USER}` on the portal; a partner key with `directory:read` and "
        "`reviews:read` for the partner endpoints; staff endpoints with the administrator's session), the "
        f"largest row of its kind for detail pages; after a warm-up, {figures['runs']} timed requests "
        "(time around `client.get`: server time "
        f"without the network), {figures['repeats']} repeats: p50 and p95 are the medians of the repeats' figures, "
        "the spread is the lowest-highest p50 of the repeats; *load* is the 1-minute load average during the "
        "page's measurement (2 CPUs, shared). Queries: those of one request.",
        "",
        f"Targets: p50 ≤ {P50_TARGET_MS:.0f} ms and p95 ≤ {P95_TARGET_MS:.0f} ms on every page; for lists, the "
        f"last page's p50 within {LAST_FIRST_TARGET} times the first's, with the same number of queries.",
        "",
    ]
    table, missed = results_table_lines(rows)
    lines += table
    lines += [
        "",
        "All targets met." if not missed else f"Not met: {', '.join(missed)}.",
        "",
    ]
    return lines


if __name__ == "__main__":
    # Against an already seeded database (DATABASE_URL), for working on one page:
    #   DATABASE_URL=… python -m bench.networks_pages [label substring] [runs] [repeats]
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
