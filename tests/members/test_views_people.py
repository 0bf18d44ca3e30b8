import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clac.roles import StaffRole
from members.models import Affiliation, Consent, Person
from members.normalize import normalize_person_name
from tests.factories import (
    AffiliationFactory,
    OrganizationFactory,
    PersonFactory,
    country,
)

pytestmark = pytest.mark.django_db

EDITOR_ROLES = [StaffRole.ADMIN, StaffRole.COORDINATOR, StaffRole.ME_OFFICER]
READ_ONLY_ROLES = [StaffRole.VIEWER, StaffRole.FINANCE, StaffRole.COMMUNICATIONS]


@pytest.fixture
def person(db):
    return PersonFactory(
        first_name="José",
        last_name="Pérez",
        email="jose.perez@coop.pe",
        phone="+51987654321",
        normalized_name=normalize_person_name("José", "Pérez"),
    )


@pytest.fixture
def affiliation(person, organization):
    return AffiliationFactory(person=person, organization=organization, role=Affiliation.Role.MANAGER)


def _person_data(**overrides):
    data = {
        "first_name": "Rosa",
        "last_name": "Quispe",
        "email": "rosa@coop.pe",
        "email_secondary": "",
        "phone": "+51 912 345 678",
        "preferred_language": "es",
        "gender": "female",
        "birth_year": "1980",
        "notes": "",
    }
    data.update(overrides)
    return data


def _write_requests(person, affiliation):
    """(method, url, data) for every page that writes."""
    return [
        ("get", reverse("members:person_create"), None),
        ("post", reverse("members:person_create"), _person_data()),
        ("get", reverse("members:person_edit", args=[person.pk]), None),
        ("post", reverse("members:person_edit", args=[person.pk]), _person_data(email=person.email)),
        ("get", reverse("members:affiliation_create", args=[person.pk]), None),
        (
            "post",
            reverse("members:affiliation_create", args=[person.pk]),
            {"organization": affiliation.organization_id, "role": "delegate"},
        ),
        ("post", reverse("members:affiliation_end", args=[affiliation.pk]), {"end_date": "2025-01-01"}),
        ("get", reverse("members:consent_edit", args=[person.pk]), None),
        (
            "post",
            reverse("members:consent_edit", args=[person.pk]),
            {"email-answer": "granted", "email-method": "paper"},
        ),
    ]


def _db_state():
    return (
        list(Person.objects.order_by("pk").values()),
        list(Affiliation.objects.order_by("pk").values()),
        list(Consent.objects.order_by("pk").values()),
    )


# --- Access ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EDITOR_ROLES + READ_ONLY_ROLES)
def test_every_staff_role_reads_the_people_list_and_a_person(client, staff_user_factory, role, person, affiliation):
    client.force_login(staff_user_factory(role))

    listing = client.get(reverse("members:person_list"))
    detail = client.get(reverse("members:person_detail", args=[person.pk]))

    assert listing.status_code == 200
    assert "Pérez" in listing.text
    assert detail.status_code == 200
    assert "jose.perez@coop.pe" in detail.text


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_roles_get_403_on_every_write_and_nothing_changes(
    client, staff_user_factory, role, person, affiliation
):
    client.force_login(staff_user_factory(role))
    before = _db_state()

    for method, url, data in _write_requests(person, affiliation):
        response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
        assert response.status_code == 403, (method, url)

    assert _db_state() == before


def test_read_only_roles_see_no_edit_buttons(client, viewer_user, person, affiliation):
    client.force_login(viewer_user)
    response = client.get(reverse("members:person_detail", args=[person.pk]))
    assert reverse("members:person_edit", args=[person.pk]) not in response.text
    assert reverse("members:affiliation_end", args=[affiliation.pk]) not in response.text


