import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from clac.roles import StaffRole
from members.models import Certification, Membership, Organization, OrganizationChangeProposal
from members.selectors import (
    certifications_expiring,
    membership_review_queue,
    organization_get_for_user,
    organization_list,
    organization_membership_counts,
    pending_proposals,
)
from tests.factories import (
    CertificationFactory,
    MembershipFactory,
    OrganizationFactory,
    country,
    product,
    staff_user,
)

pytestmark = pytest.mark.django_db


def _names(queryset) -> list[str]:
    return [org.name for org in queryset]


def test_organization_list_filters_by_country_kind_product_and_subregion():
    coffee_pe = OrganizationFactory(name="Cafe Peru", country=country("PE"))
    coffee_pe.products.set([product("coffee")])
    cocoa_do = OrganizationFactory(name="Cacao Dominicana", country=country("DO"), kind=Organization.Kind.SPO2)
    cocoa_do.products.set([product("cocoa")])
    OrganizationFactory(name="Bananeros Colombia", country=country("CO"), kind=Organization.Kind.HL)

    assert _names(organization_list(filters={"country": "PE"})) == ["Cafe Peru"]
    assert _names(organization_list(filters={"country": country("DO")})) == ["Cacao Dominicana"]
    assert _names(organization_list(filters={"kind": "hl"})) == ["Bananeros Colombia"]
    assert _names(organization_list(filters={"product": product("cocoa")})) == ["Cacao Dominicana"]
    assert _names(organization_list(filters={"product": "coffee"})) == ["Cafe Peru"]
    andean = country("PE").subregion
    assert "Cafe Peru" in _names(organization_list(filters={"subregion": andean}))
    assert "Cacao Dominicana" not in _names(organization_list(filters={"subregion": andean}))


def test_organization_list_filters_by_membership_and_certification_status_without_duplicates():
    twice_certified = OrganizationFactory(name="Two certificates")
    MembershipFactory(organization=twice_certified, status=Membership.Status.ACTIVE)
    CertificationFactory(organization=twice_certified, standard=Certification.Standard.SPO)
    CertificationFactory(organization=twice_certified, standard=Certification.Standard.HL)
    suspended = OrganizationFactory(name="Suspended")
    MembershipFactory(organization=suspended, status=Membership.Status.SUSPENDED)
    CertificationFactory(organization=suspended, status=Certification.Status.SUSPENDED)

    assert _names(organization_list(filters={"certification_status": "certified"})) == ["Two certificates"]
    assert _names(organization_list(filters={"membership_status": "suspended"})) == ["Suspended"]
    assert _names(organization_list(filters={"membership_status": "active", "certification_status": "suspended"})) == []


def test_organization_list_searches_name_flo_id_and_locality_case_insensitively():
    OrganizationFactory(name="Cooperativa Pangoa", flo_id="2145", locality="San Martín de Pangoa")
    OrganizationFactory(name="Cenfrocafe", flo_id="31980", locality="Jaén")

    assert _names(organization_list(filters={"q": "pangoa"})) == ["Cooperativa Pangoa"]
    assert _names(organization_list(filters={"q": "3198"})) == ["Cenfrocafe"]
    assert _names(organization_list(filters={"q": "JAÉN"})) == ["Cenfrocafe"]
    assert _names(organization_list(filters={"q": "  "})) == ["Cenfrocafe", "Cooperativa Pangoa"]


def test_organization_list_sorts_by_whitelisted_keys_and_falls_back_to_name():
    OrganizationFactory(name="Beta", flo_id="300", country=country("PE"))
    OrganizationFactory(name="Alfa", flo_id="200", country=country("MX"))
    OrganizationFactory(name="Gamma", flo_id="100", country=country("CO"))

    assert _names(organization_list(filters={})) == ["Alfa", "Beta", "Gamma"]
    assert _names(organization_list(filters={"sort": "-name"})) == ["Gamma", "Beta", "Alfa"]
    assert _names(organization_list(filters={"sort": "flo_id"})) == ["Gamma", "Alfa", "Beta"]
    assert _names(organization_list(filters={"sort": "country"})) == ["Gamma", "Alfa", "Beta"]
    assert _names(organization_list(filters={"sort": "password"})) == ["Alfa", "Beta", "Gamma"]


def test_membership_counts_follow_the_filtered_rows():
    for status in ("active", "active", "suspended"):
        MembershipFactory(status=status, organization=OrganizationFactory(country=country("PE")))
    MembershipFactory(status="active", organization=OrganizationFactory(country=country("MX")))

    counts = organization_membership_counts(organization_list(filters={"country": "PE"}))

    assert counts == {"active": 2, "suspended": 1}


def test_staff_get_any_organization_and_others_get_404(organization, portal_editor):
    viewer = staff_user(StaffRole.VIEWER)

    assert organization_get_for_user(user=viewer, pk=organization.pk) == organization
    with pytest.raises(Http404):
        organization_get_for_user(user=portal_editor, pk=organization.pk)
    with pytest.raises(Http404):
        organization_get_for_user(user=viewer, pk=organization.pk + 1000)


def test_review_queue_lists_flagged_memberships_oldest_first():
    now = timezone.now()
    newer = MembershipFactory(review_requested_at=now, review_reason="Certificate suspended")
    older = MembershipFactory(review_requested_at=now - datetime.timedelta(days=3), review_reason="Decertified")
    MembershipFactory()

    assert list(membership_review_queue()) == [older, newer]


def test_certifications_expiring_are_certified_ones_ending_within_the_window():
    today = timezone.localdate()
    ends_today = CertificationFactory(cycle_end=today)
    ends_in_60 = CertificationFactory(cycle_end=today + datetime.timedelta(days=60))
    CertificationFactory(cycle_end=today + datetime.timedelta(days=61))
    CertificationFactory(cycle_end=today - datetime.timedelta(days=1), cycle_start=datetime.date(2020, 1, 1))
    CertificationFactory(cycle_end=today + datetime.timedelta(days=10), status=Certification.Status.SUSPENDED)

    assert list(certifications_expiring()) == [ends_today, ends_in_60]
    assert list(certifications_expiring(days=5)) == [ends_today]


def test_pending_proposals_leave_decided_ones_out(organization):
    pending = OrganizationChangeProposal.objects.create(
        organization=organization, field="legal_name", current_value="A", proposed_value="B"
    )
    OrganizationChangeProposal.objects.create(
        organization=organization, field="flo_id", current_value="1", proposed_value="2", status="rejected"
    )

    assert list(pending_proposals()) == [pending]
