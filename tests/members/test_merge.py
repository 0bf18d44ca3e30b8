"""Merging organizations and people: every relation moves, unique clashes keep the survivor's
row, empty fields are filled, the history says who merged what, and it is all one transaction."""

import datetime
from unittest import mock

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from clac.roles import StaffRole
from members.models import (
    Affiliation,
    Certification,
    Consent,
    Membership,
    MembershipEvent,
    MergeRecord,
    Organization,
    OrganizationChangeProposal,
    Person,
    PortalAccess,
    YearlyReport,
)
from members.services.merge import merge_relations, organization_merge, person_merge
from tests.factories import (
    AffiliationFactory,
    CertificationFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    PortalAccessFactory,
    UserFactory,
    YearlyReportFactory,
    aware,
    product,
    staff_user,
)


@pytest.fixture
def actor(db):
    return staff_user(StaffRole.ADMIN, username="merger")


def rows_pointing_to(model, pk: int) -> dict[str, int]:
    """For every relation the merge knows: how many rows point to the record."""
    return {
        f"{related._meta.label}.{field.name}": related._base_manager.filter(**{field.attname: pk}).count()
        for related, field in merge_relations(model)
    }


def all_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_app_config("members").get_models()}


@pytest.fixture
def populated_pair(db):
    """Two organizations, the merged one with a row in every relation the registry has."""
    survivor = OrganizationFactory(name="Pangoa", flo_id="", tax_id="", website="", founding_year=None)
    merged = OrganizationFactory(
        name="Pangoa Ltda.",
        flo_id="2145",
        tax_id="20131540681",
        website="https://pangoa.example.org",
        founding_year=1977,
    )
    merged.products.set([product("coffee"), product("cocoa")])
    survivor.products.set([product("coffee")])
    MembershipFactory(organization=merged, status=Membership.Status.ACTIVE)
    MembershipEvent.objects.create(
        membership=merged.membership, to_status="active", occurred_on=datetime.date(2015, 3, 1), reason="joined"
    )
    CertificationFactory(organization=merged, standard="spo")
    YearlyReportFactory(organization=merged, year=2024)
    YearlyReportFactory(organization=merged, year=2023)
    AffiliationFactory(organization=merged, role="manager")
    PortalAccessFactory(organization=merged)
    OrganizationChangeProposal.objects.create(organization=merged, field="legal_name", proposed_value="Pangoa SAC")
    OrganizationFactory(name="Member coop", parent=merged, kind="spo")
    return survivor, merged


@pytest.mark.django_db
def test_organization_merge_moves_every_relation_to_the_survivor(actor, populated_pair):
    survivor, merged = populated_pair
    before = rows_pointing_to(Organization, merged.pk)
    # The fixture covers every relation of the registry (other apps' merges: their own tests).
    assert all(count for label, count in before.items() if label.startswith("members.")), before

    record = organization_merge(actor=actor, survivor=survivor, merged=merged)

    assert not Organization.objects.filter(pk=merged.pk).exists()
    assert not any(rows_pointing_to(Organization, merged.pk).values())
    survivor.refresh_from_db()
    assert survivor.membership.status == Membership.Status.ACTIVE
    assert survivor.membership.events.get().reason == "joined"
    assert set(survivor.products.values_list("code", flat=True)) == {"coffee", "cocoa"}
    assert survivor.certifications.count() == 1
    assert set(survivor.yearly_reports.values_list("year", flat=True)) == {2023, 2024}
    assert survivor.affiliations.count() == 1
    assert survivor.portal_accesses.count() == 1
    assert survivor.change_proposals.count() == 1
    assert survivor.children.get().name == "Member coop"
    assert record.moved["members.Affiliation.organization"] == 1
    assert record.moved["members.YearlyReport.organization"] == 2
    assert record.moved["members.Organization.parent"] == 1
    # coffee was already the survivor's: only cocoa's link moved, coffee's is in the snapshot.
    assert record.moved["members.Organization_products.organization"] == 1
    assert len(record.merged_snapshot["dropped"]["members.Organization_products.organization"]) == 1


@pytest.mark.django_db
def test_merge_fills_the_survivors_empty_fields_and_keeps_its_own(actor, populated_pair):
    survivor, merged = populated_pair

    organization_merge(actor=actor, survivor=survivor, merged=merged)

    survivor.refresh_from_db()
    assert survivor.name == "Pangoa"
    assert survivor.flo_id == "2145"  # the unique FLO ID moves once the merged row is gone
    assert survivor.tax_id == "20131540681"
    assert survivor.website == "https://pangoa.example.org"
    assert survivor.founding_year == 1977
    assert survivor.normalized_name == "pangoa"


