"""Membership transitions, the membership review queue and the portal's change proposals, as
staff use them through the dashboard."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clac.roles import StaffRole
from members.models import Certification, Membership, MembershipEvent, Organization, OrganizationChangeProposal
from tests.factories import CertificationFactory, MembershipFactory, OrganizationFactory, country, staff_user

pytestmark = pytest.mark.django_db

# Editors whose role reaches every organization; coordinators are scoped to their networks'
# members (tests/networks/test_networks_coordinator_scope.py).
EDITOR_ROLES = [StaffRole.ADMIN, StaffRole.ME_OFFICER]


@pytest.fixture(autouse=True)
def english(settings):
    # Assertions read English messages; the default language is Spanish.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def applicant(organization):
    return MembershipFactory(organization=organization, status=Membership.Status.APPLICANT, joined_on=None)


@pytest.fixture
def active(organization):
    return MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)


def _transition_url(org: Organization) -> str:
    return reverse("members:membership_transition", args=[org.pk])


# --- Transitions --------------------------------------------------------------------------


@pytest.mark.parametrize("role", EDITOR_ROLES)
def test_editors_suspend_an_active_membership_with_a_dated_reasoned_event(client, role, organization, active):
    user = staff_user(role)
    client.force_login(user)

    response = client.post(
        _transition_url(organization),
        {"to_status": "suspended", "occurred_on": "2025-02-03", "reason": "Dues unpaid for two years"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("members:organization_detail", args=[organization.pk])
    active.refresh_from_db()
    assert (active.status, active.status_changed_on) == ("suspended", datetime.date(2025, 2, 3))
    event = active.events.get()
    assert (event.from_status, event.to_status, event.reason, event.actor) == (
        "active",
        "suspended",
        "Dues unpaid for two years",
        user,
    )


def test_transition_form_offers_only_the_allowed_next_statuses(client, admin_user, organization, applicant):
    client.force_login(admin_user)

    response = client.get(_transition_url(organization), {"to_status": "withdrawn"})

    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="active"' in content
    assert re.search(r'value="withdrawn"[^>]*checked', content)
    assert 'value="suspended"' not in content
    assert 'value="expelled"' not in content
    assert response.context["form"]["to_status"].value() == "withdrawn"


@pytest.mark.parametrize(
    ("start", "target"), [("applicant", "suspended"), ("withdrawn", "active"), ("active", "applicant")]
)
def test_a_forbidden_transition_is_explained_and_changes_nothing(client, admin_user, organization, start, target):
    membership = MembershipFactory(organization=organization, status=start)
    CertificationFactory(organization=organization)
    client.force_login(admin_user)

    response = client.post(
        _transition_url(organization), {"to_status": target, "occurred_on": "2025-01-10", "reason": "Board"}
    )

    assert response.status_code == 200
    errors = str(response.context["form"].errors["to_status"])
    assert "cannot go from" in errors
    assert "Allowed next" in errors
    membership.refresh_from_db()
    assert membership.status == start
    assert not MembershipEvent.objects.exists()


def test_activation_without_a_current_certificate_is_refused_unless_overridden(
    client, admin_user, organization, applicant
):
    CertificationFactory(organization=organization, status=Certification.Status.SUSPENDED)
    client.force_login(admin_user)
    data = {"to_status": "active", "occurred_on": "2025-01-10", "reason": "Assembly vote"}

    form_page = client.get(_transition_url(organization))
    refused = client.post(_transition_url(organization), data)

    assert "override_reason" in form_page.context["form"].fields
    assert "override_reason" in refused.context["form"].errors
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.APPLICANT
    assert not applicant.events.exists()

    accepted = client.post(
        _transition_url(organization), {**data, "override_reason": "FLOCERT confirmed the renewal by email"}
    )

    assert accepted.status_code == 302
    applicant.refresh_from_db()
    assert (applicant.status, applicant.joined_on) == ("active", datetime.date(2025, 1, 10))
    assert applicant.events.get().override_reason == "FLOCERT confirmed the renewal by email"


def test_activation_with_a_current_certificate_needs_no_override(client, admin_user, organization, applicant):
    CertificationFactory(organization=organization, status=Certification.Status.PERMISSION_TO_TRADE)
    client.force_login(admin_user)

    form_page = client.get(_transition_url(organization))
    response = client.post(
        _transition_url(organization), {"to_status": "active", "occurred_on": "2025-01-10", "reason": "Vote"}
    )

    assert "override_reason" not in form_page.context["form"].fields
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.ACTIVE


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"to_status": "suspended", "occurred_on": "2025-01-10", "reason": "  "}, "reason"),
        ({"to_status": "suspended", "occurred_on": "2999-01-01", "reason": "Board"}, "occurred_on"),
        ({"to_status": "suspended", "occurred_on": "yesterday", "reason": "Board"}, "occurred_on"),
        ({"to_status": "dissolved", "occurred_on": "2025-01-10", "reason": "Board"}, "to_status"),
    ],
)
def test_transition_with_bad_input_changes_nothing(client, admin_user, organization, active, data, field):
    client.force_login(admin_user)

    response = client.post(_transition_url(organization), data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    active.refresh_from_db()
    assert active.status == Membership.Status.ACTIVE
    assert not active.events.exists()


def test_a_final_status_offers_no_transition(client, admin_user, organization):
    MembershipFactory(organization=organization, status=Membership.Status.EXPELLED)
    client.force_login(admin_user)

    response = client.get(_transition_url(organization))

    assert response.status_code == 200
    assert b"cannot change any more" in response.content


def test_viewer_can_read_the_membership_but_not_change_it(client, viewer_user, organization, active):
    client.force_login(viewer_user)

    assert client.get(reverse("members:organization_detail", args=[organization.pk])).status_code == 200
    assert client.get(_transition_url(organization)).status_code == 403
    response = client.post(
        _transition_url(organization), {"to_status": "suspended", "occurred_on": "2025-01-10", "reason": "x"}
    )
    assert response.status_code == 403
    active.refresh_from_db()
    assert active.status == Membership.Status.ACTIVE


def test_portal_user_and_anonymous_cannot_change_a_membership(client, portal_editor, organization, active):
    data = {"to_status": "suspended", "occurred_on": "2025-01-10", "reason": "x"}

    anonymous = client.post(_transition_url(organization), data)
    client.force_login(portal_editor)
    portal = client.post(_transition_url(organization), data)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert portal.status_code == 403
    active.refresh_from_db()
    assert active.status == Membership.Status.ACTIVE


# --- Review queue -------------------------------------------------------------------------


@pytest.fixture
def flagged(organization):
    CertificationFactory(organization=organization, status=Certification.Status.SUSPENDED)
    return MembershipFactory(
        organization=organization,
        review_requested_at=timezone.now() - datetime.timedelta(days=2),
        review_reason="Certificate (SPO) is now Suspended.",
    )


def test_review_queue_lists_flagged_memberships_and_expiring_certificates(client, viewer_user, flagged):
    newer = MembershipFactory(
        organization=OrganizationFactory(name="Newer flag"), review_requested_at=timezone.now(), review_reason="Arrears"
    )
    CertificationFactory(organization__name="Ending soon", cycle_end=timezone.localdate() + datetime.timedelta(days=9))
    client.force_login(viewer_user)

    response = client.get(reverse("members:membership_review_queue"))

    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [flagged, newer]
    assert [cert.organization.name for cert in response.context["expiring"]] == ["Ending soon"]
    content = response.content.decode()
    assert "Certificate (SPO) is now Suspended." in content
    # A viewer gets no action that would end in a 403.
    assert reverse("members:membership_review_close") not in content
    assert 'name="organizations"' not in content


def test_review_queue_query_count_does_not_grow_with_rows(client, admin_user, django_assert_max_num_queries):
    for index in range(15):
        org = OrganizationFactory(country=country(["PE", "CO", "MX"][index % 3]))
        MembershipFactory(organization=org, review_requested_at=timezone.now(), review_reason="Suspended")
        CertificationFactory(organization=org, status="suspended")
        CertificationFactory(
            organization__name=f"Expiring {index}", cycle_end=timezone.localdate() + datetime.timedelta(days=index)
        )
    client.force_login(admin_user)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("members:membership_review_queue"))

    assert len(response.context["page_obj"]) == 15


def _close(client, organizations, note="FLOCERT lifted the suspension", query=""):
    url = reverse("members:membership_review_close") + (f"?{query}" if query else "")
    return client.post(url, {"organizations": [org.pk for org in organizations], "note": note})


def test_editor_closes_a_review_with_a_note(client, admin_user, organization, flagged):
    client.force_login(admin_user)

    response = _close(client, [organization])

    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.review_requested_at is None
    assert flagged.status == Membership.Status.ACTIVE
    assert "FLOCERT lifted the suspension" in flagged.events.get().reason


def test_closing_a_review_without_a_note_changes_nothing(client, admin_user, organization, flagged):
    client.force_login(admin_user)

    response = _close(client, [organization], note="  ")

    assert response.status_code == 400
    assert "note" in response.context["close_form"].errors
    # The selection survives the error.
    assert organization.pk in response.context["selected"]
    flagged.refresh_from_db()
    assert flagged.review_requested_at is not None
    assert not flagged.events.exists()


def test_closing_nothing_selected_says_so_and_changes_nothing(client, admin_user, flagged):
    client.force_login(admin_user)

    response = _close(client, [])

    assert response.status_code == 400
    assert "organizations" in response.context["close_form"].errors
    flagged.refresh_from_db()
    assert flagged.review_requested_at is not None


@pytest.mark.parametrize("value", ["abc", "-3", "99999999999999999999"])
def test_a_forged_selection_is_refused(client, admin_user, flagged, value):
    client.force_login(admin_user)

    response = client.post(reverse("members:membership_review_close"), {"organizations": [value], "note": "x"})

    assert response.status_code == 400
    flagged.refresh_from_db()
    assert flagged.review_requested_at is not None


def test_closing_an_already_closed_review_says_so(client, admin_user, organization, active):
    client.force_login(admin_user)

    response = _close(client, [organization], note="done")
    response = client.get(response["Location"])

    assert response.status_code == 200
    assert b"already closed" in response.content
    assert not active.events.exists()


def test_viewer_and_portal_user_cannot_close_a_review(client, viewer_user, portal_editor, organization, flagged):
    client.force_login(viewer_user)
    assert _close(client, [organization], note="x").status_code == 403
    client.force_login(portal_editor)
    assert _close(client, [organization], note="x").status_code == 403
    assert client.get(reverse("members:membership_review_queue")).status_code == 403
    flagged.refresh_from_db()
    assert flagged.review_requested_at is not None


def test_review_close_only_accepts_post(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("members:membership_review_close")).status_code == 405


# --- Change proposals ---------------------------------------------------------------------


@pytest.fixture
def proposal(organization, portal_editor):
    return OrganizationChangeProposal.objects.create(
        organization=organization,
        field=OrganizationChangeProposal.Field.LEGAL_NAME,
        current_value=organization.legal_name,
        proposed_value="Cooperativa Agraria Pangoa SAC",
        reason="New statutes registered",
        proposed_by=portal_editor,
    )


def _decide(client, proposal, decision: str, note: str = ""):
    prefix = f"proposal-{proposal.pk}"
    return client.post(
        reverse("members:proposal_decide", args=[proposal.pk]), {f"{prefix}-decision": decision, f"{prefix}-note": note}
    )


def test_proposal_queue_shows_current_and_proposed_values(client, viewer_user, organization, proposal):
    country_change = OrganizationChangeProposal.objects.create(
        organization=organization, field="country", current_value="PE", proposed_value="EC"
    )
    client.force_login(viewer_user)

    response = client.get(reverse("members:proposal_queue"))

    assert response.status_code == 200
    rows = {row["proposal"]: row for row in response.context["rows"]}
    assert rows[proposal]["proposed"] == "Cooperativa Agraria Pangoa SAC"
    assert rows[proposal]["current"] == organization.legal_name
    assert rows[country_change]["current"] == "Peru (PE)"
    assert rows[country_change]["proposed"] == "Ecuador (EC)"
    assert reverse("members:proposal_decide", args=[proposal.pk]) not in response.content.decode()


@pytest.mark.parametrize("role", EDITOR_ROLES)
def test_approving_a_proposal_applies_it_and_records_history(client, role, organization, proposal):
    user = staff_user(role)
    client.force_login(user)

    response = _decide(client, proposal, "approve", "Statutes checked")

    assert response.status_code == 302
    organization.refresh_from_db()
    proposal.refresh_from_db()
    assert organization.legal_name == "Cooperativa Agraria Pangoa SAC"
    assert (proposal.status, proposal.decided_by, proposal.decision_note) == ("approved", user, "Statutes checked")
    latest = organization.history.first()
    assert (latest.legal_name, latest.history_user) == ("Cooperativa Agraria Pangoa SAC", user)


def test_rejecting_a_proposal_requires_a_note(client, admin_user, organization, proposal):
    legal_name = organization.legal_name
    client.force_login(admin_user)

    without_note = _decide(client, proposal, "reject")

    assert without_note.status_code == 200
    row = next(row for row in without_note.context["rows"] if row["proposal"] == proposal)
    assert "note" in row["form"].errors
    proposal.refresh_from_db()
    assert proposal.status == "pending"

    with_note = _decide(client, proposal, "reject", "The statutes do not show this name")

    assert with_note.status_code == 302
    proposal.refresh_from_db()
    organization.refresh_from_db()
    assert (proposal.status, proposal.decision_note) == ("rejected", "The statutes do not show this name")
    assert organization.legal_name == legal_name


def test_approving_a_proposal_that_breaks_a_rule_shows_why_and_changes_nothing(client, admin_user, organization):
    OrganizationFactory(name="Holder of the FLO ID", flo_id="777")
    flo_change = OrganizationChangeProposal.objects.create(
        organization=organization, field="flo_id", current_value=organization.flo_id, proposed_value="777"
    )
    flo_id = organization.flo_id
    client.force_login(admin_user)

    response = _decide(client, flo_change, "approve")

    assert response.status_code == 200
    row = next(row for row in response.context["rows"] if row["proposal"] == flo_change)
    assert "Holder of the FLO ID" in str(row["form"].non_field_errors())
    flo_change.refresh_from_db()
    organization.refresh_from_db()
    assert (flo_change.status, organization.flo_id) == ("pending", flo_id)


def test_a_decided_proposal_cannot_be_decided_again(client, admin_user, organization, proposal):
    client.force_login(admin_user)
    _decide(client, proposal, "reject", "No")

    response = _decide(client, proposal, "approve")

    assert response.status_code == 302
    proposal.refresh_from_db()
    organization.refresh_from_db()
    assert proposal.status == "rejected"
    assert organization.legal_name != "Cooperativa Agraria Pangoa SAC"


def test_an_unknown_decision_is_refused(client, admin_user, proposal):
    client.force_login(admin_user)

    response = _decide(client, proposal, "maybe", "hmm")

    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == "pending"


def test_viewer_and_portal_user_cannot_decide_proposals(client, viewer_user, portal_editor, proposal):
    client.force_login(viewer_user)
    assert _decide(client, proposal, "approve").status_code == 403
    client.force_login(portal_editor)
    assert _decide(client, proposal, "approve").status_code == 403
    assert client.get(reverse("members:proposal_queue")).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "pending"


def test_deciding_an_unknown_proposal_is_404(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("members:proposal_decide", args=[424242]), {"proposal-424242-decision": "approve"})

    assert response.status_code == 404


def test_proposal_queue_query_count_does_not_grow_with_rows(client, viewer_user, django_assert_max_num_queries):
    for org in OrganizationFactory.create_batch(12):
        OrganizationChangeProposal.objects.create(organization=org, field="kind", proposed_value="spo2")
        OrganizationChangeProposal.objects.create(organization=org, field="country", proposed_value="CO")
    client.force_login(viewer_user)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("members:proposal_queue"))

    assert len(response.context["rows"]) == 24
