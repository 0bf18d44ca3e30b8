"""Run the registry benchmarks and write their figures to docs/benchmarks.md (`make bench`).

Needs PostgreSQL: DATABASE_URL names a server (and a database on it, which is not touched);
the run creates its own database `clac_bench` on that server, migrates it, and drops it at the
end (--keep-db keeps it for a look).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clac python -m bench.run
    DATABASE_URL=… python -m bench.run import_registry      # one benchmark; prints its figures

1. registry_api: 10,000 member organizations; the partner directory's page of 100 through
   django.test.Client, against the same rows with .values() + orjson (median of N runs).
2. import_registry: a deterministic 100,000-row organization+person CSV; a raw COPY of it
   into a staging table, then the full import (validation, upserts, history) in a child
   process, --import-runs times (each on a copy of the same registry; the median is
   reported), once more attributed to a staff user; then a 10,000-row file in another child
   process, to compare peak memory.
3. duplicates: the duplicate finder over the ~110,000 people the imports created.
4. networks_pages: `seed_demo --scale large --seed 1` (every module's large demo data) in the
   benchmark database, then the networks module's dashboard pages, portal pages and API lists
   (p50, p95, queries; first and last page of each list). It seeds its own data, so it runs
   first, in its own database (`<name>_networks`), before the registry benchmarks.
5. members_pages: the registry's dashboard pages (the home, every staff list on its first and
   last page, the main detail pages) over the same seeded database (seeded by it when
   networks_pages is not selected).
6. review_queue: the membership review queue pages (bench/review_queue.py).
7. campaign_send: a campaign to 100,000 people (--recipients) delivered through a real Celery
   worker on Redis (REDIS_URL) to a local aiosmtpd sink, in a database of its own
   (`<bench>_campaign`): messages per second, enqueue versus total, peak worker memory.
8. campaigns_pages: the campaigns list, a campaign's page and statistics, the campaigns API and
   the portal's announcements over the same seeded database (seeded by it when no other pages
   benchmark is selected).
9. inquiries_pages: the public contact page and the inquiries pages and API over the same
   seeded database (seeded by it when neither pages benchmark is selected).

docs/benchmarks.md is written when all four run; a selection prints its figures, and a
selection with networks_pages also rewrites the "Networks pages" section of the file in place.

The database names can be changed with CLAC_BENCH_DATABASE (default `clac_bench`), for two
runs on one server.

The page benchmarks (networks, members, review queue, dues and the modules' pages) can also run
over a database seeded before (`seed_demo --scale large --seed 1`, every module), which they
neither migrate, seed nor drop, each rewriting its section of docs/benchmarks.md:

    DATABASE_URL=… python -m bench.run finance_pages support_pages --existing-database clac_large [--page-only …]
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = os.environ.get("CLAC_BENCH_DATABASE", "clac_bench")
# A copy of clac_bench for the import runs that must not change it (see _import_runs).
COPY_DATABASE = f"{BENCH_DATABASE}_import"
# The networks pages' own database: the demo seeder needs one without the registry benchmarks' rows.
NETWORKS_DATABASE = f"{BENCH_DATABASE}_networks"
BENCHMARKS = (
    "registry_api",
    "import_registry",
    "duplicates",
    "networks_pages",
    "members_pages",
    "review_queue",
    "inquiries_pages",
    "campaigns_pages",
    "audiences_pages",
    "campaign_send",
    "finance_pages",
    "support_pages",
    "dues_pages",
)
# The campaign sending benchmark's own database (100,000 people the other benchmarks must not see).
CAMPAIGN_DATABASE = f"{BENCH_DATABASE}_campaign"
# Page benchmarks of the modules: each module has run(runs, repeats, organizations, load),
# report_lines(figures) and HEADING, and measures over the networks database's demo data.
MODULE_PAGE_BENCHMARKS = ("inquiries_pages", "audiences_pages", "campaigns_pages", "finance_pages", "support_pages")
# What `--existing-database NAME` can measure (over a database seeded before, e.g. by seed_demo).
EXISTING_DATABASE_BENCHMARKS = (
    "networks_pages",
    "members_pages",
    "review_queue",
    "dues_pages",
    *MODULE_PAGE_BENCHMARKS,
)
NETWORKS_HEADING = "## Networks pages"
MEMBERS_HEADING = "## Registry pages"
API_HEADING = "## Partner directory API"
IMPORT_TARGET_ROWS_PER_SECOND = 5000
API_TARGET_RATIO = 1.5
IMPORT_USER = "bench-importer"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _recreate_database(admin_url: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{COPY_DATABASE}" WITH (FORCE)')
        connection.execute(f'DROP DATABASE IF EXISTS "{NETWORKS_DATABASE}" WITH (FORCE)')
        connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
            connection.execute(f'CREATE DATABASE "{NETWORKS_DATABASE}"')


def _copy_database(admin_url: str) -> None:
    """COPY_DATABASE as a copy of BENCH_DATABASE (which nobody may be connected to).

    Copied file by file (PostgreSQL 15's default copies through the shared buffers, leaving
    them full of dirty pages that the next import would have to write out first; a real
    import does not start after a database copy)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{COPY_DATABASE}" WITH (FORCE)')
        strategy = " STRATEGY FILE_COPY" if connection.info.server_version >= 150000 else ""
        connection.execute(f'CREATE DATABASE "{COPY_DATABASE}" TEMPLATE "{BENCH_DATABASE}"{strategy}')


