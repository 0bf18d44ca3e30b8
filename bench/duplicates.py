"""Benchmark: the duplicate finder over the registry the import benchmark left behind (about
100,000 people), with some duplicates planted: people sharing an email (in another case) or a
phone, organizations sharing a name in their country."""

from __future__ import annotations

import random
import statistics
import time


def plant(*, share: float = 0.005, seed: int = 11) -> dict:
    """Copy the email of one person onto another (upper-cased), the phone of one onto another,
    and the name of one organization onto another of the same country, for `share` of them."""
    from members.models import Organization, Person
    from members.normalize import normalize_organization_name

    rng = random.Random(seed)
    person_ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    people = int(len(person_ids) * share)
    sources = rng.sample(person_ids, people * 2)
    targets = rng.sample(person_ids, people * 2)
    by_id = Person.objects.in_bulk(sources + targets)
    changed = []
    for index, (source, target) in enumerate(zip(sources, targets, strict=True)):
        if source == target:
            continue
        person = by_id[target]
        if index % 2:
            person.email = by_id[source].email.upper()
        else:
            person.phone = by_id[source].phone
        changed.append(person)
    Person.objects.bulk_update(changed, ["email", "phone"], batch_size=2000)

    org_rows = list(Organization.objects.order_by("id").values_list("id", "country_id", "name"))
    by_country: dict[str, list[tuple[int, str]]] = {}
    for pk, country, name in org_rows:
        by_country.setdefault(country, []).append((pk, name))
    renamed = []
    for _ in range(int(len(org_rows) * share)):
        country = rng.choice(list(by_country))
        if len(by_country[country]) < 2:
            continue
        (_source_pk, source_name), (target_pk, _name) = rng.sample(by_country[country], 2)
        renamed.append(
            Organization(pk=target_pk, name=source_name, normalized_name=normalize_organization_name(source_name))
        )
    Organization.objects.bulk_update(renamed, ["name", "normalized_name"], batch_size=2000)
    return {"people_changed": len(changed), "organizations_renamed": len(renamed)}


def run(*, runs: int = 5) -> dict:
    from django.db import connection

    from members.duplicates import organization_duplicate_groups, person_duplicate_groups
    from members.models import Affiliation, Organization, Person

    planted = plant()
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would have them after the bulk load.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def timed(fn) -> tuple[float, int]:
        timings = []
        found = 0
        for _ in range(runs):
            started = time.perf_counter()
            found = len(fn())
            timings.append((time.perf_counter() - started) * 1000)
        return statistics.median(timings), found

    person_ms, person_groups = timed(person_duplicate_groups)
    organization_ms, organization_groups = timed(organization_duplicate_groups)
    return {
        "people": Person.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "organizations": Organization.objects.count(),
        "planted": planted,
        "runs": runs,
        "person_ms": person_ms,
        "person_groups": person_groups,
        "organization_ms": organization_ms,
        "organization_groups": organization_groups,
        "vendor": connection.vendor,
    }