def test_portal_user_gets_403_on_every_people_page(client, portal_user, person, affiliation):
    client.force_login(portal_user)
    before = _db_state()
    reads = [
        ("get", reverse("members:person_list"), None),
        ("get", reverse("members:person_detail", args=[person.pk]), None),
    ]
    for method, url, data in reads + _write_requests(person, affiliation):
        response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
        assert response.status_code == 403, (method, url)
    assert _db_state() == before


def test_anonymous_user_is_sent_to_login_from_every_people_page(client, person, affiliation):
    before = _db_state()
    reads = [
        ("get", reverse("members:person_list"), None),
        ("get", reverse("members:person_detail", args=[person.pk]), None),
    ]
    for method, url, data in reads + _write_requests(person, affiliation):
        response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login")), (method, url)
    assert _db_state() == before


def test_unknown_person_is_404(client, viewer_user):
    client.force_login(viewer_user)
    assert client.get(reverse("members:person_detail", args=[999999])).status_code == 404


# --- Directory ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["jose perez", "Pérez José", "PEREZ", "jos"])
def test_search_by_name_ignores_accents_case_and_word_order(client, viewer_user, person, query):
    PersonFactory(first_name="Ana", last_name="Quispe", normalized_name="quispe ana")
    client.force_login(viewer_user)

    response = client.get(reverse("members:person_list"), {"q": query})

    assert list(response.context["page_obj"]) == [person]


def test_search_by_email_and_by_phone_as_typed(client, viewer_user, person):
    PersonFactory(email="other@coop.pe", phone="+50588887777")
    client.force_login(viewer_user)

    by_email = client.get(reverse("members:person_list"), {"q": "  JOSE.Perez@coop.PE "})
    by_phone = client.get(reverse("members:person_list"), {"q": "+51 987-654 321"})
    by_local_digits = client.get(reverse("members:person_list"), {"q": "987 654 321"})

    assert list(by_email.context["page_obj"]) == [person]
    assert list(by_phone.context["page_obj"]) == [person]
    assert list(by_local_digits.context["page_obj"]) == [person]


def test_filters_by_organization_country_role_language_and_email(client, viewer_user):
    mexico = OrganizationFactory(country=country("MX"))
    peru = OrganizationFactory(country=country("PE"))
    mexican_manager = AffiliationFactory(organization=mexico, role="manager").person
    peruvian_delegate = AffiliationFactory(organization=peru, role="delegate").person
    # Manager in Peru and delegate in Mexico: neither role matches the country in one affiliation.
    mixed = PersonFactory()
    AffiliationFactory(person=mixed, organization=peru, role="manager")
    AffiliationFactory(person=mixed, organization=mexico, role="delegate")
    former = PersonFactory(email="", preferred_language="fr")
    AffiliationFactory(person=former, organization=mexico, role="manager", end_date=datetime.date(2023, 1, 1))
    client.force_login(viewer_user)

    def found(**params):
        return set(client.get(reverse("members:person_list"), params).context["page_obj"])

    assert found(country="MX") == {mexican_manager, mixed}
    assert found(country="MX", role="manager") == {mexican_manager}
    assert found(role="delegate") == {peruvian_delegate, mixed}
    assert found(language="fr") == {former}
    assert found(has_email="no") == {former}
    assert former not in found(has_email="yes")


def test_list_shows_current_organizations_and_roles_only(client, viewer_user, person, affiliation):
    past = AffiliationFactory(
        person=person,
        organization=OrganizationFactory(name="Cooperativa Antigua"),
        role="delegate",
        end_date=datetime.date(2022, 12, 31),
    )
    client.force_login(viewer_user)

    response = client.get(reverse("members:person_list"))

    assert affiliation.organization.name in response.text
    assert "Manager" in response.text
    assert past.organization.name not in response.text


def _people(count: int) -> None:
    for _index in range(count):
        person = PersonFactory()
        AffiliationFactory(person=person, role="manager", is_primary=True)
        AffiliationFactory(person=person, role="delegate")


