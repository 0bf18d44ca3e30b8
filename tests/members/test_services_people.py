import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.models import Affiliation, Consent, Person
from members.services import (
    ConsentAnswer,
    ConsentChannelError,
    affiliation_create,
    affiliation_end,
    affiliation_update,
    consent_record,
    consents_record,
    person_add_to_organization,
    person_create,
    person_update,
    person_update_with_consents,
)
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_person_create_normalizes_contact_data_and_name_key(admin_user):
    person = person_create(
        actor=admin_user, first_name=" José ", last_name="Pérez", email=" Jose.Perez@Coop.PE ", phone="+51 987-654-321"
    )

    person.refresh_from_db()
    assert person.first_name == "José"
    assert person.email == "jose.perez@coop.pe"
    assert person.phone == "+51987654321"
    assert person.normalized_name == "perez jose"
    assert person.history.get().history_user == admin_user


def test_email_already_used_by_another_person_is_refused_whatever_its_case(admin_user):
    PersonFactory(first_name="Ana", last_name="Quispe", email="ana@coop.pe")

    with pytest.raises(ValidationError) as exc:
        person_create(actor=admin_user, first_name="Ana María", email="ANA@coop.pe")

    assert "Ana Quispe" in exc.value.message_dict["email"][0]
    assert Person.objects.count() == 1


def test_changing_an_email_to_one_used_by_someone_else_is_refused_and_changes_nothing(admin_user):
    PersonFactory(email="taken@coop.pe")
    person = PersonFactory(email="mine@coop.pe", first_name="Luis")

    with pytest.raises(ValidationError) as exc:
        person_update(actor=admin_user, person=person, email="taken@coop.pe", first_name="Luis Alberto")

    assert "email" in exc.value.message_dict
    person.refresh_from_db()
    assert (person.email, person.first_name) == ("mine@coop.pe", "Luis")


def test_a_phone_that_is_not_e164_is_refused(admin_user):
    with pytest.raises(ValidationError) as exc:
        person_create(actor=admin_user, first_name="Rosa", phone="+51 98")
    assert "phone" in exc.value.message_dict
    assert not Person.objects.exists()


def test_the_second_email_cannot_repeat_the_first(admin_user):
    with pytest.raises(ValidationError) as exc:
        person_create(actor=admin_user, first_name="Rosa", email="rosa@coop.pe", email_secondary="Rosa@coop.pe")
    assert "email_secondary" in exc.value.message_dict


def test_renaming_a_person_updates_the_normalized_name(admin_user):
    person = person_create(actor=admin_user, first_name="Jose", last_name="Perez")
    person_update(actor=admin_user, person=person, last_name="Peña")
    person.refresh_from_db()
    assert person.normalized_name == "pena jose"


def test_the_same_open_role_twice_in_one_organization_is_refused(admin_user):
    existing = AffiliationFactory(role=Affiliation.Role.MANAGER)

    with pytest.raises(ValidationError) as exc:
        affiliation_create(
            actor=admin_user, person=existing.person, organization=existing.organization, role=Affiliation.Role.MANAGER
        )

    assert "role" in exc.value.message_dict
    assert Affiliation.objects.count() == 1


def test_the_same_role_may_be_held_again_after_the_first_one_ended(admin_user):
    existing = AffiliationFactory(role=Affiliation.Role.MANAGER)
    affiliation_end(actor=admin_user, affiliation=existing, end_date=datetime.date(2024, 6, 30))

    again = affiliation_create(
        actor=admin_user, person=existing.person, organization=existing.organization, role=Affiliation.Role.MANAGER
    )

    assert again.is_current
    assert Affiliation.objects.filter(person=existing.person).count() == 2


def test_one_person_may_serve_several_organizations(admin_user):
    existing = AffiliationFactory(role=Affiliation.Role.MANAGER)
    other = affiliation_create(
        actor=admin_user, person=existing.person, organization=OrganizationFactory(), role=Affiliation.Role.MANAGER
    )
    assert other.pk != existing.pk


