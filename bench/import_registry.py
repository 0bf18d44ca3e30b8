"""Benchmark: import organization+person rows from CSV with full validation, against a raw
COPY of the same file into a plain staging table in the same database.

The file is generated deterministically: organizations with one to four people each (one row
per person, the organization's columns repeated, as staff export them from spreadsheets),
countries weighted as CLAC's membership is (Peru, Colombia and Mexico about half), 89 % SPOs,
one or two products, a certificate, most people with an email consent answer.

Run through `python -m bench.run`; `python -m bench.import_registry --file F [--user NAME]`
imports one file and prints a JSON line (time, rows/s, phases, CPU, peak RSS) — bench.run runs
it in a child process per import so each peak memory figure belongs to one import alone.
With --user the changes are attributed to that staff user (created if missing), as the
dashboard upload and `import_registry --user` do: the history rows then reference the user,
which the database checks too."""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

from members.reference import COUNTRIES, PRODUCTS

# Country weights: Peru, Colombia and Mexico hold about half of CLAC's members.
_COUNTRY_WEIGHTS = {"PE": 18, "CO": 16, "MX": 14, "BR": 6, "NI": 5, "HN": 5, "GT": 5, "EC": 4, "BO": 4, "DO": 4}
_PHONE_PREFIX = {
    "MX": "52", "GT": "502", "BZ": "501", "HN": "504", "SV": "503", "NI": "505", "CR": "506", "PA": "507",
    "CU": "53", "DO": "1809", "HT": "509", "JM": "1876", "DM": "1767", "LC": "1758", "VC": "1784", "GD": "1473",
    "CO": "57", "EC": "593", "PE": "51", "BO": "591", "BR": "55", "PY": "595", "CL": "56", "AR": "54",
}  # fmt: skip
_FIRST = ["María", "José", "Ana", "Luis", "Rosa", "Juan", "Carmen", "Jorge", "Lucía", "Óscar", "Marta", "Raúl",
          "Elena", "Andrés", "Sofía", "Ramón", "Inés", "Héctor", "Nelly", "Tomás"]  # fmt: skip
_LAST = ["Quispe", "Mamani", "García", "Rodríguez", "Hernández", "López", "Pérez", "Gómez", "Flores", "Díaz",
         "Cruz", "Torres", "Ramírez", "Vargas", "Castillo", "Peña", "Núñez", "Ortiz", "Chávez", "Huamán"]  # fmt: skip
_WORDS = ["Agraria", "Cafetalera", "Cacaotera", "Bananera", "Apícola", "Valle", "Sierra", "Norte", "Sur",
          "Unión", "Productores", "Frontera", "Montaña", "Selva", "Río", "Alto", "Verde", "Esperanza", "Futuro",
          "Andina"]  # fmt: skip
_ROLES = ["manager", "legal_representative", "board_member", "fairtrade_officer", "delegate"]


def generate_csv(path: Path, *, rows: int, seed: int = 2024, first_flo_id: int = 100000) -> int:
    """Write `rows` combined rows to `path`; returns the number of organizations."""
    from members.importing import COMBINED_COLUMNS

    rng = random.Random(seed)
    countries = {code: (box, code) for code, _name, _sub, box in COUNTRIES}
    codes = [code for code, *_rest in COUNTRIES]
    weights = [_COUNTRY_WEIGHTS.get(code, 1) for code in codes]
    products = [code for code, *_rest in PRODUCTS]
    written = 0
    org_index = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COMBINED_COLUMNS)
        while written < rows:
            org_index += 1
            flo_id = str(first_flo_id + org_index)
            country = rng.choices(codes, weights)[0]
            (min_lat, max_lat, min_lng, max_lng), _code = countries[country]
            kind = "spo" if rng.random() < 0.89 else "hl"
            name = f"Cooperativa {rng.choice(_WORDS)} {rng.choice(_WORDS)} {flo_id}"
            status_roll = rng.random()
            cert_status = (
                "certified" if status_roll < 0.85 else "permission_to_trade" if status_roll < 0.97 else "suspended"
            )
            cycle_start = datetime.date(2022 + rng.randrange(3), rng.randrange(1, 13), 1)
            org = {
                "flo_id": flo_id,
                "name": name,
                "kind": kind,
                "country": country,
                "legal_name": f"{name} Ltda.",
                "tax_id": str(rng.randrange(10**9, 10**10)),
                "region": rng.choice(_WORDS),
                "locality": rng.choice(_WORDS),
                "latitude": f"{rng.uniform(min_lat, max_lat):.5f}",
                "longitude": f"{rng.uniform(min_lng, max_lng):.5f}",
                "products": "|".join(rng.sample(products, 1 if rng.random() < 0.6 else 2)),
                "founding_year": str(rng.randrange(1960, 2020)),
                "website": f"https://coop{flo_id}.example.org",
                "email": f"info@coop{flo_id}.example.org",
                "phone": f"+{_PHONE_PREFIX[country]}{rng.randrange(10**7, 10**8)}",
                "membership_status": "active" if rng.random() < 0.9 else "applicant",
                "certification_standard": "spo" if kind == "spo" else "hl",
                "certification_status": cert_status,
                "cycle_start": cycle_start.isoformat(),
                "cycle_end": cycle_start.replace(year=cycle_start.year + 3).isoformat(),
            }
            people = rng.choice((1, 2, 2, 3, 3, 4))
            for index in range(people):
                if written >= rows:
                    break
                written += 1
                consent = rng.random()
                row = dict(org)
                row.update(
                    {
                        "person_email": f"p{written}@coop{flo_id}.example.org",
                        "person_first_name": rng.choice(_FIRST),
                        "person_last_name": f"{rng.choice(_LAST)} {rng.choice(_LAST)}",
                        "person_phone": f"+{_PHONE_PREFIX[country]}9{rng.randrange(10**7, 10**8)}",
                        "person_preferred_language": "pt-br" if country == "BR" else "fr" if country == "HT" else "es",
                        "person_gender": rng.choice(("female", "male", "")),
                        "person_role": _ROLES[index % len(_ROLES)],
                        "person_start_date": datetime.date(
                            2015 + rng.randrange(10), rng.randrange(1, 13), 1
                        ).isoformat(),
                        "person_is_primary": "yes" if index == 0 else "no",
                        "person_consent_email": "yes" if consent < 0.6 else "no" if consent < 0.8 else "",
                    }
                )
                writer.writerow([row.get(column, "") for column in COMBINED_COLUMNS])
    return org_index


