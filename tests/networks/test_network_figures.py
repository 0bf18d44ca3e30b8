"""A network's member figures (by country, kind and size band) against a hand-counted set, on
both databases: LATERAL on PostgreSQL, a correlated subquery on SQLite (the demo)."""

import pytest

from members.models import YearlyReport
from networks.selectors.networks import network_member_figures
from tests.factories import OrganizationFactory
from tests.networks.factories import CountryNetworkFactory, NetworkMembershipFactory

pytestmark = pytest.mark.django_db

APPROVED = YearlyReport.Status.APPROVED


def YearlyReportFactory(**kwargs):  # the factory, with women and youth within the total
    from tests.factories import YearlyReportFactory as factory

    return factory(members_women=0, members_youth=0, **kwargs)


def test_each_member_is_counted_once_in_the_band_of_its_latest_approved_report():
    network = CountryNetworkFactory()
    small, large, unknown, draft_only = (OrganizationFactory() for _ in range(4))
    for organization in (small, large, unknown, draft_only):
        NetworkMembershipFactory(network=network, organization=organization)
    # small: latest approved is 30 members (an older one said 600)
    YearlyReportFactory(organization=small, year=2023, status=APPROVED, members_total=600)
    YearlyReportFactory(organization=small, year=2024, status=APPROVED, members_total=30)
    # large: 2,500 approved; a newer draft with 10 does not count
    YearlyReportFactory(organization=large, year=2024, status=APPROVED, members_total=2500)
    YearlyReportFactory(organization=large, year=2025, status=YearlyReport.Status.DRAFT, members_total=10)
    YearlyReportFactory(organization=draft_only, year=2025, status=YearlyReport.Status.DRAFT, members_total=80)

    figures = network_member_figures(network=network)

    assert figures["total"] == 4
    bands = {key: count for key, _label, count in figures["by_size"]}
    assert bands == {"lt50": 1, "50_199": 0, "200_499": 0, "500_1999": 0, "2000": 1}
    assert figures["size_unknown"] == 2
    assert sum(count for _code, _name, count in figures["by_country"]) == 4
