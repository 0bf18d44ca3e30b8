"""The backup and restore procedure of docs/operations.md, run for real: `pg_dump -Fc` of the
test database, `pg_restore` into a fresh database, and the data is there (row counts of every
table, and one known record per table family: organizations, people, memberships, reports,
networks, history, jobs). PostgreSQL only; in CI (CI set) a missing PostgreSQL or client fails
instead of skipping."""

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from clac.models import Job
from clac.roles import StaffRole
from members import services
from members.models import Membership, YearlyReport
from tests.factories import OrganizationFactory, YearlyReportFactory, staff_user
from tests.networks.factories import CountryNetworkFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Tables whose rows we look at after the restore, one per family the operators care about.
FAMILY_TABLES = {
    "organizations": "members_organization",
    "people": "members_person",
    "memberships": "members_membership",
    "reports": "members_yearlyreport",
    "networks": "networks_network",
    "history": "members_historicalorganization",
    "jobs": "clac_job",
}


def _require(condition: bool, reason: str) -> None:
    """Skip only outside CI; in CI the backup drill must run."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required because CI is set)")
    pytest.skip(reason)


def _libpq_env() -> dict[str, str]:
    """The test database's connection as libpq variables for pg_dump and pg_restore (no
    password on a command line)."""
    db = connection.settings_dict
    env = {**os.environ, "PGHOST": db.get("HOST") or "127.0.0.1", "PGUSER": db.get("USER") or "postgres"}
    if db.get("PORT"):
        env["PGPORT"] = str(db["PORT"])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _connect(dbname: str) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        dbname=dbname,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or None,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database, dropped afterwards."""
    _require(connection.vendor == "postgresql", "The backup drill needs PostgreSQL (set DATABASE_URL)")
    _require(bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "pg_dump/pg_restore are not installed")
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with _connect("postgres") as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with _connect("postgres") as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _counts(cursor: psycopg.Cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    tables = sorted(row[0] for row in cursor.fetchall())
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def test_a_custom_format_dump_restores_into_a_fresh_database_with_all_the_data(tmp_path: Path, fresh_database):

    admin = staff_user(StaffRole.ADMIN, username="backup-admin")
    organization = OrganizationFactory(name="Cooperativa Respaldo Andino", flo_id="99001")
    services.organization_update(actor=admin, organization=organization, legal_name="Respaldo Andino Ltda.")
    person = services.person_create(actor=admin, first_name="Ana", last_name="Restaurada", email="ana@backup.example")
    services.membership_transition(
        actor=admin,
        organization=organization,
        to_status=Membership.Status.ACTIVE,
        reason="drill",
        override_reason="drill",
    )
    YearlyReportFactory(organization=organization, year=2024, status=YearlyReport.Status.APPROVED, members_total=777)
    network = CountryNetworkFactory(name="Red de respaldo")
    job = Job.objects.create(kind="registry_import", params={"drill": True}, requested_by=admin)

    dump = tmp_path / "clac.dump"
    env = _libpq_env()
    source = connection.settings_dict["NAME"]
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-d", source, "-f", str(dump)], env=env, check=True, timeout=120)  # noqa: S603, S607
    assert dump.stat().st_size > 0
    restore = subprocess.run(  # noqa: S603
        ["pg_restore", "--no-owner", "--exit-on-error", "-d", fresh_database, str(dump)],  # noqa: S607
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert restore.returncode == 0, restore.stderr

    with _connect(source) as original, _connect(fresh_database) as restored:
        expected, found = _counts(original.cursor()), _counts(restored.cursor())
        assert found == expected
        assert all(expected[table] > 0 for table in FAMILY_TABLES.values()), expected
        cursor = restored.cursor()
        cursor.execute("SELECT name, legal_name, flo_id FROM members_organization WHERE id = %s", [organization.pk])
        assert cursor.fetchone() == ("Cooperativa Respaldo Andino", "Respaldo Andino Ltda.", "99001")
        cursor.execute("SELECT email FROM members_person WHERE id = %s", [person.pk])
        assert cursor.fetchone() == ("ana@backup.example",)
        cursor.execute("SELECT status FROM members_membership WHERE organization_id = %s", [organization.pk])
        assert cursor.fetchone() == ("active",)
        cursor.execute("SELECT members_total FROM members_yearlyreport WHERE organization_id = %s", [organization.pk])
        assert cursor.fetchone() == (777,)
        cursor.execute("SELECT name FROM networks_network WHERE id = %s", [network.pk])
        assert cursor.fetchone() == ("Red de respaldo",)
        cursor.execute(
            "SELECT count(*), max(history_user_id) FROM members_historicalorganization WHERE id = %s",
            [organization.pk],
        )
        assert cursor.fetchone() == (2, admin.pk)
        cursor.execute("SELECT kind, params FROM clac_job WHERE id = %s", [job.pk])
        assert cursor.fetchone() == ("registry_import", {"drill": True})
