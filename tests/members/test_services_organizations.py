from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from members.models import Membership, Organization, OrganizationChangeProposal
from members.services import (
    change_proposal_approve,
    change_proposal_reject,
    organization_create,
    organization_propose_change,
    organization_update,
)
from tests.factories import OrganizationFactory, country, product

pytestmark = pytest.mark.django_db


def _create(admin_user, **overrides):
    fields = {
        "actor": admin_user,
        "kind": Organization.Kind.SPO,
        "name": "Cooperativa Agraria Cafetalera Pangoa Ltda.",
        "country": country("PE"),
        "flo_id": "2145",
        "latitude": Decimal("-11.43"),
        "longitude": Decimal("-74.49"),
        "products": [product("coffee"), product("cocoa")],
    }
    fields.update(overrides)
    return organization_create(**fields)


def test_creating_an_organization_starts_an_applicant_membership_and_audits_it(admin_user):
    org = _create(admin_user)

    assert org.membership.status == Membership.Status.APPLICANT
    assert org.normalized_name == "agraria cafetalera pangoa"
    assert set(org.products.values_list("code", flat=True)) == {"coffee", "cocoa"}
    record = org.history.get()
    assert record.history_user == admin_user
    assert record.history_type == "+"


def test_flo_id_must_be_digits(admin_user):
    with pytest.raises(ValidationError) as exc:
        _create(admin_user, flo_id="FLO-21")
    assert "flo_id" in exc.value.message_dict
    assert not Organization.objects.exists()


def test_flo_id_already_used_is_refused_with_the_owner_named(admin_user):
    OrganizationFactory(flo_id="2145", name="Cooperativa Existente")
    with pytest.raises(ValidationError) as exc:
        _create(admin_user)
    assert "Cooperativa Existente" in exc.value.message_dict["flo_id"][0]
    assert Organization.objects.count() == 1


def test_coordinates_outside_the_country_are_refused(admin_user):
    # Lima's coordinates swapped: lands in the ocean, far outside Peru's box.
    with pytest.raises(ValidationError) as exc:
        _create(admin_user, latitude=Decimal("-77.04"), longitude=Decimal("-12.04"))
    assert "latitude" in exc.value.message_dict
    assert not Organization.objects.exists()


def test_only_one_coordinate_is_refused(admin_user):
    with pytest.raises(ValidationError) as exc:
        _create(admin_user, longitude=None)
    assert "latitude" in exc.value.message_dict


def test_a_union_cannot_be_its_own_ancestor(admin_user):
    union = OrganizationFactory(kind=Organization.Kind.SPO2, name="Unión Central")
    member_union = OrganizationFactory(kind=Organization.Kind.SPO2, name="Unión Regional", parent=union)

    with pytest.raises(ValidationError) as exc:
        organization_update(actor=admin_user, organization=union, parent=member_union)

    assert "parent" in exc.value.message_dict
    union.refresh_from_db()
    assert union.parent_id is None


def test_a_parent_must_be_a_second_tier_union(admin_user):
    plain = OrganizationFactory(kind=Organization.Kind.SPO)
    with pytest.raises(ValidationError) as exc:
        _create(admin_user, parent=plain)
    assert "parent" in exc.value.message_dict


def test_update_saves_only_changed_fields_and_attributes_history(admin_user, organization):
    organization_update(actor=admin_user, organization=organization, locality="Satipo", products=[product("honey")])

    organization.refresh_from_db()
    assert organization.locality == "Satipo"
    assert list(organization.products.values_list("code", flat=True)) == ["honey"]
    latest = organization.history.first()
    assert latest.history_user == admin_user
    assert latest.diff_against(latest.prev_record).changed_fields == ["locality"]


def test_update_refuses_unknown_fields(admin_user, organization):
    with pytest.raises(ValidationError):
        organization_update(actor=admin_user, organization=organization, normalized_name="x")


def test_a_portal_proposal_changes_nothing_until_staff_approve(admin_user, portal_editor, organization):
    proposal = organization_propose_change(
        actor=portal_editor, organization=organization, field="legal_name", proposed_value="Nueva Razón Social SAC"
    )
    organization.refresh_from_db()
    assert organization.legal_name != "Nueva Razón Social SAC"

    change_proposal_approve(actor=admin_user, proposal=proposal, note="Checked the registry extract.")

    organization.refresh_from_db()
    proposal.refresh_from_db()
    assert organization.legal_name == "Nueva Razón Social SAC"
    assert proposal.status == OrganizationChangeProposal.Status.APPROVED
    assert proposal.decided_by == admin_user
    assert organization.history.first().history_user == admin_user


def test_a_second_pending_proposal_for_the_same_field_is_refused(portal_editor, organization):
    organization_propose_change(actor=portal_editor, organization=organization, field="flo_id", proposed_value="777")
    with pytest.raises(ValidationError):
        organization_propose_change(
            actor=portal_editor, organization=organization, field="flo_id", proposed_value="778"
        )
    assert organization.change_proposals.count() == 1


def test_proposals_are_validated_like_the_field(portal_editor, organization):
    with pytest.raises(ValidationError):
        organization_propose_change(
            actor=portal_editor, organization=organization, field="country", proposed_value="XX"
        )
    with pytest.raises(ValidationError):
        organization_propose_change(actor=portal_editor, organization=organization, field="flo_id", proposed_value="ab")
    with pytest.raises(ValidationError):
        organization_propose_change(actor=portal_editor, organization=organization, field="name", proposed_value="Z")
    assert not organization.change_proposals.exists()


def test_rejecting_needs_a_note_and_a_decided_proposal_cannot_be_decided_again(admin_user, portal_editor, organization):
    proposal = organization_propose_change(
        actor=portal_editor, organization=organization, field="kind", proposed_value="spo2"
    )
    with pytest.raises(ValidationError):
        change_proposal_reject(actor=admin_user, proposal=proposal, note=" ")
    change_proposal_reject(actor=admin_user, proposal=proposal, note="Not a union of cooperatives.")
    with pytest.raises(ValidationError):
        change_proposal_approve(actor=admin_user, proposal=proposal)
    organization.refresh_from_db()
    assert organization.kind == Organization.Kind.SPO