@pytest.mark.django_db
def test_merge_records_who_merged_what_in_the_history_and_a_snapshot(actor, populated_pair):
    survivor, merged = populated_pair
    merged_pk = merged.pk

    record = organization_merge(actor=actor, survivor=survivor, merged=merged)

    reason = f"merged #{merged_pk} into #{survivor.pk}"
    latest = survivor.history.first()
    assert (latest.history_user, latest.history_change_reason, latest.history_type) == (actor, reason, "~")
    deleted = Organization.history.filter(id=merged_pk).first()
    assert (deleted.history_type, deleted.history_user, deleted.history_change_reason) == ("-", actor, reason)
    moved_affiliation = Affiliation.objects.get().history.first()
    assert (moved_affiliation.history_user, moved_affiliation.history_change_reason) == (actor, reason)
    assert (record.kind, record.survivor_id, record.merged_id, record.actor) == (
        "organization",
        survivor.pk,
        merged_pk,
        actor,
    )
    assert record.merged_snapshot["record"]["pk"] == merged_pk
    assert record.merged_snapshot["record"]["fields"]["flo_id"] == "2145"


@pytest.mark.django_db
def test_unique_clashes_keep_the_survivors_rows_and_snapshot_the_merged_ones(actor):
    survivor, merged = OrganizationFactory(), OrganizationFactory()
    MembershipFactory(organization=survivor, status=Membership.Status.ACTIVE)
    MembershipFactory(organization=merged, status=Membership.Status.SUSPENDED)
    YearlyReportFactory(organization=survivor, year=2024, members_total=100, members_women=10, members_youth=5)
    YearlyReportFactory(organization=merged, year=2024, members_total=999, members_women=10, members_youth=5)
    YearlyReportFactory(organization=merged, year=2023)
    CertificationFactory(organization=survivor, standard="spo", status="certified")
    CertificationFactory(organization=merged, standard="spo", status="suspended")
    CertificationFactory(organization=merged, standard="hl", status="certified")
    user = UserFactory()
    PortalAccessFactory(organization=survivor, user=user, role="admin")
    PortalAccessFactory(organization=merged, user=user, role="viewer")
    OrganizationChangeProposal.objects.create(organization=survivor, field="kind", proposed_value="spo2")
    OrganizationChangeProposal.objects.create(organization=merged, field="kind", proposed_value="hl")

    record = organization_merge(actor=actor, survivor=survivor, merged=merged)

    assert Membership.objects.get().status == Membership.Status.ACTIVE
    assert survivor.yearly_reports.get(year=2024).members_total == 100
    assert survivor.yearly_reports.filter(year=2023).exists()
    assert dict(survivor.certifications.values_list("standard", "status")) == {"spo": "certified", "hl": "certified"}
    assert PortalAccess.objects.get().role == "admin"
    assert OrganizationChangeProposal.objects.get().proposed_value == "spo2"
    dropped = record.merged_snapshot["dropped"]
    assert dropped["members.Membership.organization"][0]["fields"]["status"] == "suspended"
    assert dropped["members.YearlyReport.organization"][0]["fields"]["members_total"] == 999
    assert dropped["members.Certification.organization"][0]["fields"]["status"] == "suspended"
    assert dropped["members.PortalAccess.organization"][0]["fields"]["role"] == "viewer"
    assert dropped["members.OrganizationChangeProposal.organization"][0]["fields"]["proposed_value"] == "hl"
    assert record.moved == {"members.YearlyReport.organization": 1, "members.Certification.organization": 1}


@pytest.mark.django_db
def test_merging_a_union_with_one_of_its_members_never_makes_a_loop(actor):
    grand = OrganizationFactory(kind="spo2")
    union = OrganizationFactory(kind="spo2", parent=grand)
    member = OrganizationFactory(parent=union)
    sibling = OrganizationFactory(parent=union)

    organization_merge(actor=actor, survivor=member, merged=union)

    member.refresh_from_db()
    sibling.refresh_from_db()
    assert member.parent_id == grand.pk  # takes over the merged union's place
    assert sibling.parent_id == member.pk


