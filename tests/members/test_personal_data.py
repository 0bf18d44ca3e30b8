"""Personal-data rights of a person: the export of everything held about them (a page and a
JSON download) and the erasure that anonymizes them while keeping statistics, roles, consent
decisions and the record of who erased and when. Export: registry editors who may change the
person; erasure: administrators only."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clac.roles import StaffRole
from members import selectors, services
from members.models import Affiliation, Consent, MergeRecord, Person, PersonErasure
from tests.factories import AffiliationFactory, PersonFactory, aware


@pytest.fixture
def person(db, organization, admin_user):
    person = services.person_create(
        actor=admin_user,
        first_name="Rosa",
        last_name="Quispe Mamani",
        email="rosa.quispe@coop.example.org",
        email_secondary="rosa@example.net",
        phone="+51987654321",
        gender=Person.Gender.FEMALE,
        birth_year=1987,
        notes="Prefers calls after 6 pm; lives in Jaén.",
    )
    services.person_update(actor=admin_user, person=person, notes="Prefers calls after 6 pm; moved to Chiclayo.")
    AffiliationFactory(person=person, organization=organization, role=Affiliation.Role.MANAGER, is_primary=True)
    services.consent_record(
        actor=admin_user,
        person=person,
        channel=Consent.Channel.EMAIL,
        granted=True,
        method=Consent.Method.PAPER,
        given_at=aware(2024, 3, 5),
    )
    return person


PERSONAL_VALUES = ("Rosa", "Quispe", "rosa.quispe@coop.example.org", "rosa@example.net", "+51987654321", "Jaén")


def _urls(person) -> dict[str, str]:
    return {
        name: reverse(f"members:{name}", args=[person.pk])
        for name in ("person_data_export", "person_data_export_json", "person_erase")
    }


# --- Export -----------------------------------------------------------------------------------


def test_export_holds_profile_affiliations_consents_and_history(person, organization, admin_user):
    data = selectors.person_data_export(person=person)

    assert data["person"]["email"] == "rosa.quispe@coop.example.org"
    assert data["person"]["birth_year"] == 1987
    assert [a["organization"] for a in data["affiliations"]] == [organization.name]
    assert data["consents"] == [
        {
            "channel": "email",
            "channel_label": "Email",
            "granted": True,
            "given_at": aware(2024, 3, 5).astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
            "method": "paper",
            "method_label": "Signed paper form",
            "recorded_by": str(admin_user),
        }
    ]
    notes = [entry["values"]["notes"] for entry in data["history"]["person"]]
    assert notes == ["Prefers calls after 6 pm; lives in Jaén.", "Prefers calls after 6 pm; moved to Chiclayo."]
    assert len(data["history"]["affiliations"]) == 1 and len(data["history"]["consents"]) == 1
    assert data["erasure"] is None


def test_admin_downloads_the_export_as_json(client, admin_user, person):
    client.force_login(admin_user)

    response = client.get(_urls(person)["person_data_export_json"])

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="clac-person-{person.pk}.json"'
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["person"]["last_name"] == "Quispe Mamani"


def test_export_page_is_readable_and_printable(client, editor_user, person, organization):
    client.force_login(editor_user)

    response = client.get(_urls(person)["person_data_export"])

    assert response.status_code == 200
    html = response.content.decode()
    for value in ("rosa.quispe@coop.example.org", "+51987654321", organization.name, "Signed paper form", "Chiclayo"):
        assert value in html
    assert "data-print" in html and "js/print.js" in html
    assert "Erase personal data" not in html


def test_export_lists_records_of_other_apps_that_point_at_the_person(person):
    from tests.networks.factories import SeatFactory

    SeatFactory(person=person)

    data = selectors.person_data_export(person=person)

    assert ("networks.Seat", "seat") in [(row["table"], row["kind"]) for row in data["other_records"]]


# --- Erasure ----------------------------------------------------------------------------------


def test_admin_erases_after_confirming_and_the_person_is_anonymized(client, admin_user, person):
    client.force_login(admin_user)
    url = _urls(person)["person_erase"]
    assert "Erased" in client.get(url).content.decode()

    response = client.post(url, {"reason": "Email of 2 March 2026", "confirm": "on"})

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.first_name == f"#{person.pk}"
    assert (person.last_name, person.email, person.email_secondary, person.phone, person.notes) == ("",) * 5
    assert person.normalized_name == ""
    assert person.birth_year == 1980
    assert person.gender == Person.Gender.FEMALE
    erasure = PersonErasure.objects.get(person=person)
    assert erasure.erased_by == admin_user and erasure.reason == "Email of 2 March 2026"
    page = client.get(reverse("members:person_detail", args=[person.pk])).content.decode()
    assert "was erased on" in page and "Erase personal data" not in page


def test_erasure_needs_the_confirmation_and_a_reference_and_changes_nothing_without(client, admin_user, person):
    client.force_login(admin_user)

    for data in ({"reason": "Email of 2 March"}, {"confirm": "on", "reason": "  "}):
        response = client.post(_urls(person)["person_erase"], data)
        assert response.status_code == 200
        assert response.context["form"].errors

    person.refresh_from_db()
    assert person.email == "rosa.quispe@coop.example.org"
    assert not PersonErasure.objects.exists()


def test_erasure_scrubs_history_but_keeps_who_erased_and_when(admin_user, person):
    services.person_erase(actor=admin_user, person=person, reason="Letter of 1 March 2026")

    history = list(Person.history.filter(id=person.pk).order_by("history_date", "history_id"))
    assert len(history) == 3
    personal_fields = ("first_name", "last_name", "email", "email_secondary", "phone", "notes")
    for row in history:
        stored = " ".join(str(getattr(row, name)) for name in personal_fields)
        for value in PERSONAL_VALUES:
            assert value not in stored
        assert row.birth_year == 1980
    last = history[-1]
    assert last.history_user == admin_user
    assert last.history_change_reason == "personal data erased"
    assert [row.history_type for row in history] == ["+", "~", "~"]


def test_erasure_keeps_affiliations_consent_decisions_and_figures(admin_user, person, organization):
    before_by_gender = Person.objects.filter(gender=Person.Gender.FEMALE).count()
    before_by_role = Affiliation.objects.filter(organization=organization, role=Affiliation.Role.MANAGER).count()

    services.person_erase(actor=admin_user, person=person, reason="Call of 4 March 2026")

    consent = Consent.objects.get(person=person)
    assert (consent.channel, consent.granted, consent.method) == ("email", True, "paper")
    assert consent.given_at == aware(2024, 3, 5)
    assert Person.objects.filter(gender=Person.Gender.FEMALE).count() == before_by_gender
    assert (
        Affiliation.objects.filter(organization=organization, role=Affiliation.Role.MANAGER).count() == before_by_role
    )
    assert Person.objects.filter(birth_year__gte=1980, birth_year__lt=1990).count() == 1


def test_erasure_also_scrubs_records_merged_into_the_person(admin_user, person):
    twin = PersonFactory(first_name="Rosa", last_name="Quispe", email="rquispe@example.org", phone="+51911111111")
    services.person_merge(actor=admin_user, survivor=person, merged=twin)

    services.person_erase(actor=admin_user, person=person, reason="Email of 2 March 2026")

    snapshot = json.dumps(MergeRecord.objects.get(survivor_id=person.pk).merged_snapshot)
    assert "rquispe@example.org" not in snapshot and "+51911111111" not in snapshot and "Quispe" not in snapshot
    twin_history = Person.history.filter(id=twin.pk)
    assert twin_history.exists()
    assert not twin_history.filter(email="rquispe@example.org").exists()


def test_a_second_erasure_is_refused(admin_user, person):
    services.person_erase(actor=admin_user, person=person, reason="Email of 2 March 2026")

    with pytest.raises(ValidationError):
        services.person_erase(actor=admin_user, person=person, reason="again")
    assert PersonErasure.objects.count() == 1


def test_export_after_erasure_holds_no_personal_values_but_says_who_erased(admin_user, person):
    services.person_erase(actor=admin_user, person=person, reason="Email of 2 March 2026")
    person.refresh_from_db()

    text = json.dumps(selectors.person_data_export(person=person), ensure_ascii=False)

    for value in PERSONAL_VALUES:
        assert value not in text
    assert f'"erased_by": "{admin_user}"' in text


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [StaffRole.VIEWER, StaffRole.FINANCE, StaffRole.COMMUNICATIONS])
def test_roles_that_do_not_handle_personal_data_get_403_everywhere(client, staff_user_factory, role, person):
    client.force_login(staff_user_factory(role))

    for url in _urls(person).values():
        assert client.get(url).status_code == 403, url
    assert client.post(_urls(person)["person_erase"], {"reason": "x", "confirm": "on"}).status_code == 403
    person.refresh_from_db()
    assert person.email == "rosa.quispe@coop.example.org"


def test_coordinator_outside_their_networks_cannot_export(client, staff_user_factory, person):
    client.force_login(staff_user_factory(StaffRole.COORDINATOR))

    assert client.get(_urls(person)["person_data_export"]).status_code == 403
    assert client.get(_urls(person)["person_data_export_json"]).status_code == 403


def test_only_administrators_erase(client, editor_user, person):
    client.force_login(editor_user)  # an M&E officer: exports, does not erase

    assert client.get(_urls(person)["person_data_export"]).status_code == 200
    assert client.post(_urls(person)["person_erase"], {"reason": "x", "confirm": "on"}).status_code == 403
    assert "Erase personal data" not in client.get(reverse("members:person_detail", args=[person.pk])).content.decode()
    assert not PersonErasure.objects.exists()


def test_portal_users_do_not_reach_personal_data_pages(client, portal_user, person):
    client.force_login(portal_user)

    for url in _urls(person).values():
        assert client.get(url).status_code == 403, url


def test_anonymous_user_is_sent_to_login(client, person):
    for url in _urls(person).values():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_unknown_person_is_404(client, admin_user):
    client.force_login(admin_user)

    for name in ("person_data_export", "person_data_export_json", "person_erase"):
        assert client.get(reverse(f"members:{name}", args=[987654])).status_code == 404


def test_export_costs_a_bounded_number_of_queries(client, admin_user, person, django_assert_max_num_queries):
    for _ in range(5):
        AffiliationFactory(person=person)
    client.force_login(admin_user)

    with django_assert_max_num_queries(30):
        assert client.get(_urls(person)["person_data_export"]).status_code == 200


def test_an_erased_person_is_merged_with_nobody(admin_user, person):
    services.person_erase(actor=admin_user, person=person, reason="Email of 2 March 2026")
    other = PersonFactory()

    for survivor, merged in ((person, other), (other, person)):
        with pytest.raises(ValidationError):
            services.person_merge(actor=admin_user, survivor=survivor, merged=merged)
    assert Person.objects.filter(pk=other.pk).exists()
    assert PersonErasure.objects.get().person_id == person.pk


def test_erasure_asks_for_a_fresh_confirmation_of_identity_and_logs_who_erased(client, admin_user, person):
    from clac.models import SecurityEvent

    client.force_login(admin_user)
    session = client.session
    session["clac_reauth_at"] = 0
    session.save()
    url = _urls(person)["person_erase"]

    stale = client.post(url, {"reason": "Email of 2 March 2026", "confirm": "on"})

    assert stale.status_code == 302 and stale["Location"].startswith(reverse("reauth"))
    assert not PersonErasure.objects.exists()
    client.post(reverse("reauth"), {"password": "correct-horse-battery"})
    session = client.session
    session["clac_reauth_at"] = None
    session.save()
    client.force_login(admin_user)  # signing in counts as a fresh confirmation
    assert client.post(url, {"reason": "Email of 2 March 2026", "confirm": "on"}).status_code == 302
    assert PersonErasure.objects.filter(person=person).exists()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PERSONAL_DATA_ERASED)
    assert event.user == admin_user and str(person.pk) in event.detail
