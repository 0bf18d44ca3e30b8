"""The membership review queue at scale (issue 12, items 6 and 16): paginated, filtered by
reason, country and waiting time, with one bulk close (one note, one submit) instead of a
form per row; the expiring-certificates list paginated too."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Certification, Membership, MembershipEvent
from members.selectors import ReviewReason, membership_review_queue
from tests.factories import CertificationFactory, MembershipFactory, OrganizationFactory, country

pytestmark = pytest.mark.django_db
QUEUE = "members:membership_review_queue"


def flag(*, days_ago: int = 1, certificate: str = Certification.Status.SUSPENDED, code: str = "PE", **membership):
    organization = OrganizationFactory(country=country(code))
    CertificationFactory(organization=organization, status=certificate)
    return MembershipFactory(
        organization=organization,
        review_requested_at=timezone.now() - datetime.timedelta(days=days_ago),
        review_reason="FLOCERT decision",
        **membership,
    )


def test_the_queue_is_paginated_with_one_post_form_for_the_whole_page(client, admin_user):
    for index in range(55):
        flag(days_ago=60 - index)
    client.force_login(admin_user)

    first = client.get(reverse(QUEUE))
    second = client.get(reverse(QUEUE), {"page": 2})

    assert first.context["total"] == 55
    assert len(first.context["page_obj"]) == 50
    assert len(second.context["page_obj"]) == 5
    html = first.content.decode()
    assert html.count(f'action="{reverse("members:membership_review_close")}') == 1
    assert "/resolve/" not in html
    assert html.count('name="organizations"') == 50
    assert html.count("<textarea") == 1


def test_the_queue_filters_by_reason_country_and_waiting_time(client, viewer_user):
    suspended_pe = flag(days_ago=3, code="PE")
    withdrawn_co = flag(days_ago=40, code="CO", certificate=Certification.Status.DECERTIFIED)
    reinstated_pe = flag(
        days_ago=100, code="PE", certificate=Certification.Status.CERTIFIED, status=Membership.Status.SUSPENDED
    )
    other_mx = flag(days_ago=2, code="MX", certificate=Certification.Status.CERTIFIED)
    client.force_login(viewer_user)

    def rows(**params) -> list[Membership]:
        response = client.get(reverse(QUEUE), params)
        assert response.status_code == 200
        return list(response.context["page_obj"])

    assert rows() == [reinstated_pe, withdrawn_co, suspended_pe, other_mx]
    assert rows(reason="suspended") == [suspended_pe]
    assert rows(reason="withdrawn") == [withdrawn_co]
    assert rows(reason="reinstated") == [reinstated_pe]
    assert rows(reason="other") == [other_mx]
    assert rows(country="PE") == [reinstated_pe, suspended_pe]
    assert rows(older_than=30) == [reinstated_pe, withdrawn_co]
    assert rows(older_than=90, country="PE") == [reinstated_pe]
    # The reason shows as a translated label on each row.
    assert b"Certificate reinstated" in client.get(reverse(QUEUE), {"reason": "reinstated"}).content


@pytest.mark.parametrize("params", [{"reason": "bored"}, {"country": "XX"}, {"older_than": "12"}])
def test_an_unknown_filter_shows_its_error_and_no_rows(client, viewer_user, params):
    flag()
    client.force_login(viewer_user)

    response = client.get(reverse(QUEUE), params)

    assert response.status_code == 200
    assert response.context["filter_form"].errors
    assert list(response.context["page_obj"]) == []


def test_bulk_close_answers_every_selected_review_with_one_note_and_keeps_the_filters(client, admin_user):
    chosen = [flag(days_ago=d) for d in (5, 4, 3)]
    untouched = flag(days_ago=2)
    client.force_login(admin_user)
    history_before = Membership.history.count()

    response = client.post(
        reverse("members:membership_review_close") + "?country=PE&page=1",
        {"organizations": [m.organization_id for m in chosen], "note": "Certificates reinstated by FLOCERT"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(QUEUE) + "?country=PE&page=1"
    for membership in chosen:
        membership.refresh_from_db()
        assert membership.review_requested_at is None
        assert membership.review_reason == ""
        assert membership.status == Membership.Status.ACTIVE
        assert "Certificates reinstated by FLOCERT" in membership.events.get().reason
        assert membership.history.latest().history_user == admin_user
    assert Membership.history.count() == history_before + 3
    untouched.refresh_from_db()
    assert untouched.review_requested_at is not None
    assert not MembershipEvent.objects.filter(membership=untouched).exists()
    assert list(membership_review_queue()) == [untouched]


def test_bulk_close_refuses_the_whole_selection_when_one_row_is_out_of_reach(client, staff_user_factory):
    # A coordinator reaches only the members of the networks they coordinate: none here.
    coordinator = staff_user_factory("coordinator")
    mine = flag()
    client.force_login(coordinator)

    response = client.post(
        reverse("members:membership_review_close"), {"organizations": [mine.organization_id], "note": "x"}
    )

    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.review_requested_at is not None


def test_review_reasons_have_labels_for_the_filter():
    assert {value for value, _label in ReviewReason.choices} == {"withdrawn", "suspended", "reinstated", "other"}


def test_expiring_certificates_are_paginated(client, viewer_user, django_assert_max_num_queries):
    today = timezone.localdate()
    for index in range(55):
        CertificationFactory(cycle_end=today + datetime.timedelta(days=index % 50))
    client.force_login(viewer_user)

    with django_assert_max_num_queries(10):
        first = client.get(reverse("members:certification_expiring"))
    second = client.get(reverse("members:certification_expiring"), {"page": 2})

    assert first.context["total"] == 55
    assert len(first.context["certifications"]) == 50
    assert len(second.context["certifications"]) == 5
    # The queue page shows the first ten and links to the full list.
    queue = client.get(reverse(QUEUE))
    assert len(queue.context["expiring"]) == 10
    assert queue.context["expiring_total"] == 55
