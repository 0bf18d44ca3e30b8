"""Portal: the organization's people, their roles and consents."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clac.access import PORTAL_SESSION_KEY
from members.duplicates import person_duplicate_groups
from members.models import Affiliation, Consent, Person
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory

PEOPLE = reverse("members_portal:people")
PERSON_ADD = reverse("members_portal:person_add")


def person_edit_url(person: Person) -> str:
    return reverse("members_portal:person_edit", args=[person.pk])


def affiliation_end_url(affiliation: Affiliation) -> str:
    return reverse("members_portal:affiliation_end", args=[affiliation.pk])


def new_person_data(**overrides) -> dict:
    data = {
        "first_name": "Rosa",
        "last_name": "Quispe Mamani",
        "email": "Rosa.Quispe@Coop.example.org",
        "phone": "+51 964 111 222",
        "preferred_language": "es",
        "gender": "female",
        "email_secondary": "",
        "birth_year": "1988",
        "role": "fairtrade_officer",
        "start_date": "2024-02-01",
        "is_primary": "on",
        "consent_email": "yes",
        "consent_sms": "no",
        "consent_whatsapp": "",
    }
    data.update(overrides)
    return data


def person_data(person: Person, **overrides) -> dict:
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "preferred_language": person.preferred_language,
        "gender": person.gender,
        "email_secondary": person.email_secondary,
        "birth_year": person.birth_year or "",
        "consent_email": "",
        "consent_sms": "",
        "consent_whatsapp": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def member(organization):
    """A person currently serving the organization."""
    return AffiliationFactory(organization=organization, role=Affiliation.Role.MANAGER).person


@pytest.fixture
def foreign_affiliation(other_organization):
    return AffiliationFactory(
        organization=other_organization, person=PersonFactory(first_name="Ajeno", last_name="Forastero-Quispe")
    )


# --- Access -------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login(client, member):
    for url in (PEOPLE, PERSON_ADD, person_edit_url(member)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_staff_without_portal_access_is_refused(client, admin_user, member):
    client.force_login(admin_user)
    assert client.get(PEOPLE).status_code == 403
    assert client.get(person_edit_url(member)).status_code == 403


def test_viewer_sees_people_but_cannot_change_them(client, portal_viewer, organization, member):
    affiliation = member.affiliations.get()
    client.force_login(portal_viewer)
    response = client.get(PEOPLE)
    assert response.status_code == 200
    assert member.email in response.content.decode()
    assert client.get(PERSON_ADD).status_code == 403
    assert client.post(PERSON_ADD, new_person_data()).status_code == 403
    assert client.get(person_edit_url(member)).status_code == 403
    assert client.post(person_edit_url(member), person_data(member, first_name="X")).status_code == 403
    assert client.post(affiliation_end_url(affiliation), {"end_date": "2025-01-01"}).status_code == 403
    assert Person.objects.count() == 1
    member.refresh_from_db()
    affiliation.refresh_from_db()
    assert member.first_name != "X"
    assert affiliation.end_date is None


def test_people_list_shows_current_people_of_this_organization_only(
    client, portal_editor, organization, member, foreign_affiliation
):
    former = AffiliationFactory(
        organization=organization, person=PersonFactory(first_name="Exdirigente"), end_date=datetime.date(2023, 1, 1)
    )
    client.force_login(portal_editor)
    html = client.get(PEOPLE).content.decode()
    assert member.email in html
    assert foreign_affiliation.person.email not in html
    assert former.person.email not in html


def test_user_of_another_organization_gets_404_for_this_organizations_person_and_affiliation(
    client, other_portal_user, member
):
    affiliation = member.affiliations.get()
    client.force_login(other_portal_user)
    assert client.get(person_edit_url(member)).status_code == 404
    assert client.post(person_edit_url(member), person_data(member, first_name="Hacked")).status_code == 404
    assert client.post(affiliation_end_url(affiliation), {"end_date": "2025-01-01"}).status_code == 404
    member.refresh_from_db()
    affiliation.refresh_from_db()
    assert member.first_name != "Hacked"
    assert affiliation.end_date is None


def test_other_organizations_user_cannot_reach_people_by_switching_the_session(client, other_portal_user, organization):
    client.force_login(other_portal_user)
    session = client.session
    session[PORTAL_SESSION_KEY] = organization.pk
    session.save()
    assert client.get(PEOPLE).status_code == 403


def test_former_member_of_the_organization_cannot_be_edited(client, portal_editor, organization):
    former = AffiliationFactory(organization=organization, end_date=datetime.date(2023, 1, 1)).person
    client.force_login(portal_editor)
    assert client.get(person_edit_url(former)).status_code == 404


# --- Add ----------------------------------------------------------------------------------


def test_editor_adds_a_person_with_role_and_consents(client, portal_editor, organization, member):
    client.force_login(portal_editor)
    response = client.post(PERSON_ADD, new_person_data())
    assert response.status_code == 302
    assert response.url == PEOPLE
    person = Person.objects.get(first_name="Rosa")
    assert person.email == "rosa.quispe@coop.example.org"
    assert person.phone == "+51964111222"
    affiliation = person.affiliations.get()
    assert affiliation.organization == organization
    assert affiliation.role == "fairtrade_officer"
    assert affiliation.start_date == datetime.date(2024, 2, 1)
    assert affiliation.is_primary
    consents = {c.channel: c for c in person.consents.all()}
    assert set(consents) == {"email", "sms"}
    assert consents["email"].granted and consents["email"].method == "portal"
    assert not consents["sms"].granted
    assert consents["email"].recorded_by == portal_editor
    assert person.history.first().history_user == portal_editor


def test_adding_a_person_with_a_bad_phone_keeps_input_and_saves_nothing(client, portal_editor):
    client.force_login(portal_editor)
    response = client.post(PERSON_ADD, new_person_data(phone="12"))
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert 'value="Quispe Mamani"' in response.content.decode()
    assert not Person.objects.exists()
    assert not Affiliation.objects.exists()
    assert not Consent.objects.exists()


def test_adding_a_person_whose_email_is_taken_does_not_reveal_who_has_it(client, portal_editor, foreign_affiliation):
    # Refusing would tell the editor that the email exists elsewhere in CLAC: the person is
    # saved and the duplicate finder shows the two people to CLAC staff (issue #12, item 9).
    taken = foreign_affiliation.person
    client.force_login(portal_editor)
    response = client.post(PERSON_ADD, new_person_data(email=taken.email.upper()), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert taken.last_name not in html
    assert "another person" not in html
    assert "already" not in html
    assert Person.objects.count() == 2
    assert any({taken.pk} < set(group.ids) for group in person_duplicate_groups())


def test_an_email_of_someone_in_the_same_organization_is_refused_and_named(client, portal_editor, member):
    client.force_login(portal_editor)
    response = client.post(PERSON_ADD, new_person_data(email=member.email.upper()))
    assert response.status_code == 200
    assert "in your organization, already has this email" in str(response.context["form"].errors["email"])
    assert Person.objects.count() == 1


def test_an_editor_saves_a_person_whose_email_is_also_on_a_suspected_duplicate(
    client, portal_editor, member, foreign_affiliation
):
    # Two records of one person, not merged yet by staff: editing one of them must work.
    Person.objects.filter(pk=foreign_affiliation.person_id).update(email=member.email)
    client.force_login(portal_editor)
    response = client.post(person_edit_url(member), person_data(member, first_name="Juana"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.first_name == "Juana"


def test_affiliation_error_rolls_back_the_new_person(client, portal_editor):
    client.force_login(portal_editor)
    response = client.post(PERSON_ADD, new_person_data(role="chief"))
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not Person.objects.exists()


def test_a_future_start_date_is_refused(client, portal_editor):
    client.force_login(portal_editor)
    future = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = client.post(PERSON_ADD, new_person_data(start_date=future))
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors
    assert not Person.objects.exists()


# --- Edit ---------------------------------------------------------------------------------


def test_editor_edits_a_person_and_records_changed_consents(client, portal_editor, member):
    Consent.objects.create(
        person=member, channel="email", granted=True, given_at=timezone.now(), method=Consent.Method.PAPER
    )
    client.force_login(portal_editor)
    response = client.post(
        person_edit_url(member),
        person_data(member, first_name="Juana", phone="+51 999 888 777", consent_email="yes", consent_whatsapp="yes"),
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.first_name == "Juana"
    assert member.phone == "+51999888777"
    consents = {c.channel: c for c in member.consents.all()}
    # An unchanged answer keeps how it was first given; the new one is recorded via the portal.
    assert consents["email"].method == "paper"
    assert consents["whatsapp"].granted and consents["whatsapp"].method == "portal"


def test_not_asked_never_erases_a_recorded_consent(client, portal_editor, member):
    Consent.objects.create(person=member, channel="sms", granted=False, given_at=timezone.now(), method="paper")
    client.force_login(portal_editor)
    client.post(person_edit_url(member), person_data(member, consent_sms=""))
    assert Consent.objects.get(person=member, channel="sms").granted is False


def test_editing_a_shared_person_shows_a_note_without_naming_the_other_organization(
    client, portal_editor, member, other_organization
):
    AffiliationFactory(person=member, organization=other_organization, role=Affiliation.Role.DELEGATE)
    client.force_login(portal_editor)
    response = client.get(person_edit_url(member))
    assert response.status_code == 200
    assert response.context["other_organization_count"] == 1
    html = response.content.decode()
    assert "1" in html
    assert other_organization.name not in html
    assert "Delegate" not in html and "Delegado" not in html  # their role elsewhere is not shown
    response = client.post(person_edit_url(member), person_data(member, last_name="Compartida"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.last_name == "Compartida"


def test_edit_with_errors_keeps_what_was_typed(client, portal_editor, member):
    client.force_login(portal_editor)
    response = client.post(person_edit_url(member), person_data(member, first_name="", last_name="Nuevo Apellido"))
    assert response.status_code == 200
    assert "first_name" in response.context["form"].errors
    assert 'value="Nuevo Apellido"' in response.content.decode()
    member.refresh_from_db()
    assert member.last_name != "Nuevo Apellido"


# --- End of a role ------------------------------------------------------------------------


def test_editor_ends_a_role(client, portal_editor, member):
    affiliation = member.affiliations.get()
    client.force_login(portal_editor)
    response = client.post(affiliation_end_url(affiliation), {"end_date": "2025-06-30"})
    assert response.status_code == 302
    affiliation.refresh_from_db()
    assert affiliation.end_date == datetime.date(2025, 6, 30)
    assert member.email not in client.get(PEOPLE).content.decode()


def test_ending_a_role_before_it_started_is_refused(client, portal_editor, member):
    affiliation = member.affiliations.get()
    client.force_login(portal_editor)
    response = client.post(affiliation_end_url(affiliation), {"end_date": "2010-01-01"}, follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])
    affiliation.refresh_from_db()
    assert affiliation.end_date is None


def test_ending_a_role_requires_post(client, portal_editor, member):
    client.force_login(portal_editor)
    assert client.get(affiliation_end_url(member.affiliations.get())).status_code == 405


# --- Query counts -------------------------------------------------------------------------


def test_people_list_query_count_does_not_grow_with_people(
    client, portal_editor, organization, django_assert_max_num_queries
):
    other = OrganizationFactory()
    for n in range(40):
        affiliation = AffiliationFactory(organization=organization, role=Affiliation.Role.BOARD_MEMBER)
        Consent.objects.create(
            person=affiliation.person, channel="email", granted=True, given_at=timezone.now(), method="portal"
        )
        if n % 3 == 0:
            AffiliationFactory(organization=other, person=affiliation.person)
    client.force_login(portal_editor)
    client.get(PEOPLE)
    with django_assert_max_num_queries(12):
        response = client.get(PEOPLE)
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == 40
    assert len(response.content) < 50_000
