"""The benchmarks at a tiny size, in the normal suite, so they keep working between runs of
`make bench` (which runs them at full size on PostgreSQL and writes docs/benchmarks.md)."""

import datetime

import pytest
from django.db import connection

from bench import duplicates, import_registry, members_pages, registry_api
from bench.run import _api_lines, _report, _with_database, main, median_run
from members.models import Affiliation, Organization, Person


@pytest.mark.django_db
def test_import_benchmark_runs_at_a_tiny_size(tmp_path):
    measured = import_registry.run(rows=200, workdir=tmp_path, with_copy=connection.vendor == "postgresql")

    assert measured["rows"] == 200
    assert measured["rows_with_errors"] == 0, measured["first_errors"]
    assert Person.objects.count() == 200
    assert Affiliation.objects.count() == 200
    assert Organization.objects.count() == measured["organizations_in_file"]
    assert measured["rows_per_second"] > 0
    if connection.vendor == "postgresql":
        assert measured["copy_seconds"] > 0


@pytest.mark.django_db
def test_the_generated_file_is_deterministic(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    import_registry.generate_csv(first, rows=50, seed=3)
    import_registry.generate_csv(second, rows=50, seed=3)

    assert first.read_bytes() == second.read_bytes()


@pytest.mark.django_db
def test_api_benchmark_runs_at_a_tiny_size():
    measured = registry_api.run(organizations=150, runs=2)

    assert measured["rows_per_page"] == 100
    assert measured["endpoint_ms"] > 0 and measured["baseline_ms"] > 0


@pytest.mark.django_db
def test_duplicates_benchmark_and_report_run_at_a_tiny_size(tmp_path):
    imported = import_registry.run(rows=120, workdir=tmp_path, with_copy=False)
    found = duplicates.run(runs=1)
    assert found["people"] == 120
    assert found["person_groups"] >= 0

    slower = {**imported, "seconds": imported["seconds"] * 2, "maxrss_kb": 100_000, "maxrss_before_kb": 90_000}
    as_user = {**imported, "seconds": imported["seconds"] * 3}
    report = _report(
        machine={
            "nproc": 2,
            "cpu": "test",
            "memory_gb": 1.0,
            "python": "3.12",
            "load": (0.1, 0.1, 0.1),
            "reference_seconds": 1.0,
            "reference_seconds_end": 1.1,
        },
        postgres="15",
        started_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
        finished_at=datetime.datetime(2025, 1, 1, 0, 5, tzinfo=datetime.UTC),
        api={
            "organizations": 150,
            "rows_per_page": 100,
            "runs": 2,
            "endpoint_ms": 3.0,
            "baseline_ms": 2.0,
            "ratio": 1.5,
        },
        big_runs=[{**imported, "maxrss_kb": 100_000, "maxrss_before_kb": 90_000, "database_cpu_seconds": 0.5}, slower],
        as_user=as_user,
        small={**imported, "rows": 12, "maxrss_kb": 99_000, "maxrss_before_kb": 90_000},
        copy_seconds=0.01,
        organizations_in_file=imported["organizations_in_file"],
        file_mb=0.1,
        dupes=found,
    )
    assert "# Benchmarks" in report and "rows/s" in report
    assert "attributed to a staff user" in report
    assert "preparing writes" in report
    assert "the database's processes 0.5 s" in report


def test_the_median_run_is_one_of_the_runs():
    runs = [{"seconds": 3.0}, {"seconds": 1.0}, {"seconds": 2.0}, {"seconds": 4.0}]

    assert median_run(runs) == {"seconds": 2.0}
    assert median_run(runs[:3]) == {"seconds": 2.0}


@pytest.mark.django_db
def test_the_import_can_be_attributed_to_a_user(tmp_path):
    path = tmp_path / "few.csv"
    import_registry.generate_csv(path, rows=30, seed=5)

    measured = import_registry.import_file(path, username="bench-importer")

    assert measured["rows_with_errors"] == 0, measured["first_errors"]
    assert measured["user"] == "bench-importer"
    assert measured["cpu_seconds"] > 0
    person = Person.objects.first()
    assert person.history.get().history_user.username == "bench-importer"


def test_an_unknown_benchmark_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["imports"])

    assert "unknown benchmark imports" in capsys.readouterr().err


def test_the_bench_database_url_keeps_the_server():
    assert _with_database("postgres://u@db:5432/clac?sslmode=off", "clac_bench") == (
        "postgres://u@db:5432/clac_bench?sslmode=off"
    )


@pytest.mark.django_db
def test_api_benchmark_repeats_and_reports_the_median_ratio_with_its_spread():
    measured = registry_api.run_repeated(organizations=120, runs=2, repeats=2)

    assert measured["repeats"] == 2 and len(measured["ratios"]) == 2
    assert measured["ratio_min"] <= measured["ratio"] <= measured["ratio_max"]
    assert "Ratio of each repeat" in "\n".join(_api_lines(measured))


@pytest.mark.django_db
def test_members_pages_benchmark_runs_at_a_tiny_size(staff_user_factory):
    from tests.factories import MembershipFactory, PersonFactory, YearlyReportFactory

    staff_user_factory("admin", username="admin")
    for _ in range(3):
        membership = MembershipFactory()
        YearlyReportFactory(organization=membership.organization, year=2024, status="submitted")
    PersonFactory()

    measured = members_pages.run(runs=1, repeats=1, load=False)

    labels = {row["label"]: row for row in measured["pages"]}
    assert labels["dashboard: home"]["first"]["status"] == 200
    assert labels["people"]["last"]["status"] == 200
    assert all(row["first"]["status"] == 200 for row in measured["pages"]), [
        (row["label"], row["first"].get("status")) for row in measured["pages"]
    ]
    report = "\n".join(members_pages.report_lines(measured))
    assert "## Registry pages" in report and "dashboard: home" in report