def test_a_new_primary_contact_replaces_the_previous_one_of_the_organization(admin_user):
    organization = OrganizationFactory()
    first = AffiliationFactory(organization=organization, is_primary=True)

    second = affiliation_create(
        actor=admin_user,
        person=PersonFactory(),
        organization=organization,
        role=Affiliation.Role.FAIRTRADE_OFFICER,
        is_primary=True,
    )

    first.refresh_from_db()
    assert second.is_primary
    assert not first.is_primary
    assert Affiliation.objects.filter(organization=organization, is_primary=True).count() == 1


def test_primary_contacts_of_different_organizations_do_not_affect_each_other(admin_user):
    first = AffiliationFactory(is_primary=True)
    affiliation_create(
        actor=admin_user, person=PersonFactory(), organization=OrganizationFactory(), role="manager", is_primary=True
    )
    first.refresh_from_db()
    assert first.is_primary


def test_ending_an_affiliation_keeps_it_as_a_past_role_and_drops_primary(admin_user):
    affiliation = AffiliationFactory(is_primary=True, start_date=datetime.date(2020, 1, 1))

    affiliation_end(actor=admin_user, affiliation=affiliation, end_date=datetime.date(2025, 3, 31))

    affiliation.refresh_from_db()
    assert affiliation.end_date == datetime.date(2025, 3, 31)
    assert not affiliation.is_primary
    assert affiliation.history.latest().history_user == admin_user


def test_an_affiliation_cannot_end_before_it_started(admin_user):
    affiliation = AffiliationFactory(start_date=datetime.date(2020, 1, 1))

    with pytest.raises(ValidationError) as exc:
        affiliation_end(actor=admin_user, affiliation=affiliation, end_date=datetime.date(2019, 12, 31))

    assert "end_date" in exc.value.message_dict
    affiliation.refresh_from_db()
    assert affiliation.end_date is None


def test_an_ended_affiliation_cannot_end_again(admin_user):
    affiliation = AffiliationFactory(end_date=datetime.date(2024, 1, 1))
    with pytest.raises(ValidationError) as exc:
        affiliation_end(actor=admin_user, affiliation=affiliation, end_date=datetime.date(2025, 1, 1))
    assert "end_date" in exc.value.message_dict


def test_an_ended_affiliation_cannot_be_made_primary(admin_user):
    affiliation = AffiliationFactory(end_date=datetime.date(2024, 1, 1))
    affiliation_update(actor=admin_user, affiliation=affiliation, is_primary=True)
    affiliation.refresh_from_db()
    assert not affiliation.is_primary


def test_consent_records_the_answer_when_and_how_and_keeps_earlier_answers(admin_user):
    person = PersonFactory()
    given = timezone.now() - datetime.timedelta(days=3)

    consent_record(
        actor=admin_user, person=person, channel=Consent.Channel.EMAIL, granted=True, method="paper", given_at=given
    )
    consent_record(actor=admin_user, person=person, channel=Consent.Channel.EMAIL, granted=False, method="verbal")

    consent = Consent.objects.get(person=person, channel=Consent.Channel.EMAIL)
    assert consent.granted is False
    assert consent.method == "verbal"
    assert consent.recorded_by == admin_user
    assert consent.given_at > given
    assert [h.granted for h in consent.history.order_by("history_date")] == [True, False]


def test_consent_for_an_unknown_channel_or_in_the_future_is_refused(admin_user):
    person = PersonFactory()
    with pytest.raises(ValidationError) as exc:
        consent_record(actor=admin_user, person=person, channel="pigeon", granted=True, method="paper")
    assert "channel" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        consent_record(
            actor=admin_user,
            person=person,
            channel="sms",
            granted=True,
            method="paper",
            given_at=timezone.now() + datetime.timedelta(days=2),
        )
    assert "given_at" in exc.value.message_dict
    assert not Consent.objects.exists()


# --- Compound actions ---------------------------------------------------------------------