def test_people_list_query_count_does_not_grow_with_rows(client, viewer_user, django_assert_max_num_queries):
    client.force_login(viewer_user)
    _people(5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("members:person_list")).status_code == 200
    _people(35)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("members:person_list"))
    assert response.status_code == 200
    assert len(response.context["page_obj"]) == 40


def test_people_list_is_paginated_by_50_and_keeps_the_filters(client, viewer_user):
    for index in range(55):
        PersonFactory(last_name=f"Mamani {index:02d}", first_name="Luz", preferred_language="pt-br")
    client.force_login(viewer_user)

    first = client.get(reverse("members:person_list"), {"language": "pt-br"})
    second = client.get(reverse("members:person_list"), {"language": "pt-br", "page": 2})

    assert len(first.context["page_obj"]) == 50
    assert len(second.context["page_obj"]) == 5
    assert "language=pt-br" in first.text.split('rel="next"')[0].rsplit("href=", 1)[1]


# --- Person page --------------------------------------------------------------------------


def test_person_page_shows_contact_consents_affiliations_and_history_link(client, editor_user, person, affiliation):
    past = AffiliationFactory(
        person=person,
        organization=OrganizationFactory(name="Cooperativa Antigua"),
        role="delegate",
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2019, 6, 30),
    )
    Consent.objects.create(person=person, channel="email", granted=True, given_at=timezone.now(), method="paper")
    Consent.objects.create(person=person, channel="sms", granted=False, given_at=timezone.now(), method="verbal")
    client.force_login(editor_user)

    response = client.get(reverse("members:person_detail", args=[person.pk]))

    text = response.text
    assert "+51987654321" in text
    assert "Signed paper form" in text and "Granted" in text
    assert "Verbal, recorded by staff" in text and "Refused" in text
    assert "No answer recorded" in text  # WhatsApp and phone call
    assert affiliation.organization.name in text and past.organization.name in text
    assert reverse("members:affiliation_end", args=[affiliation.pk]) in text
    assert reverse("members:affiliation_end", args=[past.pk]) not in text
    assert reverse("dashboard:history", kwargs={"model": "person", "pk": person.pk}) in text
    assert reverse("members:person_edit", args=[person.pk]) in text


# --- Create and edit ----------------------------------------------------------------------


@pytest.mark.parametrize("role", EDITOR_ROLES)
def test_registry_editors_add_a_person(client, staff_user_factory, role):
    user = staff_user_factory(role)
    client.force_login(user)

    response = client.post(reverse("members:person_create"), _person_data())

    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("members:person_detail", args=[person.pk])
    assert person.email == "rosa@coop.pe"
    assert person.phone == "+51912345678"
    assert person.normalized_name == "quispe rosa"
    assert person.history.get().history_user == user


def test_adding_a_person_with_an_email_already_used_shows_the_error_and_keeps_the_input(client, editor_user, person):
    client.force_login(editor_user)
    before = _db_state()

    response = client.post(reverse("members:person_create"), _person_data(email="JOSE.PEREZ@coop.pe"))

    assert response.status_code == 200
    assert "already belongs to José Pérez" in response.context["form"].errors["email"][0]
    assert 'value="Quispe"' in response.text
    assert _db_state() == before


def test_adding_a_person_with_a_bad_phone_shows_the_error(client, editor_user):
    client.force_login(editor_user)
    response = client.post(reverse("members:person_create"), _person_data(phone="+51 98"))
    assert "phone" in response.context["form"].errors
    assert 'value="+51 98"' in response.text
    assert not Person.objects.exists()


def test_missing_first_name_is_refused(client, editor_user):
    client.force_login(editor_user)
    response = client.post(reverse("members:person_create"), _person_data(first_name=""))
    assert "first_name" in response.context["form"].errors
    assert not Person.objects.exists()


