"""ReversiblePaginator: the same pages as Django's Paginator, with pages past the middle read
from the other end of the order (a small offset), so the last page costs what the first does."""

import re

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clac.pagination import ReversiblePaginator
from members.models import Membership, Organization, Person
from members.selectors import ORGANIZATION_SORTS, organization_list, person_list
from tests.factories import MembershipFactory, OrganizationFactory, PersonFactory, YearlyReportFactory

pytestmark = pytest.mark.django_db


def _pages(paginator: Paginator) -> list[list[int]]:
    return [[row.pk for row in paginator.page(number).object_list] for number in paginator.page_range]


@pytest.mark.parametrize("orphans", [0, 1])
@pytest.mark.parametrize("sort", [*ORGANIZATION_SORTS, *(f"-{key}" for key in ORGANIZATION_SORTS)])
def test_every_page_of_every_registry_sort_is_the_same_as_djangos(sort, orphans):
    # Ties on every sort key (two kinds, three names, memberships missing), so the id decides.
    for index in range(11):
        organization = OrganizationFactory(
            name=f"Coop {index % 3}", kind="spo" if index % 2 else "hl", flo_id="" if index % 4 == 0 else str(index)
        )
        if index % 5:
            MembershipFactory(organization=organization, status=("active", "suspended", "withdrawn")[index % 3])
    rows = organization_list(filters={"sort": sort})

    expected = _pages(Paginator(rows, 3, orphans=orphans))
    assert _pages(ReversiblePaginator(rows, 3, orphans=orphans)) == expected
    assert [pk for page in expected for pk in page] == [org.pk for org in rows]


@pytest.mark.filterwarnings("ignore::django.core.paginator.UnorderedObjectListWarning")
def test_a_list_without_order_or_a_plain_list_is_paged_as_usual():
    OrganizationFactory.create_batch(5)
    unordered = Organization.objects.order_by()

    assert len(ReversiblePaginator(unordered, 2).page(3).object_list) == 1
    assert list(ReversiblePaginator(list(range(7)), 3).page(3).object_list) == [6]


def _page_sql(client, url: str) -> str:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return next(q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"] and "members_person" in q["sql"])


def test_the_people_directorys_last_page_is_read_from_the_end(client, viewer_user, monkeypatch):
    monkeypatch.setattr("members.views.people.PAGE_SIZE", 2)
    people = [PersonFactory(last_name=f"Apellido {index:02d}", first_name="Ana") for index in range(9)]
    client.force_login(viewer_user)

    first_sql = _page_sql(client, reverse("members:person_list"))
    last_sql = _page_sql(client, reverse("members:person_list") + "?page=99")
    last_page = client.get(reverse("members:person_list") + "?page=99").context["page_obj"]

    assert [person.pk for person in last_page.object_list] == [people[8].pk]
    assert "OFFSET" not in first_sql and "OFFSET" not in last_sql
    assert re.search(r"ORDER BY .*last_name.* DESC", last_sql)


def test_the_registry_and_report_lists_use_the_reversible_paginator(client, viewer_user, monkeypatch):
    monkeypatch.setattr("members.views.registry.PAGE_SIZE", 2)
    monkeypatch.setattr("members.views.reports.PAGE_SIZE", 2)
    for index in range(5):
        organization = OrganizationFactory(name=f"Coop {index}")
        MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
        YearlyReportFactory(organization=organization, year=2024, status="approved")
    client.force_login(viewer_user)

    registry = client.get(reverse("members:organization_list") + "?page=3").context["page_obj"]
    reports = client.get(reverse("members:report_queue") + "?status=&page=3").context["page_obj"]

    assert isinstance(registry.paginator, ReversiblePaginator) and [o.name for o in registry] == ["Coop 4"]
    assert isinstance(reports.paginator, ReversiblePaginator) and len(reports.object_list) == 1


def test_people_directory_order_is_kept_when_reversed():
    for last_name, first_name in [("Pérez", "José"), ("Pérez", "Ana"), ("Álvarez", "Luz"), ("Zapata", "Ana")]:
        PersonFactory(last_name=last_name, first_name=first_name)
    rows = person_list(filters={})

    assert _pages(ReversiblePaginator(rows, 1)) == _pages(Paginator(rows, 1))
    assert Person.objects.count() == 4


def test_a_count_the_caller_knows_is_used_instead_of_counting():
    for index in range(7):
        OrganizationFactory(name=f"Coop {index}")
    rows = Organization.objects.order_by("name", "id")
    with CaptureQueriesContext(connection) as queries:
        paginator = ReversiblePaginator(rows, 3, count=7)
        page = paginator.page(3)
    assert paginator.num_pages == 3 and [row.name for row in page.object_list] == ["Coop 6"]
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
