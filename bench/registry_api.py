"""Benchmark: the partner directory endpoint's page of 100 organizations against the same
rows fetched with `.values()` and serialized with orjson, in the same run.

The endpoint is called through django.test.Client with a partner key (`directory:read`), so
the figure includes URL routing, middleware, key authentication, throttling, filtering,
cursor pagination and rendering. The baseline reads the same 100 rows and the same related
data (products, certifications) with three plain queries and dumps them with orjson: what
the page would cost with no framework at all."""

from __future__ import annotations

import datetime
import random
import statistics
import time
from collections import defaultdict

import orjson

PAGE_SIZE = 100
URL = f"/api/v1/directory/organizations/?page_size={PAGE_SIZE}"


def seed_organizations(count: int, *, seed: int = 7) -> None:
    """`count` member organizations (active or suspended members, with one or two products
    and a certificate), created with bulk_create."""
    from members.models import Certification, Country, Membership, Organization, Product
    from members.normalize import normalize_organization_name

    rng = random.Random(seed)
    countries = list(Country.objects.values_list("code", flat=True))
    product_ids = list(Product.objects.values_list("id", flat=True))
    organizations = []
    for index in range(count):
        name = f"Cooperativa Benchmark {index:06d}"
        organizations.append(
            Organization(
                kind="spo" if rng.random() < 0.89 else "hl",
                name=name,
                normalized_name=normalize_organization_name(name),
                country_id=rng.choice(countries),
                region="Región",
                locality="Localidad",
                flo_id=str(3_000_000 + index),
                founding_year=rng.randrange(1960, 2020),
                website=f"https://bench{index}.example.org",
            )
        )
    Organization.objects.bulk_create(organizations, batch_size=2000)
    Membership.objects.bulk_create(
        [
            Membership(organization=org, status="active" if rng.random() < 0.95 else "suspended")
            for org in organizations
        ],
        batch_size=2000,
    )
    through = Organization.products.through
    through.objects.bulk_create(
        [
            through(organization_id=org.pk, product_id=product_id)
            for org in organizations
            for product_id in rng.sample(product_ids, 1 if rng.random() < 0.6 else 2)
        ],
        batch_size=5000,
    )
    Certification.objects.bulk_create(
        [
            Certification(
                organization=org,
                standard="spo",
                status="certified",
                cycle_start=datetime.date(2024, 1, 1),
                cycle_end=datetime.date(2027, 1, 1),
            )
            for org in organizations
        ],
        batch_size=2000,
    )
    _analyze()


def _analyze() -> None:
    """Fresh statistics, as autovacuum would have them for a registry in use: without them
    PostgreSQL plans for empty tables."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def baseline_page() -> bytes:
    """The same page with `.values()` and orjson: organizations, then their products and
    certifications, keyed in Python."""
    from members.models import Certification, Membership, Organization

    rows = list(
        Organization.objects.filter(membership__status__in=(Membership.Status.ACTIVE, Membership.Status.SUSPENDED))
        .order_by("-id")
        .values(
            "id",
            "name",
            "kind",
            "country_id",
            "country__name",
            "region",
            "locality",
            "flo_id",
            "founding_year",
            "website",
            "membership__status",
        )[:PAGE_SIZE]
    )
    ids = [row["id"] for row in rows]
    products = defaultdict(list)
    for org_id, code in Organization.products.through.objects.filter(organization_id__in=ids).values_list(
        "organization_id", "product__code"
    ):
        products[org_id].append(code)
    certifications = defaultdict(list)
    for org_id, standard, status in Certification.objects.filter(organization_id__in=ids).values_list(
        "organization_id", "standard", "status"
    ):
        certifications[org_id].append({"standard": standard, "status": status})
    for row in rows:
        row["products"] = sorted(products[row["id"]])
        row["certifications"] = certifications[row["id"]]
    return orjson.dumps({"results": rows})


def _time_ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def run(*, organizations: int, runs: int = 30, seed: bool = True) -> dict:
    """Seed (optionally), then time the endpoint and the baseline, `runs` times each after a
    warm-up, alternating so that both see the same machine conditions."""
    from django.test import Client

    from communications.models import ExternalPartner
    from communications.services import api_key_create

    if seed:
        seed_organizations(organizations)
    partner, _created = ExternalPartner.objects.get_or_create(
        name="Benchmark partner", defaults={"kind": ExternalPartner.Kind.NFO}
    )
    _key, raw_key = api_key_create(partner=partner, name="benchmark", scopes=["directory:read"])
    client = Client()
    headers = {"Authorization": f"Api-Key {raw_key}"}

    def endpoint() -> bytes:
        response = client.get(URL, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"The directory answered {response.status_code}: {response.content[:300]!r}")
        return response.content

    # Same rows on both sides, checked once.
    endpoint_ids = [row["id"] for row in orjson.loads(endpoint())["results"]]
    baseline_ids = [row["id"] for row in orjson.loads(baseline_page())["results"]]
    if endpoint_ids != baseline_ids:
        raise RuntimeError("The endpoint and the baseline returned different rows.")
    for _ in range(3):
        endpoint()
        baseline_page()

    endpoint_times: list[float] = []
    baseline_times: list[float] = []
    for _ in range(runs):
        endpoint_times.append(_time_ms(endpoint))
        baseline_times.append(_time_ms(baseline_page))
    endpoint_ms = statistics.median(endpoint_times)
    baseline_ms = statistics.median(baseline_times)
    return {
        "organizations": organizations,
        "rows_per_page": len(endpoint_ids),
        "runs": runs,
        "endpoint_ms": endpoint_ms,
        "baseline_ms": baseline_ms,
        "ratio": endpoint_ms / baseline_ms if baseline_ms else float("nan"),
    }


def run_repeated(*, organizations: int, runs: int = 30, repeats: int = 5) -> dict:
    """`run` `repeats` times over the same rows (seeded once): the medians of the repeats'
    figures, their spread, and each repeat's ratio (one run can be a lucky or an unlucky one
    on a shared machine)."""
    measured = [run(organizations=organizations, runs=runs, seed=index == 0) for index in range(max(1, repeats))]
    result = dict(measured[0])
    for key in ("endpoint_ms", "baseline_ms", "ratio"):
        values = [m[key] for m in measured]
        name = key.removesuffix("_ms")
        result[key] = statistics.median(values)
        result[f"{name}_min"], result[f"{name}_max"] = min(values), max(values)
    result["ratios"] = [m["ratio"] for m in measured]
    result["repeats"] = len(measured)
    return result