def _drop_copy(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{COPY_DATABASE}" WITH (FORCE)')


def reference_loop_seconds() -> float:
    """Seconds a fixed pure-Python loop takes: how fast this (possibly shared) machine runs
    Python at the moment, to read the absolute figures by."""
    started = time.perf_counter()
    total = 0
    for number in range(20_000_000):
        total += number
    return time.perf_counter() - started


def _machine() -> dict:
    memory_kb = 0
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1) if memory_kb else None,
        "cpu": cpu,
        "python": platform.python_version(),
        "load": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "reference_seconds": reference_loop_seconds(),
    }


def postgres_cpu_seconds() -> float | None:
    """CPU seconds used so far by the PostgreSQL server's processes on this machine (the
    postmaster counts its ended backends as children), or None when it runs elsewhere."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    found = False
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if not (entry / "comm").read_text().startswith("postgres"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found = True
        # utime, stime, cutime, cstime
        total += sum(int(value) for value in fields[11:15])
    return total / ticks if found else None


def _import_in_child(path: Path, env: dict, *, user: str = "") -> dict:
    database_before = postgres_cpu_seconds()
    command = [sys.executable, "-m", "bench.import_registry", "--file", str(path)]
    if user:
        command += ["--user", user]
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"The import of {path.name} failed:\n{completed.stderr[-3000:]}")
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    if database_before is not None:
        time.sleep(0.5)  # the server ends the import's connections
        database_after = postgres_cpu_seconds()
        if database_after is not None:
            measured["database_cpu_seconds"] = database_after - database_before
    return measured


def _import_runs(path: Path, *, runs: int, env: dict, admin_url: str, url: str) -> tuple[list[dict], dict]:
    """The import of `path`, `runs` times, each starting from the registry as it is now: all
    but the last into a fresh copy of the benchmark database, the last into it (the
    duplicates benchmark and the memory comparison go on from there); plus one run
    attributed to a staff user, into a copy too."""
    from django.db import connections

    copy_env = {**env, "DATABASE_URL": _with_database(url, COPY_DATABASE)}
    measured = []
    connections.close_all()
    for index in range(runs - 1):
        _copy_database(admin_url)
        measured.append(_import_in_child(path, copy_env))
        print(f"  run {index + 1}: {measured[-1]['rows_per_second']:,.0f} rows/s", flush=True)
    _copy_database(admin_url)
    as_user = _import_in_child(path, copy_env, user=IMPORT_USER)
    print(f"  attributed to a staff user: {as_user['rows_per_second']:,.0f} rows/s", flush=True)
    _drop_copy(admin_url)
    measured.append(_import_in_child(path, env))
    print(f"  run {runs}: {measured[-1]['rows_per_second']:,.0f} rows/s", flush=True)
    return measured, as_user


def _postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def median_run(runs: list[dict]) -> dict:
    """The run with the median time (the lower one of the middle two for an even count)."""
    seconds = statistics.median_low(run["seconds"] for run in runs)
    return next(run for run in runs if run["seconds"] == seconds)


def _module(name: str):
    return importlib.import_module(f"bench.{name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "benchmarks",
        nargs="*",
        metavar="BENCHMARK",
        help=f"Run only these: {', '.join(BENCHMARKS)} (default: all, and write the report).",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="Rows of the import benchmark.")
    parser.add_argument("--memory-rows", type=int, default=10_000, help="Rows of the smaller import (memory).")
    parser.add_argument("--import-runs", type=int, default=3, help="Times the full import runs (median reported).")
    parser.add_argument("--organizations", type=int, default=10_000, help="Organizations for the API benchmark.")
    parser.add_argument("--runs", type=int, default=30, help="Timed requests per side in the API benchmark.")
    parser.add_argument(
        "--api-repeats", type=int, default=5, help="Repeats of the API benchmark's runs (median ratio reported)."
    )
    parser.add_argument("--page-runs", type=int, default=20, help="Timed requests per page (networks_pages).")
    parser.add_argument("--page-repeats", type=int, default=3, help="Repeats of each page's runs (median reported).")
    parser.add_argument(
        "--demo-organizations",
        type=int,
        default=None,
        help="networks_pages: seed_demo --organizations N instead of --scale large (reported as such).",
    )
    parser.add_argument(
        "--existing-database",
        metavar="NAME",
        default="",
        help="members_pages only: measure this database on the server (seeded before with seed_demo --scale "
        "large --seed 1) instead of creating and seeding one; it is left as it is.",
    )
    parser.add_argument("--page-only", default="", help="members_pages: only the pages whose label holds this text.")
    parser.add_argument(
        "--database-runs", type=int, default=7, help="members_pages: EXPLAIN ANALYZE runs per query (database time)."
    )
    parser.add_argument("--recipients", type=int, default=100_000, help="Recipients of the campaign_send benchmark.")
    parser.add_argument("--send-workers", type=int, default=2, help="Worker processes of campaign_send.")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--keep-db", action="store_true", help=f"Keep the {BENCH_DATABASE} database afterwards.")
    args = parser.parse_args(argv)
    unknown = [name for name in args.benchmarks if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    if args.import_runs < 1:
        parser.error("--import-runs must be at least 1")
    selected = [name for name in BENCHMARKS if name in args.benchmarks] or list(BENCHMARKS)

    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        print(
            "The benchmarks need PostgreSQL, the production database: set DATABASE_URL, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/clac make bench",
            file=sys.stderr,
        )
        return 2
    bench_url = _with_database(url, BENCH_DATABASE)
    admin_url = _with_database(url, "postgres")
    if args.existing_database:
        if not set(selected) <= set(EXISTING_DATABASE_BENCHMARKS):
            parser.error(
                f"--existing-database measures page benchmarks only: {', '.join(EXISTING_DATABASE_BENCHMARKS)}"
            )
        return _pages_existing(args, _with_database(url, args.existing_database), selected)
    machine = _machine()
    started_at = datetime.datetime.now(datetime.UTC)
    print(f"Creating the {BENCH_DATABASE} database…", flush=True)
    _recreate_database(admin_url)

    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    child_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from bench import (
        campaign_send,
        dues_pages,
        duplicates,
        import_registry,
        members_pages,
        networks_pages,
        registry_api,
        review_queue,
    )

    figures: dict = {}
    try:
        if "networks_pages" in selected:
            # Its own database (the demo seeder wants one without the registry benchmarks' rows).
            from django.db import connection

            connections.close_all()
            connection.settings_dict["NAME"] = NETWORKS_DATABASE
            call_command("migrate", verbosity=0)
            scale = "large" if args.demo_organizations is None else "custom"
            runs = f"{args.page_runs} runs x {args.page_repeats}"
            print(f"networks_pages: seed_demo --scale {scale}, {runs}…", flush=True)
            figures["networks_pages"] = networks_pages.run(
                runs=args.page_runs, repeats=args.page_repeats, organizations=args.demo_organizations
            )
            seeded = figures["networks_pages"]["seed"]["seed_seconds"]
            print(f"  seeded in {seeded:.0f} s", flush=True)
        if "members_pages" in selected:
            # Over the demo data networks_pages seeded, or seeded now.
            from django.db import connection

            seed = "networks_pages" not in selected
            if seed:
                connections.close_all()
                connection.settings_dict["NAME"] = NETWORKS_DATABASE
                call_command("migrate", verbosity=0)
            print(f"members_pages: {args.page_runs} runs x {args.page_repeats}…", flush=True)
            figures["members_pages"] = members_pages.run(
                runs=args.page_runs,
                repeats=args.page_repeats,
                organizations=args.demo_organizations,
                load=seed,
                only=args.page_only,
                database_runs=args.database_runs,
            )
        # The modules' page benchmarks, over the demo data networks_pages or members_pages seeded
        # in the networks database, or seeded by the first of them that runs.
        seeded = bool({"networks_pages", "members_pages"} & set(selected))
        for name in MODULE_PAGE_BENCHMARKS:
            if name not in selected:
                continue
            from django.db import connection

            if not seeded:
                connections.close_all()
                connection.settings_dict["NAME"] = NETWORKS_DATABASE
                call_command("migrate", verbosity=0)
            print(f"{name}: {args.page_runs} runs x {args.page_repeats}…", flush=True)
            figures[name] = _module(name).run(
                runs=args.page_runs,
                repeats=args.page_repeats,
                organizations=args.demo_organizations,
                load=not seeded,
            )
            seeded = True
        if {"networks_pages", "members_pages", *MODULE_PAGE_BENCHMARKS} & set(selected):
            from django.db import connection

            connections.close_all()
            connection.settings_dict["NAME"] = BENCH_DATABASE
        if "review_queue" in selected:  # in the networks database, seeded there if networks_pages did not
            figures["review_queue"] = review_queue.run_in_database(
                NETWORKS_DATABASE, seeded="networks_pages" in selected
            )
        if "dues_pages" in selected:  # like review_queue: in the networks database
            figures["dues_pages"] = dues_pages.run_in_database(NETWORKS_DATABASE, seeded="networks_pages" in selected)
        call_command("migrate", verbosity=0)
        postgres = _postgres_version()

        if "campaign_send" in selected:  # in a database of its own, created and dropped by it
            figures["campaign_send"] = campaign_send.run_in_database(
                CAMPAIGN_DATABASE,
                admin_url=admin_url,
                database_url=_with_database(url, CAMPAIGN_DATABASE),
                recipients=args.recipients,
                workers=args.send_workers,
            )

        if "registry_api" in selected:
            print(
                f"registry_api: {args.organizations:,} organizations, {args.runs} runs x {args.api_repeats}…",
                flush=True,
            )
            api = figures["registry_api"] = registry_api.run_repeated(
                organizations=args.organizations, runs=args.runs, repeats=args.api_repeats
            )
            print(
                f"  endpoint {api['endpoint_ms']:.1f} ms, baseline {api['baseline_ms']:.1f} ms, "
                f"ratio {api['ratio']:.2f} ({api['ratio_min']:.2f}-{api['ratio_max']:.2f})",
                flush=True,
            )

        if "import_registry" in selected or "duplicates" in selected:
            # The duplicate finder runs over the people the imports create.
            runs = args.import_runs if "import_registry" in selected else 1
            with tempfile.TemporaryDirectory(prefix="clac-bench-") as workdir:
                big = Path(workdir) / f"registry-{args.rows}.csv"
                small = Path(workdir) / f"registry-{args.memory_rows}.csv"
                print(f"import_registry: generating {args.rows:,} rows…", flush=True)
                organizations_in_file = import_registry.generate_csv(
                    big, rows=args.rows, seed=2024, first_flo_id=100_000
                )
                import_registry.generate_csv(small, rows=args.memory_rows, seed=2025, first_flo_id=5_000_000)
                copy_seconds = import_registry.copy_baseline(big)
                print(f"  COPY {copy_seconds:.2f} s; importing {runs} times…", flush=True)
                if runs > 1 or "import_registry" in selected:
                    big_runs, as_user = _import_runs(big, runs=runs, env=child_env, admin_url=admin_url, url=url)
                else:
                    connections.close_all()
                    big_runs, as_user = [_import_in_child(big, child_env)], None
                print("  importing the small file…", flush=True)
                small_run = _import_in_child(small, child_env)
                figures["import_registry"] = {
                    "runs": big_runs,
                    "as_user": as_user,
                    "small": small_run,
                    "copy_seconds": copy_seconds,
                    "organizations_in_file": organizations_in_file,
                    "file_mb": big.stat().st_size / 1024 / 1024,
                }
                median = median_run(big_runs)
                print(f"  median {median['rows_per_second']:,.0f} rows/s", flush=True)

        if "duplicates" in selected:
            print("duplicates: finding…", flush=True)
            dupes = figures["duplicates"] = duplicates.run()
            print(f"  people {dupes['person_ms']:.0f} ms, organizations {dupes['organization_ms']:.0f} ms", flush=True)

        finished_at = datetime.datetime.now(datetime.UTC)
        machine["reference_seconds_end"] = reference_loop_seconds()
        if len(selected) == len(BENCHMARKS):
            imported = figures["import_registry"]
            report = _report(
                machine=machine,
                postgres=postgres,
                started_at=started_at,
                finished_at=finished_at,
                api=figures["registry_api"],
                big_runs=imported["runs"],
                as_user=imported["as_user"],
                small=imported["small"],
                copy_seconds=imported["copy_seconds"],
                organizations_in_file=imported["organizations_in_file"],
                file_mb=imported["file_mb"],
                dupes=figures["duplicates"],
            )
            report += "\n" + "\n".join(networks_pages.report_lines(figures["networks_pages"]))
            report += "\n" + "\n".join(members_pages.report_lines(figures["members_pages"]))
            report += "\n\n" + "\n".join(review_queue.report_lines(figures["review_queue"]))
            for name in (*MODULE_PAGE_BENCHMARKS, "campaign_send", "dues_pages"):
                report += "\n\n" + "\n".join(_module(name).report_lines(figures[name]))
            args.output.write_text(report, encoding="utf-8")
            print(f"Wrote {args.output}", flush=True)
        else:
            print(json.dumps({"machine": machine, "postgres": postgres, **figures}, indent=2, default=str))
            if "networks_pages" in figures:
                section = networks_pages.report_lines(figures["networks_pages"])
                section[2:2] = [_networks_run_line(machine, postgres, started_at, finished_at), ""]
                _replace_section(args.output, NETWORKS_HEADING, section)
                print(f"Rewrote the networks section of {args.output}", flush=True)
            if "members_pages" in figures:
                section = members_pages.report_lines(figures["members_pages"])
                section[2:2] = [_run_line("members_pages", machine, postgres, started_at, finished_at), ""]
                _replace_section(args.output, MEMBERS_HEADING, section)
                print(f"Rewrote the registry pages section of {args.output}", flush=True)
            if "registry_api" in figures:
                section = _api_lines(figures["registry_api"])
                section[2:2] = [_run_line("registry_api", machine, postgres, started_at, finished_at), ""]
                _replace_section(args.output, API_HEADING, section)
                print(f"Rewrote the directory API section of {args.output}", flush=True)
            if "review_queue" in figures:
                _replace_section(args.output, review_queue.HEADING, review_queue.report_lines(figures["review_queue"]))
            for name in MODULE_PAGE_BENCHMARKS:
                if name in figures:
                    section = _module(name).report_lines(figures[name])
                    section[2:2] = [_run_line(name, machine, postgres, started_at, finished_at), ""]
                    _replace_section(args.output, _module(name).HEADING, section)
            if "campaign_send" in figures:
                run_line = _run_line("campaign_send", machine, postgres, started_at, finished_at)
                lines = campaign_send.report_lines(figures["campaign_send"], run_line=run_line)
                _replace_section(args.output, campaign_send.HEADING, lines)
            if "dues_pages" in figures:
                _replace_section(args.output, dues_pages.HEADING, dues_pages.report_lines(figures["dues_pages"]))
    finally:
        connections.close_all()
        if not args.keep_db:
            _recreate_database(admin_url, drop_only=True)
    return 0


def _pages_existing(args: argparse.Namespace, database_url: str, selected: list[str]) -> int:
    """Page benchmarks over an existing seeded database (left as it is, e.g. one `seed_demo
    --scale large` of every module): the figures printed and each benchmark's section of the
    report rewritten."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.db import connection, connections

    from bench import dues_pages, members_pages, networks_pages, review_queue

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have by now
    postgres = _postgres_version()
    connections.close_all()
    existing = "`python -m bench.run {name} --existing-database …`, over a database seeded before"
    for name in selected:
        machine = _machine()
        started_at = datetime.datetime.now(datetime.UTC)
        print(f"{name} over {args.existing_database}: {args.page_runs} runs x {args.page_repeats}…", flush=True)
        try:
            if name == "members_pages":
                figures = members_pages.run(
                    runs=args.page_runs,
                    repeats=args.page_repeats,
                    load=False,
                    only=args.page_only,
                    database_runs=args.database_runs,
                )
            elif name == "networks_pages":
                figures = networks_pages.run(runs=args.page_runs, repeats=args.page_repeats, load=False)
            elif name in ("review_queue", "dues_pages"):
                module = review_queue if name == "review_queue" else dues_pages
                figures = module.run_in_database(
                    connection.settings_dict["NAME"], seeded=True, runs=args.page_runs, repeats=args.page_repeats
                )
            else:
                figures = _module(name).run(
                    runs=args.page_runs, repeats=args.page_repeats, load=False, only=args.page_only
                )
        finally:
            connections.close_all()
        finished_at = datetime.datetime.now(datetime.UTC)
        machine["reference_seconds_end"] = reference_loop_seconds()
        print(json.dumps({"machine": machine, "postgres": postgres, name: figures}, indent=2, default=str))
        reporter = {
            "members_pages": (MEMBERS_HEADING, members_pages.report_lines),
            "networks_pages": (NETWORKS_HEADING, networks_pages.report_lines),
            "review_queue": (review_queue.HEADING, review_queue.report_lines),
            "dues_pages": (dues_pages.HEADING, dues_pages.report_lines),
        }
        heading, report_lines = reporter.get(name) or (_module(name).HEADING, _module(name).report_lines)
        lines = report_lines(figures)
        run_line = _run_line(name, machine, postgres, started_at, finished_at).replace(
            f"`python -m bench.run {name}`",
            existing.format(name=name) + (f", pages matching “{args.page_only}” only" if args.page_only else ""),
        )
        lines[2:2] = [run_line, ""]
        _replace_section(args.output, heading, lines)
        print(f"Rewrote the {heading} section of {args.output}", flush=True)
    return 0