@pytest.mark.django_db
def test_merging_a_record_with_itself_or_a_vanished_one_is_refused(actor):
    org = OrganizationFactory()
    gone = OrganizationFactory()
    stale = Organization.objects.get(pk=gone.pk)
    gone.delete()

    with pytest.raises(ValidationError):
        organization_merge(actor=actor, survivor=org, merged=org)
    with pytest.raises(ValidationError):
        organization_merge(actor=actor, survivor=org, merged=stale)
    assert not MergeRecord.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failure_half_way_through_a_merge_changes_nothing(actor):
    survivor = OrganizationFactory(flo_id="")
    merged = OrganizationFactory(flo_id="2145")
    MembershipFactory(organization=merged)
    YearlyReportFactory(organization=merged, year=2024)
    AffiliationFactory(organization=merged)
    PortalAccessFactory(organization=merged)
    before = all_counts()
    pointing = rows_pointing_to(Organization, merged.pk)

    from members.services import merge as merge_module

    real_move = merge_module._move_relation
    calls = []

    def failing_move(**kwargs):
        calls.append(kwargs["related_model"])
        if len(calls) == 4:
            raise RuntimeError("the database went away")
        return real_move(**kwargs)

    with mock.patch.object(merge_module, "_move_relation", side_effect=failing_move), pytest.raises(RuntimeError):
        organization_merge(actor=actor, survivor=survivor, merged=merged)

    assert len(calls) == 4
    assert all_counts() == before
    assert rows_pointing_to(Organization, merged.pk) == pointing
    assert Organization.objects.get(pk=merged.pk).flo_id == "2145"
    assert not MergeRecord.objects.exists()


@pytest.mark.django_db
def test_person_merge_moves_affiliations_and_consents_and_drops_duplicated_roles(actor):
    org, other = OrganizationFactory(), OrganizationFactory()
    survivor = PersonFactory(email="ana@coop.org", phone="", email_secondary="")
    merged = PersonFactory(email="ana.perez@gmail.com", phone="+51987654321", gender="female")
    AffiliationFactory(person=survivor, organization=org, role="manager")
    AffiliationFactory(person=merged, organization=org, role="manager")  # the same open role: dropped
    AffiliationFactory(person=merged, organization=org, role="delegate")
    AffiliationFactory(person=merged, organization=other, role="manager")
    AffiliationFactory(person=merged, organization=org, role="manager", end_date=datetime.date(2023, 1, 1))
    Consent.objects.create(person=survivor, channel="email", granted=False, given_at=aware(2024), method="portal")
    Consent.objects.create(person=merged, channel="email", granted=True, given_at=aware(2023), method="paper")
    Consent.objects.create(person=merged, channel="sms", granted=True, given_at=aware(2023), method="paper")

    record = person_merge(actor=actor, survivor=survivor, merged=merged)

    assert not Person.objects.filter(pk=merged.pk).exists()
    survivor.refresh_from_db()
    assert survivor.phone == "+51987654321"
    assert survivor.gender == "female"
    assert survivor.email == "ana@coop.org"
    assert survivor.email_secondary == "ana.perez@gmail.com"
    roles = sorted(survivor.affiliations.values_list("organization_id", "role", "end_date"), key=str)
    assert roles == sorted(
        [
            (org.pk, "manager", None),
            (org.pk, "delegate", None),
            (other.pk, "manager", None),
            (org.pk, "manager", datetime.date(2023, 1, 1)),
        ],
        key=str,
    )
    assert dict(survivor.consents.values_list("channel", "granted")) == {"email": False, "sms": True}
    assert record.moved == {"members.Affiliation.person": 3, "members.Consent.person": 1}
    assert len(record.merged_snapshot["dropped"]["members.Affiliation.person"]) == 1
    assert survivor.history.first().history_change_reason == f"merged #{merged.pk} into #{survivor.pk}"
    assert not any(rows_pointing_to(Person, merged.pk).values())


@pytest.mark.django_db
def test_the_merge_finds_relations_generically():
    relations = {f"{m._meta.label}.{f.name}" for m, f in merge_relations(Organization)}

    assert relations >= {
        "members.Affiliation.organization",
        "members.Certification.organization",
        "members.Membership.organization",
        "members.Organization.parent",
        "members.OrganizationChangeProposal.organization",
        "members.Organization_products.organization",
        "members.PortalAccess.organization",
        "members.YearlyReport.organization",
    }
    assert not any(".Historical" in name for name in relations)
    assert {f"{m._meta.label}.{f.name}" for m, f in merge_relations(Person)} >= {
        "members.Affiliation.person",
        "members.Consent.person",
    }


@pytest.mark.django_db
def test_yearly_report_children_follow_their_report(actor):
    survivor, merged = OrganizationFactory(), OrganizationFactory()
    report = YearlyReportFactory(organization=merged, year=2022)
    report.product_lines.create(product=product("coffee"), volume_produced=10, volume_sold_fairtrade=5)

    organization_merge(actor=actor, survivor=survivor, merged=merged)

    report = YearlyReport.objects.get()
    assert report.organization_id == survivor.pk
    assert report.product_lines.count() == 1
    assert Certification.objects.count() == 0