def test_adding_a_person_from_an_organization_adds_the_role_too(client, editor_user, organization):
    client.force_login(editor_user)
    url = reverse("members:person_create") + f"?organization={organization.pk}"

    page = client.get(url)
    response = client.post(
        url, {**_person_data(), "affiliation-role": "fairtrade_officer", "affiliation-is_primary": "on"}
    )

    assert page.status_code == 200
    assert organization.name in page.text
    person = Person.objects.get()
    assert response.status_code == 302
    affiliation = person.affiliations.get()
    assert affiliation.organization == organization
    assert affiliation.role == "fairtrade_officer"
    assert affiliation.is_primary


def test_adding_a_person_to_an_organization_without_a_role_saves_nothing(client, editor_user, organization):
    client.force_login(editor_user)
    url = reverse("members:person_create") + f"?organization={organization.pk}"

    response = client.post(url, _person_data())

    assert response.status_code == 200
    assert "role" in response.context["affiliation_form"].errors
    assert not Person.objects.exists()
    assert not Affiliation.objects.exists()


@pytest.mark.parametrize("value", ["999999", "abc"])
def test_adding_a_person_to_an_unknown_organization_is_404(client, editor_user, value):
    client.force_login(editor_user)
    assert client.get(reverse("members:person_create") + f"?organization={value}").status_code == 404


def test_editors_change_a_person(client, editor_user, person):
    client.force_login(editor_user)
    page = client.get(reverse("members:person_edit", args=[person.pk]))

    response = client.post(
        reverse("members:person_edit", args=[person.pk]),
        _person_data(first_name="José Luis", last_name="Pérez", email="JL@coop.pe", preferred_language="en"),
    )

    assert 'value="jose.perez@coop.pe"' in page.text
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.first_name, person.email, person.preferred_language) == ("José Luis", "jl@coop.pe", "en")
    assert person.normalized_name == "perez jose luis"


def test_changing_to_an_email_of_someone_else_is_refused_and_changes_nothing(client, editor_user, person):
    PersonFactory(email="taken@coop.pe", first_name="Ana", last_name="Mamani")
    client.force_login(editor_user)
    before = _db_state()

    response = client.post(
        reverse("members:person_edit", args=[person.pk]), _person_data(first_name="Josecito", email="taken@coop.pe")
    )

    assert response.status_code == 200
    assert "Ana Mamani" in response.context["form"].errors["email"][0]
    assert 'value="Josecito"' in response.text
    assert _db_state() == before


# --- Affiliations -------------------------------------------------------------------------


def test_editors_add_a_person_to_an_organization(client, editor_user, person, other_organization):
    client.force_login(editor_user)
    page = client.get(
        reverse("members:affiliation_create", args=[person.pk]) + f"?organization={other_organization.pk}"
    )

    response = client.post(
        reverse("members:affiliation_create", args=[person.pk]),
        {"organization": other_organization.pk, "role": "board_member", "start_date": "2024-04-01"},
    )

    assert page.status_code == 200
    assert response.status_code == 302
    affiliation = person.affiliations.get(organization=other_organization)
    assert (affiliation.role, affiliation.start_date) == ("board_member", datetime.date(2024, 4, 1))


