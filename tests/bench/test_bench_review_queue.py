"""The review-queue benchmark at a tiny size, so it keeps working between runs of `make bench`."""

import datetime

import pytest
from django.utils import timezone

from bench import review_queue
from clac.roles import StaffRole
from tests.factories import CertificationFactory, MembershipFactory, OrganizationFactory


@pytest.mark.django_db
def test_review_queue_benchmark_measures_every_page_at_a_tiny_size(staff_user_factory):
    staff_user_factory(StaffRole.ADMIN, username="bench-admin")
    for index in range(3):
        organization = OrganizationFactory()
        CertificationFactory(organization=organization, status="suspended")
        MembershipFactory(
            organization=organization,
            review_requested_at=timezone.now() - datetime.timedelta(days=40 + index),
            review_reason="FLOCERT decision",
        )

    rows = review_queue.measure_pages(runs=2, username="bench-admin")

    assert [row["first"]["status"] for row in rows] == [200] * len(review_queue.pages())
    assert all(row["last"]["status"] == 200 for row in rows)
    lines = review_queue.report_lines(
        {"runs": 2, "repeats": 1, "seed": {"counts": {"memberships in review": 3}}, "pages": rows}
    )
    assert lines[0] == review_queue.HEADING
    assert len([line for line in lines if line.startswith("| review queue")]) == 8
