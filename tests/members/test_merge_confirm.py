"""Merges and emails (issue 12, item 7): a confirmation step before merging and before
revoking a key; emails compared case-insensitively everywhere; one primary contact after a
merge; merge notes stored as codes and rendered in the reader's language."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from clac.roles import StaffRole
from communications.models import ApiKey
from communications.services import api_key_create
from members.merge_notes import merge_note_text
from members.models import Affiliation, MergeRecord, Organization, Person
from members.services.merge import merge_preview, organization_merge, person_merge
from tests.factories import (
    AffiliationFactory,
    ExternalPartnerFactory,
    OrganizationFactory,
    PersonFactory,
    staff_user,
)
from tests.members.test_import import PERSON_COLUMNS, csv_bytes, person_row, run_import

pytestmark = pytest.mark.django_db
LEGAL = Affiliation.Role.LEGAL_REPRESENTATIVE


@pytest.fixture
def actor():
    return staff_user(StaffRole.ADMIN, username="merger")


def test_organization_merge_leaves_one_primary_contact_and_says_so(actor):
    survivor = OrganizationFactory(name="Pangoa")
    merged = OrganizationFactory(name="Pangoa Ltda")
    ana = PersonFactory(first_name="Ana", last_name="Quispe", email="ana.quispe@pangoa.pe")
    # The same woman, typed again with her email in capitals: never flagged before the merge.
    ana_again = PersonFactory(first_name="Ana", last_name="Quispe", email="Ana.Quispe@Pangoa.pe")
    kept = AffiliationFactory(person=ana, organization=survivor, role=LEGAL, is_primary=True)
    demoted = AffiliationFactory(person=ana_again, organization=merged, role=LEGAL, is_primary=True)

    record = organization_merge(actor=actor, survivor=survivor, merged=merged)

    kept.refresh_from_db()
    demoted.refresh_from_db()
    assert kept.is_primary is True
    assert (demoted.organization_id, demoted.is_primary) == (survivor.pk, False)
    assert Affiliation.objects.filter(organization=survivor, is_primary=True, end_date__isnull=True).count() == 1
    assert demoted.history.first().history_user == actor
    note = next(note for note in record.notes if note["code"] == "primary_demoted")
    assert note["params"]["role"] == LEGAL
    assert "is no longer primary" in merge_note_text(note)


def test_merging_the_two_people_then_keeps_one_affiliation_and_one_primary(actor):
    org = OrganizationFactory()
    ana = PersonFactory(email="ana@coop.pe")
    ana_again = PersonFactory(email="ANA@coop.pe")
    AffiliationFactory(person=ana, organization=org, role=LEGAL, is_primary=True)
    AffiliationFactory(person=ana_again, organization=org, role=Affiliation.Role.MANAGER, is_primary=True)

    record = person_merge(actor=actor, survivor=ana, merged=ana_again)

    primaries = Affiliation.objects.filter(organization=org, is_primary=True)
    assert list(primaries.values_list("person_id", "role")) == [(ana.pk, LEGAL)]
    assert [note["code"] for note in record.notes].count("primary_demoted") == 1


def test_merge_notes_are_stored_as_codes_and_read_in_the_readers_language(actor):
    survivor = OrganizationFactory(email="")
    merged = OrganizationFactory(email="info@coop.pe")
    AffiliationFactory(organization=merged)

    record = organization_merge(actor=actor, survivor=survivor, merged=merged)
    record.refresh_from_db()

    codes = {note["code"]: note["params"] for note in record.notes}
    assert codes["moved"] == {"relation": "members.Affiliation.organization", "count": 1}
    assert "email" in codes["filled"]["fields"]
    # No sentence is stored: the page renders the codes in whoever reads it.
    assert "moved" not in str(record.notes).replace('"moved"', "").replace("'moved'", "")
    with translation.override("en"):
        english = [merge_note_text(note) for note in record.notes]
    assert "Empty fields filled from the merged record: email." in english
    with translation.override("es"):
        relation = str(Affiliation._meta.verbose_name_plural)
        assert relation in merge_note_text(next(n for n in record.notes if n["code"] == "moved"))


def test_merge_preview_shows_what_will_happen_and_changes_nothing(actor):
    survivor = OrganizationFactory()
    merged = OrganizationFactory()
    AffiliationFactory(organization=merged, is_primary=True)
    AffiliationFactory(organization=survivor, is_primary=True)

    preview = merge_preview(actor=actor, survivor=survivor, merged=merged)

    assert {note["code"] for note in preview.notes} >= {"moved", "primary_demoted"}
    assert Organization.objects.filter(pk=merged.pk).exists()
    assert not MergeRecord.objects.exists()
    assert Affiliation.objects.filter(is_primary=True).count() == 2


def test_a_merge_posted_without_confirmation_only_shows_the_preview(client, actor):
    a = PersonFactory(email="rosa@coop.pe")
    b = PersonFactory(email="ROSA@coop.pe")
    client.force_login(actor)

    response = client.post(reverse("members:duplicate_merge", args=["person", a.pk, b.pk]), {"survivor": a.pk})

    assert response.status_code == 200
    assert response.templates[0].name == "members/duplicates/confirm.html"
    assert Person.objects.count() == 2


def test_the_import_matches_a_stored_email_whatever_its_case(actor):
    OrganizationFactory(flo_id="2145")
    stored = PersonFactory(email="placeholder@x.org")
    # Stored before emails were lower-cased (or by hand): the import must still find her.
    Person.objects.filter(pk=stored.pk).update(email="Gerencia@CoopAngoa.example.org")

    result = run_import(csv_bytes([person_row(email="gerencia@coopangoa.example.org")], PERSON_COLUMNS), actor=actor)

    assert result.rows_with_errors == 0, result.errors
    assert result.counts["people_created"] == 0
    assert Person.objects.count() == 1
    assert Affiliation.objects.get().person_id == stored.pk


def test_the_migration_lower_cases_stored_emails():
    person = PersonFactory(email="placeholder@x.org")
    Person.objects.filter(pk=person.pk).update(email="Ana@Coop.PE", email_secondary="ANA2@coop.pe")
    org = OrganizationFactory()
    Organization.objects.filter(pk=org.pk).update(email="Info@Coop.PE")
    migration = importlib.import_module("members.migrations.0008_regfind_email_case")

    migration.lower_emails(apps, None)

    person.refresh_from_db()
    org.refresh_from_db()
    assert (person.email, person.email_secondary, org.email) == ("ana@coop.pe", "ana2@coop.pe", "info@coop.pe")


def test_staff_cannot_give_a_second_person_an_email_that_differs_only_in_case(client, actor):
    PersonFactory(email="ana@coop.pe")
    client.force_login(actor)

    response = client.post(
        reverse("members:person_create"),
        {"first_name": "Ana", "last_name": "Otra", "email": "ANA@Coop.PE", "preferred_language": "es"},
    )

    assert response.status_code in (200, 400)
    assert "email" in response.context["form"].errors
    assert Person.objects.count() == 1


# --- Revoking a partner key ----------------------------------------------------------------


def test_revoking_a_key_asks_for_confirmation_first(client):
    admin = staff_user(StaffRole.ADMIN, username="keys-admin")
    partner = ExternalPartnerFactory()
    key, _raw = api_key_create(partner=partner, name="Dashboard FLO", scopes=["directory:read"])
    client.force_login(admin)
    url = reverse("communications:api_key_revoke", args=[partner.pk, key.pk])

    detail = client.get(reverse("communications:partner_detail", args=[partner.pk])).content.decode()
    confirm = client.get(url)

    # The partner page links to the confirmation; it has no one-click revoke form.
    assert f'href="{url}"' in detail
    assert f'action="{url}"' not in detail
    assert confirm.status_code == 200
    assert "Dashboard FLO" in confirm.content.decode()
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None

    response = client.post(url)

    assert response.status_code == 302
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