def _networks_run_line(machine, postgres, started_at, finished_at) -> str:
    return _run_line("networks_pages", machine, postgres, started_at, finished_at)


def _run_line(name, machine, postgres, started_at, finished_at) -> str:
    """How a section was measured when its benchmark ran alone (the file's header describes the
    machine of the last full run)."""
    load = ", ".join(f"{value:.2f}" for value in machine["load"]) if machine["load"] else "n/a"
    minutes = (finished_at - started_at).total_seconds() / 60
    return (
        f"Measured alone (`python -m bench.run {name}`) on {finished_at:%Y-%m-%d %H:%M} UTC in "
        f"{minutes:.1f} minutes: {machine['nproc']} CPUs, load average at the start {load}, reference loop "
        f"{machine['reference_seconds']:.2f} s at the start and {machine['reference_seconds_end']:.2f} s at the end; "
        f"Python {machine['python']}; PostgreSQL {postgres}."
    )


def _replace_section(path: Path, heading: str, lines: list[str]) -> None:
    """Replace the `heading` section of the markdown file (up to the next `## `), or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    kept = text.splitlines()
    start = next((i for i, line in enumerate(kept) if line.startswith(heading)), None)
    if start is None:
        kept = [*kept, "", *lines]
    else:
        end = next((i for i in range(start + 1, len(kept)) if kept[i].startswith("## ")), len(kept))
        kept = kept[:start] + lines + kept[end:]
    while kept and not kept[-1]:
        kept.pop()
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


_PHASES = ("reading and checking", "lookups", "planning", "preparing writes", "waiting for writes")


def _report(*, machine, postgres, started_at, finished_at, api, big_runs, as_user, small, copy_seconds,
            organizations_in_file, file_mb, dupes) -> str:  # fmt: skip
    big = median_run(big_runs)
    rows = big["rows"]
    import_rate = big["rows_per_second"]
    copy_rate = rows / copy_seconds if copy_seconds else float("nan")
    ratio_to_copy = big["seconds"] / copy_seconds if copy_seconds else float("nan")
    peak_big = max(run["maxrss_kb"] for run in big_runs)
    rss_big, rss_small = peak_big / 1024, small["maxrss_kb"] / 1024
    added_big = max(run["maxrss_kb"] - run["maxrss_before_kb"] for run in big_runs) / 1024
    added_small = (small["maxrss_kb"] - small["maxrss_before_kb"]) / 1024
    size_ratio = rows / small["rows"] if small["rows"] else float("nan")
    load = ", ".join(f"{value:.2f}" for value in machine["load"]) if machine["load"] else "n/a"
    counts = ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in sorted(big["counts"].items()))
    minutes = (finished_at - started_at).total_seconds() / 60
    planted = dupes["planted"]
    all_runs = ", ".join(f"{run['seconds']:.1f} s ({run['rows_per_second']:,.0f} rows/s)" for run in big_runs)
    timings = big.get("timings", {})
    batch = big.get("batch_size", 0)
    python_cpu = big.get("cpu_seconds")
    database_cpu = big.get("database_cpu_seconds")
    met = import_rate >= IMPORT_TARGET_ROWS_PER_SECOND
    below = sum(1 for run in big_runs if run["rows_per_second"] < IMPORT_TARGET_ROWS_PER_SECOND)
    writing = timings.get("writing", 0.0)
    user_lines = []
    if as_user:
        user_lines = [
            f"| the same, attributed to a staff user (one run) | {as_user['seconds']:.1f} s "
            f"| {as_user['rows_per_second']:,.0f} | {as_user['seconds'] / copy_seconds:.0f} |"
        ]
    cpu_lines = []
    if python_cpu is not None and database_cpu is not None:
        cpu_lines = [
            f"CPU in the median run: the importing process {python_cpu:.1f} s (both threads), the database's "
            f"processes {database_cpu:.1f} s, {python_cpu + database_cpu:.1f} s in all for {big['seconds']:.1f} s "
            f"of wall time on {machine['nproc']} CPUs.",
            "",
        ]
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (`python -m bench.run`) on {finished_at:%Y-%m-%d %H:%M} UTC; the run took "
        f"{minutes:.1f} minutes. Each figure is compared with a baseline measured in the same run on the same machine, "
        "so the ratios say more than the absolute numbers.",
        "",
        f"**Machine:** {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB memory, load average at "
        f"the start {load}; Python {machine['python']}; PostgreSQL {postgres} on the same machine with its default "
        "settings, in a database created for the run and dropped afterwards. The machine is shared and its speed "
        "varies: a fixed pure-Python loop (`bench.run.reference_loop_seconds`) took "
        f"{machine['reference_seconds']:.2f} s at the start of the run and "
        f"{machine['reference_seconds_end']:.2f} s at its end; compare it before comparing the absolute figures of "
        "two runs.",
        "",
        "## Registry import (`bench/import_registry.py`)",
        "",
        f"A deterministic CSV of **{rows:,} organization+person rows** ({file_mb:.0f} MB; {organizations_in_file:,} "
        "organizations with one to four people each, one row per person) imported with full validation into "
        "PostgreSQL, as `manage.py import_registry` and the dashboard upload do: every cell checked (FLO ID, country, "
        "kind, products, coordinates inside the country, E.164 phones, emails, dates…), organizations upserted by "
        "FLO ID, people by email, affiliations, memberships, certifications and email consents created, and every "
        "new row recorded in the audit history. Each run starts from the same registry (the API benchmark's "
        f"organizations, no people), in its own process; {len(big_runs)} runs, the median is reported.",
        "",
        "| | time | rows/s | ratio |",
        "|---|---:|---:|---:|",
        f"| raw `COPY` of the same file into a staging table of text columns | {copy_seconds:.2f} s "
        f"| {copy_rate:,.0f} | 1 |",
        f"| full import (validation, upserts, history), median | {big['seconds']:.1f} s | **{import_rate:,.0f}** "
        f"| {ratio_to_copy:.0f} |",
        *user_lines,
        "",
        f"Runs: {all_runs}. Target ≥ {IMPORT_TARGET_ROWS_PER_SECOND:,} validated rows/s: {_verdict(met)}. "
        f"Rows written: {counts}; {big['rows_with_errors']} rows refused.",
        "",
        "The import writes about nine rows per input row (the organization once per organization, the person, the "
        "affiliation, the consent, the membership and its event, the certificate, the product links, and a history "
        "row for each audited one), each with its indexes (about forty index entries per input row), and the "
        "database checks every foreign key at each "
        "batch's commit, while `COPY` writes one row of text per input row: the ratio is the price of validation, "
        "upserts and the audit trail. Attributed to a user, every history row also references the user, one more "
        "foreign key the database checks per row written.",
        "",
        "How it goes: rows are read and checked in Python and planned in batches of "
        f"{batch:,} (one query per table to find what the registry holds, then the changes worked out row by row); "
        "each batch's new rows get their ids from the sequences in one statement and are formatted for a binary "
        "`COPY` in memory; a second thread, on its own connection, sends the batch (`COPY` per table, the history "
        "rows copied by the database from the rows just written with `INSERT … SELECT`, updates as "
        "`UPDATE … FROM unnest(…)`) and commits it while the first thread reads and plans the next batch. A batch "
        "that reads a record the batch in flight writes waits for its commit.",
        "",
        "Where the time goes in the median run (seconds). The first five phases are the importing thread's and make "
        "up nearly all of the import's time; *writing* is the second thread's, overlapping them (sending the data, "
        "the database's work, the commits):",
        "",
        "| phase | seconds | share of the import's time |",
        "|---|---:|---:|",
        *(
            f"| {phase} | {timings.get(phase, 0.0):.1f} | {timings.get(phase, 0.0) / big['seconds']:.0%} |"
            for phase in _PHASES
        ),
        f"| writing (second thread) | {timings.get('writing', 0.0):.1f} | "
        f"{timings.get('writing', 0.0) / big['seconds']:.0%} |",
        "",
        *cpu_lines,
        f"What bounds it: the second thread was writing {writing / big['seconds']:.0%} of the time, so the import "
        "goes as fast as the database takes the batches, on two CPUs it shares with the Python thread (and with "
        "anything else running on the machine). In a `perf` profile of an import (2026-11-28) half of the "
        "database's time went to adding index entries (about forty per input row: the registry's tables and their "
        "history tables), a quarter to the foreign-key checks at the commits (half a million), the rest to storing "
        "the rows, the write-ahead log and the lookups. The Python side (reading, checking and planning each row, "
        "formatting the `COPY` data) is many small steps with no single hot spot.",
        "",
        *(
            []
            if met and not below
            else [
                (
                    "Below the target"
                    if not met
                    else f"Met by the median, but {below} of {len(big_runs)} runs were below"
                )
                + ": on this machine the import's speed follows the CPU the rest of the machine leaves it. Going "
                "faster would need a faster or less loaded machine, or fewer rows and index entries written per "
                "input row (a schema decision, e.g. history rows without a database-checked foreign key to the "
                "user, whose cost the staff-user run shows).",
                "",
            ]
        ),
        "**Memory does not grow with the file.** Peak resident memory of the importing process (Linux `VmHWM`; "
        "each import runs in its own process; the highest of the runs), and how much of it the import added to "
        "Python and Django:",
        "",
        "| file | peak RSS | added by the import |",
        "|---|---:|---:|",
        f"| {small['rows']:,} rows | {rss_small:.0f} MB | {added_small:.0f} MB |",
        f"| {rows:,} rows | {rss_big:.0f} MB | {added_big:.0f} MB |",
        "",
        f"{size_ratio:.0f} times the rows, {rss_big / rss_small:.2f} times the memory: the file is streamed "
        f"(csv.reader over the upload, openpyxl read-only for XLSX) and processed in batches of {batch:,} rows; at "
        "most three batches are held at a time (one being written, one planned, one read), and released after.",
        "",
        *_api_lines(api),
        "## Duplicate finder (`bench/duplicates.py`)",
        "",
        f"Over the registry the imports left: {dupes['people']:,} people, {dupes['affiliations']:,} affiliations and "
        f"{dupes['organizations']:,} organizations, with {planted['people_changed']:,} people given another person's "
        f"email or phone and {planted['organizations_renamed']:,} organizations another's name in the same country. "
        "Each rule groups a key in the database (`GROUP BY key HAVING MIN(id) < MAX(id)`, i.e. more than one "
        "record) and reads back the members of the groups: no pairwise comparison. "
        f"Median of {dupes['runs']} runs, after `ANALYZE`:",
        "",
        "| | time | groups found |",
        "|---|---:|---:|",
        f"| people (same email, same phone, same name in one organization) | {dupes['person_ms']:.0f} ms "
        f"| {dupes['person_groups']:,} |",
        f"| organizations (same FLO ID, same tax id or name in one country) | {dupes['organization_ms']:.0f} ms "
        f"| {dupes['organization_groups']:,} |",
        "",
    ]
    return "\n".join(lines)


def _api_lines(api: dict) -> list[str]:
    """The "Partner directory API" section."""
    runs = ", ".join(f"{ratio:.2f}" for ratio in api.get("ratios", [api["ratio"]]))
    return [
        "## Partner directory API (`bench/registry_api.py`)",
        "",
        f"{api['organizations']:,} member organizations; `GET /api/v1/directory/organizations/?page_size=100` with a "
        "partner key (`directory:read`) through `django.test.Client` (routing, middleware, key authentication, "
        f"throttling, filtering, cursor pagination, rendering) against the same {api['rows_per_page']} rows read with "
        "`.values()` (organizations, their products and certifications: three queries) and serialized with orjson. "
        f"{api['runs']} timed requests each, alternating, after `ANALYZE` (as autovacuum would have run), repeated "
        f"{api.get('repeats', 1)} times: the median of the repeats' medians, with their spread (lowest-highest).",
        "",
        "| | median (spread) |",
        "|---|---:|",
        f"| `.values()` + orjson | {api['baseline_ms']:.1f} ms ({api.get('baseline_min', api['baseline_ms']):.1f}-"
        f"{api.get('baseline_max', api['baseline_ms']):.1f}) |",
        f"| directory endpoint | {api['endpoint_ms']:.1f} ms ({api.get('endpoint_min', api['endpoint_ms']):.1f}-"
        f"{api.get('endpoint_max', api['endpoint_ms']):.1f}) |",
        f"| ratio | **{api['ratio']:.2f}** ({api.get('ratio_min', api['ratio']):.2f}-"
        f"{api.get('ratio_max', api['ratio']):.2f}) |",
        "",
        f"Ratio of each repeat: {runs}. Target ≤ {API_TARGET_RATIO} times the baseline in the median of the repeats: "
        f"{_verdict(api['ratio'] <= API_TARGET_RATIO)}.",
        "",
        "Where the endpoint's time went before (issue 12, item 18): building the SQL of the row's aggregated "
        "products and certifications with the ORM (`Subquery` + `StringAgg` + `Concat`, compiled on every request) "
        "cost more than running it; they are now two correlated subqueries written once in SQL "
        "(`members/selectors/directory.py`), and the page is still one query where the baseline needs three. The "
        "rest of the endpoint's time is the framework's: key lookup, throttling, the filter form, cursor "
        "pagination and rendering.",
        "",
    ]


if __name__ == "__main__":
    sys.exit(main())
