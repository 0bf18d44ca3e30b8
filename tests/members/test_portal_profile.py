"""Portal: the organization's profile, contact edits and change proposals."""

import datetime

import pytest
from django.urls import reverse

from clac.access import PORTAL_SESSION_KEY
from members.models import Organization, OrganizationChangeProposal
from tests.factories import (
    CertificationFactory,
    MembershipFactory,
    OrganizationFactory,
    PortalAccessFactory,
    UserFactory,
    product,
    staff_user,
)

PROFILE = reverse("members_portal:profile")
PROFILE_EDIT = reverse("members_portal:profile_edit")
PROPOSALS = reverse("members_portal:proposal_list")
PROPOSAL_NEW = reverse("members_portal:proposal_create")


def contact_data(**overrides) -> dict:
    data = {
        "name": "Cooperativa Pangoa",
        "email": "info@pangoa.example.org",
        "phone": "+51 987 654 321",
        "website": "https://pangoa.example.org",
        "region": "Junín",
        "locality": "San Martín de Pangoa",
        "address": "Jr. Los Andes 120",
        "latitude": "-11.4312345678",
        "longitude": "-74.4898765",
        "products": [str(product("coffee").pk), str(product("cocoa").pk)],
        "founding_year": "1977",
        "languages": ["es", "qu"],
        "description": "Café y cacao de la selva central.",
    }
    data.update(overrides)
    return data


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PROFILE, PROFILE_EDIT, PROPOSALS, PROPOSAL_NEW + "?field=legal_name"])
def test_anonymous_user_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url", [PROFILE, PROPOSALS])
def test_staff_without_portal_access_is_refused(client, admin_user, url):
    client.force_login(admin_user)
    assert client.get(url).status_code == 403


def test_viewer_reads_the_profile_with_membership_and_certification(client, portal_viewer, organization):
    MembershipFactory(organization=organization, status_changed_on=datetime.date(2019, 6, 1))
    CertificationFactory(organization=organization, cycle_end=datetime.date(2027, 1, 15))
    organization.products.add(product("coffee"))
    OrganizationChangeProposal.objects.create(
        organization=organization,
        field="legal_name",
        current_value="Old",
        proposed_value="Nueva Razón Social",
        status="rejected",
        decision_note="Falta el acta de asamblea.",
    )
    client.force_login(portal_viewer)
    response = client.get(PROFILE)
    assert response.status_code == 200
    html = response.content.decode()
    assert organization.name in html
    assert organization.legal_name in html
    assert "badge-active" in html
    assert "badge-certified" in html
    assert "2027" in html
    assert "Falta el acta de asamblea." in html
    assert PROFILE_EDIT not in html  # viewers get no edit button
    assert len(response.content) < 50_000


def test_profile_shows_only_the_users_own_organization(client, portal_editor, organization, other_organization):
    client.force_login(portal_editor)
    html = client.get(PROFILE).content.decode()
    assert organization.name in html
    assert other_organization.legal_name not in html


def test_user_of_another_organization_cannot_switch_to_it_through_the_session(
    client, other_portal_user, organization, portal_editor
):
    client.force_login(other_portal_user)

    def choose_foreign_organization() -> None:
        session = client.session
        session[PORTAL_SESSION_KEY] = organization.pk
        session.save()

    choose_foreign_organization()
    assert client.get(PROFILE).status_code == 403
    choose_foreign_organization()
    assert client.post(PROFILE_EDIT, contact_data(name="Hijacked")).status_code == 403
    organization.refresh_from_db()
    assert organization.name != "Hijacked"


def test_user_of_another_organization_cannot_switch_to_it_through_the_switcher(
    client, other_portal_user, organization, other_organization
):
    client.force_login(other_portal_user)
    client.post(reverse("portal:organization_switch"), {"organization": organization.pk})
    response = client.get(PROFILE)
    # Either the switch was refused and the user still sees their own organization, or
    # the decorator refuses the foreign organization: never this organization's page.
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert response.context["organization"] == other_organization


# --- Profile edit -------------------------------------------------------------------------