def test_the_same_open_role_twice_is_refused_with_the_message(client, editor_user, person, affiliation):
    client.force_login(editor_user)
    before = _db_state()

    response = client.post(
        reverse("members:affiliation_create", args=[person.pk]),
        {"organization": affiliation.organization_id, "role": "manager"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["role"] == ["This person already holds this role in this organization."]
    assert _db_state() == before


def test_an_affiliation_ending_before_it_starts_is_refused(client, editor_user, person, organization):
    client.force_login(editor_user)
    response = client.post(
        reverse("members:affiliation_create", args=[person.pk]),
        {"organization": organization.pk, "role": "delegate", "start_date": "2024-05-01", "end_date": "2024-01-01"},
    )
    assert "end_date" in response.context["form"].errors
    assert not Affiliation.objects.exists()


def test_editors_end_an_affiliation(client, editor_user, affiliation):
    client.force_login(editor_user)
    page = client.get(reverse("members:affiliation_end", args=[affiliation.pk]))

    response = client.post(reverse("members:affiliation_end", args=[affiliation.pk]), {"end_date": "2025-06-30"})

    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse("members:person_detail", args=[affiliation.person_id])
    affiliation.refresh_from_db()
    assert affiliation.end_date == datetime.date(2025, 6, 30)


@pytest.mark.parametrize(
    ("end_date", "field"), [("2019-12-31", "end_date"), ("", "end_date"), ("31/31/2025", "end_date")]
)
def test_ending_an_affiliation_with_a_bad_date_is_refused(client, editor_user, affiliation, end_date, field):
    client.force_login(editor_user)

    response = client.post(reverse("members:affiliation_end", args=[affiliation.pk]), {"end_date": end_date})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    affiliation.refresh_from_db()
    assert affiliation.end_date is None


def test_ending_an_ended_affiliation_is_refused(client, editor_user, affiliation):
    Affiliation.objects.filter(pk=affiliation.pk).update(end_date=datetime.date(2024, 1, 1))
    client.force_login(editor_user)
    response = client.post(reverse("members:affiliation_end", args=[affiliation.pk]), {"end_date": "2025-01-01"})
    assert response.context["form"].errors["end_date"] == ["This affiliation has already ended."]
    affiliation.refresh_from_db()
    assert affiliation.end_date == datetime.date(2024, 1, 1)


# --- Consents -----------------------------------------------------------------------------


def test_editors_record_consents_per_channel(client, editor_user, person):
    client.force_login(editor_user)
    page = client.get(reverse("members:consent_edit", args=[person.pk]))

    response = client.post(
        reverse("members:consent_edit", args=[person.pk]),
        {
            "email-answer": "granted",
            "email-method": "paper",
            "email-given_on": "2025-02-14",
            "sms-answer": "refused",
            "sms-method": "verbal",
            "whatsapp-answer": "",
            "phone-answer": "",
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302
    consents = {c.channel: c for c in person.consents.all()}
    assert set(consents) == {"email", "sms"}
    assert consents["email"].granted and consents["email"].method == "paper"
    assert timezone.localtime(consents["email"].given_at).date() == datetime.date(2025, 2, 14)
    assert consents["email"].recorded_by == editor_user
    assert not consents["sms"].granted


def test_changing_a_recorded_consent_keeps_the_earlier_answer_in_history(client, editor_user, person):
    Consent.objects.create(person=person, channel="email", granted=True, given_at=timezone.now(), method="paper")
    client.force_login(editor_user)

    client.post(
        reverse("members:consent_edit", args=[person.pk]), {"email-answer": "refused", "email-method": "portal"}
    )

    consent = person.consents.get(channel="email")
    assert consent.granted is False
    assert [h.granted for h in consent.history.order_by("history_date")] == [True, False]


def test_a_consent_without_how_it_was_given_is_refused_and_no_channel_is_saved(client, editor_user, person):
    client.force_login(editor_user)

    response = client.post(
        reverse("members:consent_edit", args=[person.pk]),
        {"email-answer": "granted", "email-method": "paper", "sms-answer": "granted", "sms-method": ""},
    )

    assert response.status_code == 200
    forms = {channel: form for channel, _label, form in response.context["forms"]}
    assert forms["sms"].errors["method"] == ["Say how the consent was given."]
    assert 'value="paper" selected' in response.text
    assert not Consent.objects.exists()


def test_a_consent_dated_in_the_future_is_refused(client, editor_user, person):
    client.force_login(editor_user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(
        reverse("members:consent_edit", args=[person.pk]),
        {"email-answer": "granted", "email-method": "paper", "email-given_on": tomorrow.isoformat()},
    )

    forms = {channel: form for channel, _label, form in response.context["forms"]}
    assert "given_on" in forms["email"].errors
    assert not Consent.objects.exists()
