"""Results of a consultation round against figures computed by hand: medians and quartiles
(percentile_cont's interpolation), volume-weighted quartiles, the USD conversion at the rate of
the closing date or the latest before it, answers without a rate reported, outliers flagged
and kept, small groups hidden from anyone but the review's managers, and the aggregation of
thousands of answers in a constant number of queries."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import Country
from networks.models import ConsultationResponse
from networks.selectors import reviews as selectors
from tests.factories import OrganizationFactory
from tests.networks.factories_reviews import RoundFactory, answer, rate

pytestmark = pytest.mark.django_db

CLOSE = datetime.date(2023, 2, 28)


@pytest.fixture
def round_(db):
    return RoundFactory(opens_on=datetime.date(2022, 12, 1), closes_on=CLOSE)


def _orgs(n: int, code: str = "PE"):
    country = Country.objects.get(code=code)
    return [OrganizationFactory(country=country) for _ in range(n)]


def test_median_and_quartiles_match_the_hand_computed_interpolation(round_):
    # Peru: 1.00, 1.50, 2.00, 3.00 → Q1 = 1.375, median = 1.75, Q3 = 2.25 (positions 0.75, 1.5, 2.25).
    for org, total in zip(_orgs(4), ("1.00", "1.50", "2.00", "3.00"), strict=True):
        answer(round_, org, total)
    results = selectors.round_results(round_)
    overall = results.overall
    assert (overall.count, overall.q1, overall.median, overall.q3) == (
        4,
        Decimal("1.3750"),
        Decimal("1.7500"),
        Decimal("2.2500"),
    )
    assert results.by_country[0].country == "PE"
    assert results.by_country[0].median == Decimal("1.7500")


def test_quartiles_by_country_and_overall(round_):
    for org, total in zip(_orgs(3, "PE"), ("1.00", "2.00", "3.00"), strict=True):
        answer(round_, org, total)
    for org, total in zip(_orgs(3, "CO"), ("4.00", "5.00", "9.00"), strict=True):
        answer(round_, org, total)
    results = selectors.round_results(round_)
    by_country = {f.country: f for f in results.by_country}
    assert by_country["PE"].median == Decimal("2.0000")
    assert by_country["CO"].median == Decimal("5.0000")
    assert (by_country["CO"].q1, by_country["CO"].q3) == (Decimal("4.5000"), Decimal("7.0000"))
    # All six: 1, 2, 3, 4, 5, 9 → median at position 2.5 = 3.5; Q1 at 1.25 = 2.25; Q3 at 3.75 = 4.75.
    assert (results.overall.q1, results.overall.median, results.overall.q3) == (
        Decimal("2.2500"),
        Decimal("3.5000"),
        Decimal("4.7500"),
    )


def test_weighted_median_is_the_value_where_half_the_volume_is_reached(round_):
    # Sorted: 1.00 (vol 10), 2.00 (vol 20), 3.00 (vol 70). Total 100, running sums 10, 30, 100:
    # 25 is reached at 2.00, 50 and 75 at 3.00. Unweighted (with the 10.00 below): 2.50.
    for org, (total, volume) in zip(_orgs(3), (("1.00", "10"), ("2.00", "20"), ("3.00", "70")), strict=True):
        answer(round_, org, total, volume=volume)
    # An answer without volume counts in the unweighted figures only.
    answer(round_, _orgs(1)[0], "10.00")
    overall = selectors.round_results(round_).overall
    assert overall.count == 4 and overall.weighted_count == 3
    assert overall.weighted_q1 == Decimal("2.0000")
    assert overall.weighted_median == Decimal("3.0000")
    assert overall.weighted_q3 == Decimal("3.0000")
    assert overall.median == Decimal("2.5000")


def test_costs_are_converted_with_the_rate_of_the_closing_date_or_the_latest_before(round_):
    rate("PEN", CLOSE - datetime.timedelta(days=3), "0.25")
    rate("PEN", CLOSE + datetime.timedelta(days=1), "0.50")  # after the close: never used
    rate("COP", datetime.date(2023, 1, 15), "0.0002")
    rate("COP", CLOSE, "0.0005")  # on the closing date: this one
    pe = _orgs(3, "PE")
    co = _orgs(3, "CO")
    # PEN 7.00 x 0.25 = 1.75 USD; COP 4,000 x 0.0005 = 2.00 USD.
    for org in pe:
        answer(round_, org, "7.00", currency="PEN")
    for org in co:
        answer(round_, org, "4000", currency="COP")
    by_country = {f.country: f for f in selectors.round_results(round_).by_country}
    assert by_country["PE"].median == Decimal("1.7500")
    assert by_country["CO"].median == Decimal("2.0000")


def test_an_answer_in_a_currency_without_rate_is_reported_not_converted_nor_dropped_silently(round_):
    orgs = _orgs(4)
    for org in orgs[:3]:
        answer(round_, org, "2.00")
    answer(round_, orgs[3], "9.00", currency="BOB")
    results = selectors.round_results(round_)
    assert results.submitted == 4
    assert results.overall.count == 3
    assert results.missing_rates == {"BOB": 1}


def test_outliers_are_flagged_with_the_iqr_rule_and_kept_in_the_figures(round_):
    # 1, 2, 3, 4, 100: Q1 = 2, Q3 = 4, IQR = 2, fences -1 and 7: 100 is the one outlier.
    orgs = _orgs(5)
    for org, total in zip(orgs, ("1", "2", "3", "4", "100"), strict=True):
        answer(round_, org, total)
    results = selectors.round_results(round_)
    assert (results.outlier_low, results.outlier_high) == (Decimal("-1.0000"), Decimal("7.0000"))
    assert results.overall.outliers == 1
    assert results.overall.count == 5
    assert results.overall.median == Decimal("3.0000")
    rows = selectors.round_answers(round_=round_, fences=(results.outlier_low, results.outlier_high))
    assert [row["outlier"] for row in sorted(rows, key=lambda r: r["usd_total"])] == [False] * 4 + [True]


def test_drafts_do_not_count_and_the_response_rate_divides_by_the_invited(round_):
    from tests.networks.factories_reviews import invite

    orgs = _orgs(4)
    invite(round_, *orgs)
    answer(round_, orgs[0], "1")
    answer(round_, orgs[1], "2", status=ConsultationResponse.Status.DRAFT)
    results = selectors.round_results(round_)
    assert (results.invited, results.submitted, results.drafts) == (4, 1, 1)
    assert results.response_rate == Decimal("25.0")
    assert results.overall.count == 1


def test_groups_under_the_minimum_are_hidden_from_anyone_but_the_managers(round_):
    for org, total in zip(_orgs(5, "PE"), ("1", "2", "3", "4", "5"), strict=True):
        answer(round_, org, total)
    for org, total in zip(_orgs(3, "BO"), ("7.77", "8.5", "9"), strict=True):
        answer(round_, org, total)
    public = selectors.round_results(round_).without_small_groups()
    bolivia = next(f for f in public.by_country if f.country == "BO")
    # Three answers would be given back by their interpolated Q1, median and Q3.
    assert bolivia.small and bolivia.count == 3
    assert bolivia.median is None and bolivia.q1 is None and bolivia.weighted_median is None
    assert not public.overall.small


def test_the_portable_computation_gives_the_database_figures():
    values = [Decimal(v) for v in ("1.00", "1.50", "2.00", "3.00")]
    assert selectors.percentile_cont(values, Decimal("0.25")) == Decimal("1.375")
    assert selectors.percentile_cont(values, Decimal("0.5")) == Decimal("1.75")
    pairs = [(Decimal(1), Decimal(10)), (Decimal(2), Decimal(10)), (Decimal(3), Decimal(80))]
    assert selectors.weighted_percentile(pairs, Decimal("0.5")) == Decimal(3)


def test_portable_fallback_matches_postgresql_on_the_same_answers(round_):
    rng = random.Random(4)
    for org in _orgs(30, "PE") + _orgs(20, "CO"):
        answer(round_, org, f"{rng.uniform(1, 3):.4f}", volume=f"{rng.randint(1, 500)}")
    answers = selectors._converted_answers([round_.pk])
    portable = {(r[0], r[1]): r[2:] for r in selectors._unweighted_portable(answers)}
    if connection.vendor != "postgresql":
        pytest.skip("compares with PostgreSQL's percentile_cont")
    sql, params = answers.query.sql_with_params()
    for row in selectors._unweighted_postgresql(sql, params):
        expected = portable[(row[0], row[1])]
        assert row[2] == expected[0]
        for got, want in zip(row[3:], expected[1:], strict=True):
            assert selectors._d(got) == selectors._d(want)


def _bulk_answers(round_, count: int) -> None:
    """`count` submitted answers from organizations in three countries, by bulk inserts."""
    rng = random.Random(count)
    countries = list(Country.objects.filter(code__in=["PE", "CO", "MX"]))
    from members.models import Organization

    organizations = Organization.objects.bulk_create(
        [
            Organization(
                name=f"Org {count}-{i}",
                country=countries[i % 3],
                normalized_name=f"org {count}-{i}",
            )
            for i in range(count)
        ]
    )
    now = timezone.now()
    ConsultationResponse.objects.bulk_create(
        [
            ConsultationResponse(
                round=round_,
                organization=org,
                status=ConsultationResponse.Status.SUBMITTED,
                currency="USD" if i % 2 else "PEN",
                cost_labour=Decimal(f"{rng.uniform(0.5, 4):.4f}"),
                cost_total=Decimal(f"{rng.uniform(1, 6):.4f}"),
                volume=Decimal(rng.randint(100, 50000)) if i % 5 else None,
                submitted_at=now,
            )
            for i, org in enumerate(organizations)
        ],
        batch_size=1000,
    )


def test_aggregating_thousands_of_answers_costs_the_same_few_queries(round_):
    rate("PEN", CLOSE, "0.27")
    _bulk_answers(round_, 200)
    with CaptureQueriesContext(connection) as small:
        small_results = selectors.round_results(round_)
    assert small_results.overall.count == 200
    _bulk_answers(round_, 2000)
    with CaptureQueriesContext(connection) as large:
        large_results = selectors.round_results(round_)
    assert large_results.overall.count == 2200
    # Counts, the rates' fingerprint (cache key of a closed round), unweighted figures, weighted
    # figures, missing rates, outliers: one query each.
    assert len(large.captured_queries) == len(small.captured_queries) <= 7


def test_a_closed_rounds_figures_are_cached_until_an_exchange_rate_changes(round_):
    orgs = _orgs(4)
    for org in orgs[:3]:
        answer(round_, org, "2.00")
    answer(round_, orgs[3], "8.00", currency="PEN")
    assert selectors.round_results(round_).overall.count == 3
    with CaptureQueriesContext(connection) as queries:
        again = selectors.round_results(round_)
    assert again.overall.count == 3 and again.missing_rates == {"PEN": 1}
    assert len(queries.captured_queries) == 2  # the counts and the rates' fingerprint
    rate("PEN", CLOSE, "0.25")  # the missing rate is added: the figures include the answer
    fresh = selectors.round_results(round_)
    assert fresh.overall.count == 4 and fresh.missing_rates == {}