def test_editor_updates_contact_details(client, portal_editor, organization):
    client.force_login(portal_editor)
    response = client.post(PROFILE_EDIT, contact_data())
    assert response.status_code == 302
    assert response.url == PROFILE
    organization.refresh_from_db()
    assert organization.name == "Cooperativa Pangoa"
    assert organization.phone == "+51987654321"
    assert str(organization.latitude) == "-11.431235"
    assert organization.languages == ["es", "qu"]
    assert organization.founding_year == 1977
    assert set(organization.products.values_list("code", flat=True)) == {"coffee", "cocoa"}
    assert organization.history.first().history_user == portal_editor


def test_edit_form_is_prefilled_with_the_current_profile(client, portal_editor, organization):
    client.force_login(portal_editor)
    response = client.get(PROFILE_EDIT)
    assert response.status_code == 200
    assert f'value="{organization.name}"' in response.content.decode()


def test_posting_legal_identity_fields_to_the_edit_form_changes_nothing_of_them(client, portal_editor, organization):
    before = Organization.objects.values("legal_name", "flo_id", "country", "kind").get(pk=organization.pk)
    client.force_login(portal_editor)
    response = client.post(
        PROFILE_EDIT,
        contact_data(legal_name="Empresa Pirata SAC", flo_id="9999999", country="MX", kind="hl"),
    )
    assert response.status_code == 302
    after = Organization.objects.values("legal_name", "flo_id", "country", "kind").get(pk=organization.pk)
    assert after == before
    assert not OrganizationChangeProposal.objects.exists()