def test_person_added_to_an_organization_gets_the_role_and_the_consents(admin_user, organization):
    person = person_add_to_organization(
        actor=admin_user,
        organization=organization,
        role=Affiliation.Role.MANAGER,
        start_date=datetime.date(2024, 1, 1),
        is_primary=True,
        person_fields={"first_name": "Rosa", "last_name": "Quispe", "email": "rosa@coop.pe"},
        consents=[ConsentAnswer(Consent.Channel.EMAIL, True, Consent.Method.PORTAL)],
    )

    person.refresh_from_db()
    affiliation = Affiliation.objects.get(person=person)
    assert (affiliation.organization, affiliation.role, affiliation.is_primary) == (
        organization,
        Affiliation.Role.MANAGER,
        True,
    )
    consent = Consent.objects.get(person=person)
    assert (consent.channel, consent.granted, consent.method, consent.recorded_by) == (
        "email",
        True,
        "portal",
        admin_user,
    )
    assert person.history.get().history_user == admin_user


def test_a_refused_role_leaves_no_half_saved_person(admin_user, organization):
    with pytest.raises(ValidationError) as exc:
        person_add_to_organization(
            actor=admin_user, organization=organization, role="pope", person_fields={"first_name": "Rosa"}
        )

    assert "role" in exc.value.message_dict
    assert not Person.objects.exists()
    assert not Person.history.exists()


def test_a_refused_consent_leaves_no_person_and_no_role(admin_user, organization):
    with pytest.raises(ConsentChannelError) as exc:
        person_add_to_organization(
            actor=admin_user,
            organization=organization,
            role=Affiliation.Role.MANAGER,
            person_fields={"first_name": "Rosa"},
            consents=[ConsentAnswer(Consent.Channel.SMS, True, "telepathy")],
        )

    assert exc.value.channel == Consent.Channel.SMS
    assert "method" in exc.value.message_dict
    assert not Person.objects.exists()
    assert not Affiliation.objects.exists()


def test_person_update_with_consents_saves_both(admin_user):
    person = PersonFactory(first_name="Rosa", phone="")

    person_update_with_consents(
        actor=admin_user,
        person=person,
        fields={"phone": "+51 912 345 678"},
        consents=[ConsentAnswer(Consent.Channel.WHATSAPP, False, Consent.Method.PORTAL)],
    )

    person.refresh_from_db()
    assert person.phone == "+51912345678"
    assert Consent.objects.get(person=person, channel="whatsapp").granted is False


def test_person_update_with_a_refused_consent_changes_nothing(admin_user):
    person = PersonFactory(first_name="Rosa", phone="")

    with pytest.raises(ValidationError):
        person_update_with_consents(
            actor=admin_user,
            person=person,
            fields={"phone": "+51912345678"},
            consents=[ConsentAnswer("pigeon", True, Consent.Method.PORTAL)],
        )

    person.refresh_from_db()
    assert person.phone == ""
    assert not Consent.objects.exists()


def test_consents_record_saves_every_channel_or_none(admin_user):
    person = PersonFactory()
    future = timezone.now() + datetime.timedelta(days=2)

    with pytest.raises(ConsentChannelError) as exc:
        consents_record(
            actor=admin_user,
            person=person,
            answers=[
                ConsentAnswer(Consent.Channel.EMAIL, True, Consent.Method.PAPER),
                ConsentAnswer(Consent.Channel.SMS, True, Consent.Method.PAPER, given_at=future),
            ],
        )

    assert exc.value.channel == Consent.Channel.SMS
    assert exc.value.message_dict == {"given_at": ["The date cannot be in the future."]}
    assert not Consent.objects.exists()

    recorded = consents_record(
        actor=admin_user,
        person=person,
        answers=[
            ConsentAnswer(Consent.Channel.EMAIL, True, Consent.Method.PAPER),
            ConsentAnswer(Consent.Channel.SMS, False, Consent.Method.VERBAL),
        ],
    )

    assert [(c.channel, c.granted) for c in recorded] == [("email", True), ("sms", False)]
    assert Consent.objects.filter(person=person).count() == 2