def copy_baseline(path: Path) -> float:
    """Seconds to COPY the file's rows into a plain table of text columns (PostgreSQL)."""
    from django.db import connection

    from members.importing import COMBINED_COLUMNS

    columns = ", ".join(f'"{name}" text' for name in COMBINED_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_staging")
        cursor.execute(f"CREATE TABLE bench_import_staging ({columns})")
        try:
            started = time.perf_counter()
            with (
                path.open("rb") as handle,
                cursor.copy("COPY bench_import_staging FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            ):
                while chunk := handle.read(1 << 16):
                    copy.write(chunk)
            elapsed = time.perf_counter() - started
            cursor.execute("SELECT count(*) FROM bench_import_staging")
            (copied,) = cursor.fetchone()
        finally:
            cursor.execute("DROP TABLE IF EXISTS bench_import_staging")
    if not copied:
        raise RuntimeError("COPY loaded no rows.")
    return elapsed


def peak_rss_kb() -> int:
    """This process's peak resident memory in KB. Linux's VmHWM belongs to the running
    program alone; ru_maxrss also carries the peak of the parent that forked it, so it is
    only the fallback (other systems)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cpu_seconds() -> float:
    """CPU time (user + system) of this process so far, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def import_file(path: Path, *, batch_size: int | None = None, username: str = "") -> dict:
    """Import one file in this process; returns timing, counts, phases, CPU and peak memory."""
    from members.importing import IMPORT_BATCH_SIZE, registry_import

    actor = _staff_user(username) if username else None
    rss_before = peak_rss_kb()
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    with path.open("rb") as handle:
        result = registry_import(
            file=handle,
            filename=path.name,
            import_format="combined",
            batch_size=batch_size or IMPORT_BATCH_SIZE,
            actor=actor,
        )
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    result.close()
    return {
        "rows": result.rows,
        "rows_with_errors": result.rows_with_errors,
        "seconds": elapsed,
        "rows_per_second": result.rows / elapsed if elapsed else 0.0,
        "counts": dict(result.counts),
        "timings": dict(result.timings),
        "pipelined": result.pipelined,
        "batch_size": batch_size or IMPORT_BATCH_SIZE,
        "user": username,
        # CPU seconds of this process (both threads) during the import.
        "cpu_seconds": cpu,
        "first_errors": [e.message for e in result.errors[:3]],
        # The process's peak resident memory (KB) before the import and at its end.
        "maxrss_before_kb": rss_before,
        "maxrss_kb": peak_rss_kb(),
    }


def _staff_user(username: str):
    """The user the import is attributed to (the service checks no role: the views do)."""
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
    return user


def run(*, rows: int, workdir: Path, seed: int = 2024, with_copy: bool = True) -> dict:
    """In-process run (the smoke test and quick checks): generate, COPY baseline, import."""
    path = workdir / f"registry-{rows}.csv"
    organizations = generate_csv(path, rows=rows, seed=seed)
    copy_seconds = copy_baseline(path) if with_copy else None
    measured = import_file(path)
    measured["organizations_in_file"] = organizations
    measured["copy_seconds"] = copy_seconds
    if copy_seconds:
        measured["ratio_to_copy"] = measured["seconds"] / copy_seconds
    return measured


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--user", default="", help="Attribute the import to this staff user (created if missing).")
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    print(json.dumps(import_file(args.file, batch_size=args.batch_size, username=args.user)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