def test_coordinates_outside_the_country_are_refused_and_input_is_kept(client, portal_editor, organization):
    client.force_login(portal_editor)
    response = client.post(PROFILE_EDIT, contact_data(name="Nombre Nuevo", latitude="19.43", longitude="-99.13"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "latitude" in form.errors
    html = response.content.decode()
    assert 'value="Nombre Nuevo"' in html
    assert 'value="19.43"' in html
    organization.refresh_from_db()
    assert organization.name != "Nombre Nuevo"
    assert organization.latitude is None


def test_bad_phone_gets_a_clear_error_and_saves_nothing(client, portal_editor, organization):
    client.force_login(portal_editor)
    response = client.post(PROFILE_EDIT, contact_data(phone="987", name="Otro Nombre"))
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    organization.refresh_from_db()
    assert organization.name != "Otro Nombre"


def test_viewer_cannot_edit_the_profile(client, portal_viewer, organization):
    client.force_login(portal_viewer)
    assert client.get(PROFILE_EDIT).status_code == 403
    assert client.post(PROFILE_EDIT, contact_data(name="Cambio")).status_code == 403
    organization.refresh_from_db()
    assert organization.name != "Cambio"


# --- Change proposals ---------------------------------------------------------------------


def test_editor_proposes_a_new_legal_name_and_the_organization_is_unchanged(client, portal_editor, organization):
    old_legal_name = organization.legal_name
    client.force_login(portal_editor)
    response = client.post(
        PROPOSAL_NEW,
        {"field": "legal_name", "proposed_value": "Cooperativa Agraria Pangoa Ltda.", "reason": "Acta del 3/2025."},
    )
    assert response.status_code == 302
    assert response.url == PROPOSALS
    proposal = OrganizationChangeProposal.objects.get(organization=organization)
    assert proposal.status == "pending"
    assert proposal.proposed_value == "Cooperativa Agraria Pangoa Ltda."
    assert proposal.current_value == old_legal_name
    assert proposal.proposed_by == portal_editor
    organization.refresh_from_db()
    assert organization.legal_name == old_legal_name


def test_proposal_form_for_country_offers_a_list_of_countries(client, portal_editor):
    client.force_login(portal_editor)
    response = client.get(PROPOSAL_NEW + "?field=country")
    assert response.status_code == 200
    assert '<option value="MX"' in response.content.decode()


def test_proposal_for_a_country_is_recorded_by_code(client, portal_editor, organization):
    client.force_login(portal_editor)
    response = client.post(PROPOSAL_NEW, {"field": "country", "proposed_value": "BO", "reason": "Nos mudamos."})
    assert response.status_code == 302
    assert OrganizationChangeProposal.objects.get().proposed_value == "BO"
    organization.refresh_from_db()
    assert organization.country_id == "PE"


def test_invalid_flo_id_proposal_shows_the_error_and_keeps_input(client, portal_editor):
    client.force_login(portal_editor)
    response = client.post(PROPOSAL_NEW, {"field": "flo_id", "proposed_value": "AB-12", "reason": "Nuevo código"})
    assert response.status_code == 200
    assert "proposed_value" in response.context["form"].errors
    assert "Nuevo código" in response.content.decode()
    assert not OrganizationChangeProposal.objects.exists()


def test_a_second_pending_proposal_for_the_same_field_is_refused(client, portal_editor, organization):
    OrganizationChangeProposal.objects.create(organization=organization, field="kind", proposed_value="spo2")
    client.force_login(portal_editor)
    response = client.post(PROPOSAL_NEW, {"field": "kind", "proposed_value": "hl", "reason": "Somos plantación"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert OrganizationChangeProposal.objects.count() == 1


def test_proposal_without_a_known_field_goes_back_to_the_list(client, portal_editor):
    client.force_login(portal_editor)
    response = client.post(PROPOSAL_NEW, {"field": "tax_id", "proposed_value": "123", "reason": "x"})
    assert response.status_code == 302
    assert not OrganizationChangeProposal.objects.exists()


def test_viewer_sees_proposals_but_cannot_create_one(client, portal_viewer, organization):
    OrganizationChangeProposal.objects.create(
        organization=organization,
        field="flo_id",
        proposed_value="4455",
        status="approved",
        decision_note="Verificado con FLOCERT.",
    )
    client.force_login(portal_viewer)
    response = client.get(PROPOSALS)
    assert response.status_code == 200
    assert "Verificado con FLOCERT." in response.content.decode()
    assert client.get(PROPOSAL_NEW + "?field=legal_name").status_code == 403
    response = client.post(PROPOSAL_NEW, {"field": "legal_name", "proposed_value": "X", "reason": "y"})
    assert response.status_code == 403
    assert OrganizationChangeProposal.objects.count() == 1


def test_proposal_list_shows_no_proposal_of_another_organization(client, portal_editor, other_organization):
    OrganizationChangeProposal.objects.create(
        organization=other_organization, field="legal_name", proposed_value="Secreto de Otra SA"
    )
    client.force_login(portal_editor)
    response = client.get(PROPOSALS)
    assert "Secreto de Otra SA" not in response.content.decode()


def test_proposal_list_query_count_does_not_grow_with_proposals(
    client, portal_editor, organization, django_assert_max_num_queries
):
    for n in range(30):
        OrganizationChangeProposal.objects.create(
            organization=organization, field="legal_name", proposed_value=f"Nombre {n}", status="rejected"
        )
    client.force_login(portal_editor)
    client.get(PROPOSALS)
    with django_assert_max_num_queries(12):
        response = client.get(PROPOSALS)
    assert response.status_code == 200


def test_portal_admin_of_several_organizations_edits_only_the_chosen_one(client, db):
    first, second = OrganizationFactory(name="A Coop"), OrganizationFactory(name="B Coop")
    user = UserFactory()
    PortalAccessFactory(user=user, organization=first)
    PortalAccessFactory(user=user, organization=second)
    client.force_login(user)
    session = client.session
    session[PORTAL_SESSION_KEY] = second.pk
    session.save()
    client.post(PROFILE_EDIT, contact_data(name="B Coop Renamed", products=[], languages=[]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.name == "B Coop Renamed"
    assert first.name == "A Coop"


def test_staff_viewer_without_portal_access_cannot_edit(client, db, organization):
    client.force_login(staff_user("viewer", username="staff-v2"))
    assert client.post(PROFILE_EDIT, contact_data(name="Staff")).status_code == 403
