"""The partners' statistics endpoint: approved reports only, grouping, no double counting."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from communications.services import api_key_create
from members.models import YearlyReport, YearlyReportProduct
from tests.factories import ExternalPartnerFactory, OrganizationFactory, YearlyReportFactory, country, product

URL = "/api/v1/statistics/"
APPROVED = YearlyReport.Status.APPROVED


def report(org=None, *, year=2024, status=APPROVED, lines=(), **fields) -> YearlyReport:
    fields.setdefault("premium_usd", fields.get("premium_amount", Decimal("1000.00")))
    rep = YearlyReportFactory(organization=org or OrganizationFactory(), year=year, status=status, **fields)
    for code, produced, fairtrade, other in lines:
        YearlyReportProduct.objects.create(
            report=rep,
            product=product(code),
            volume_produced=Decimal(produced),
            volume_sold_fairtrade=Decimal(fairtrade),
            volume_sold_other=Decimal(other),
        )
    return rep


@pytest.fixture
def client(db):
    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="stats", scopes=["stats:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def get(client, **params) -> dict:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_statistics_count_approved_reports_only(client):
    report(members_total=100, members_women=40, members_youth=10, permanent_workers=5, hectares=Decimal("50.5"),
           premium_amount=Decimal("1000"), lines=[("coffee", "1000", "600", "300")])  # fmt: skip
    for status in (YearlyReport.Status.SUBMITTED, YearlyReport.Status.DRAFT, YearlyReport.Status.RETURNED):
        report(status=status, members_total=999_999, members_women=1, members_youth=1, premium_amount=Decimal("9e9"),
               lines=[("coffee", "9999999", "9999999", "0")])  # fmt: skip

    data = get(client, group_by="year")
    assert data["group_by"] == ["year"]
    [row] = data["results"]
    assert row["year"] == 2024
    assert row["organizations_reporting"] == 1
    assert (row["members_total"], row["members_women"], row["members_youth"]) == (100, 40, 10)
    assert row["permanent_workers"] == 5
    assert Decimal(row["hectares"]) == Decimal("50.5")
    assert Decimal(row["premium_usd"]) == Decimal("1000")
    assert row["volumes"] == [
        {"product": "coffee", "unit": "lb", "produced": "1000.00", "sold_fairtrade": "600.00", "sold_other": "300.00"}
    ]


def test_statistics_group_by_country_and_year_by_default(client):
    report(OrganizationFactory(country=country("PE")), year=2023, members_total=100, members_women=10, members_youth=0)
    report(OrganizationFactory(country=country("PE")), year=2024, members_total=200, members_women=10, members_youth=0)
    report(OrganizationFactory(country=country("PE")), year=2024, members_total=300, members_women=10, members_youth=0)
    report(OrganizationFactory(country=country("CO")), year=2024, members_total=50, members_women=10, members_youth=0)

    data = get(client)
    assert data["group_by"] == ["country", "year"]
    rows = {(r["country"]["code"], r["year"]): r for r in data["results"]}
    assert set(rows) == {("PE", 2023), ("PE", 2024), ("CO", 2024)}
    assert rows["PE", 2024]["members_total"] == 500
    assert rows["PE", 2024]["organizations_reporting"] == 2
    assert rows["PE", 2024]["product"] is None
    assert rows["CO", 2024]["country"]["name"]


def test_statistics_by_product_count_each_organization_once_per_product(client):
    two_products = OrganizationFactory()
    report(two_products, members_total=100, members_women=30, members_youth=20,
           lines=[("coffee", "1000", "500", "0"), ("cocoa", "10", "5", "5")])  # fmt: skip
    report(members_total=40, members_women=20, members_youth=0, lines=[("coffee", "200", "200", "0")])

    by_product = {r["product"]["code"]: r for r in get(client, group_by="product")["results"]}
    assert by_product["coffee"]["members_total"] == 140
    assert by_product["coffee"]["organizations_reporting"] == 2
    assert by_product["coffee"]["product"]["unit"] == "lb"
    assert by_product["coffee"]["volumes"] == [
        {"product": "coffee", "unit": "lb", "produced": "1200.00", "sold_fairtrade": "700.00", "sold_other": "0.00"}
    ]
    assert by_product["cocoa"]["members_total"] == 100
    assert [v["unit"] for v in by_product["cocoa"]["volumes"]] == ["t"]

    # Without grouping by product, the organization with two products counts once.
    [total] = get(client, group_by="year")["results"]
    assert total["members_total"] == 140
    assert total["organizations_reporting"] == 2
    assert {v["product"] for v in total["volumes"]} == {"cocoa", "coffee"}


def test_product_filter_without_grouping_counts_an_organization_once(client):
    report(members_total=100, members_women=0, members_youth=0,
           lines=[("coffee", "10", "5", "0"), ("cocoa", "10", "5", "0")])  # fmt: skip
    report(members_total=7, members_women=0, members_youth=0, lines=[("honey", "10", "5", "0")])

    [row] = get(client, group_by="year", product="coffee,cocoa")["results"]
    assert row["members_total"] == 100
    assert {v["product"] for v in row["volumes"]} == {"coffee", "cocoa"}
    assert get(client, group_by="year", product="coffee")["filters"]["product"] == ["coffee"]


def test_statistics_without_year_grouping_use_the_latest_year(client):
    org = OrganizationFactory()
    report(org, year=2023, members_total=100, members_women=0, members_youth=0)
    report(org, year=2024, members_total=120, members_women=0, members_youth=0)
    report(year=2025, status=YearlyReport.Status.SUBMITTED, members_total=5, members_women=0, members_youth=0)

    data = get(client, group_by="country")
    assert data["filters"]["year"] == 2024
    [row] = data["results"]
    assert row["members_total"] == 120 and row["year"] is None

    data = get(client, group_by="country", year=2023)
    assert data["results"][0]["members_total"] == 100


def test_statistics_filters_by_country_and_year(client):
    report(OrganizationFactory(country=country("PE")), year=2024, members_total=10, members_women=0, members_youth=0)
    report(OrganizationFactory(country=country("CO")), year=2024, members_total=20, members_women=0, members_youth=0)
    report(OrganizationFactory(country=country("CO")), year=2023, members_total=30, members_women=0, members_youth=0)

    rows = get(client, country="co", year=2024)["results"]
    assert [(r["country"]["code"], r["year"], r["members_total"]) for r in rows] == [("CO", 2024, 20)]


def test_statistics_with_no_approved_reports_are_empty(client):
    report(status=YearlyReport.Status.SUBMITTED)
    assert get(client, group_by="country")["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "organization"}, "group_by"),
        ({"group_by": ","}, "group_by"),
        ({"country": "XX"}, "country"),
        ({"product": "bananas"}, "product"),
        ({"year": "last"}, "year"),
    ],
)
def test_bad_statistics_parameters_give_400(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["details"]


def test_statistics_cost_does_not_grow_with_reports(client, django_assert_max_num_queries):
    def seed(count: int) -> None:
        for _ in range(count):
            report(lines=[("coffee", "10", "5", "0"), ("cocoa", "1", "1", "0")])

    seed(3)
    params = {"group_by": "country,product,year"}
    with CaptureQueriesContext(connection) as few:
        get(client, **params)
    seed(20)
    with django_assert_max_num_queries(len(few)):
        assert get(client, **params)["results"][0]["organizations_reporting"] in (23,)


def test_directory_key_cannot_read_statistics_but_stats_key_can(client, db):
    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="dir", scopes=["directory:read"])
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert other.get(URL).status_code == 403
    assert client.get(URL).status_code == 200
