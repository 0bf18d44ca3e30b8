"""Item 1: one list of working languages for the staff form, the portal form, the pages, the
history and the API; a save by either side without touching the field keeps the other's."""

import importlib

import pytest
from django.urls import reverse

from members.languages import WORKING_LANGUAGE_CODES, language_names, languages_canonical
from members.models import Organization
from members.services import organization_update
from tests.factories import OrganizationFactory, UserFactory
from tests.formdata import untouched_form_data

pytestmark = pytest.mark.django_db

PROFILE_EDIT = reverse("members_portal:profile_edit")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _staff_save_untouched(client, user, organization):
    client.force_login(user)
    url = reverse("members:organization_edit", args=[organization.pk])
    data = untouched_form_data(client.get(url).content.decode())
    assert "name" in data  # the parser found the form
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def _portal_save_untouched(client, user):
    client.force_login(user)
    data = untouched_form_data(client.get(PROFILE_EDIT).content.decode())
    assert "name" in data
    response = client.post(PROFILE_EDIT, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def test_staff_save_without_touching_languages_keeps_what_the_portal_stored(
    client, admin_user, portal_editor, organization
):
    # The portal offered Quechua and K'iche', which the staff form used not to offer.
    client.force_login(portal_editor)
    data = untouched_form_data(client.get(PROFILE_EDIT).content.decode())
    data["languages"] = ["es", "qu", "quc", "pt"]
    assert client.post(PROFILE_EDIT, data).status_code == 302
    organization.refresh_from_db()
    assert set(organization.languages) == {"es", "pt", "qu", "quc"}

    _staff_save_untouched(client, admin_user, organization)

    organization.refresh_from_db()
    assert set(organization.languages) == {"es", "pt", "qu", "quc"}


def test_portal_save_without_touching_languages_keeps_what_staff_stored(
    client, admin_user, portal_editor, organization
):
    client.force_login(admin_user)
    url = reverse("members:organization_edit", args=[organization.pk])
    data = untouched_form_data(client.get(url).content.decode())
    data["languages"] = ["pt", "fr", "ht"]
    assert client.post(url, data).status_code == 302
    organization.refresh_from_db()
    assert organization.languages == ["pt", "fr", "ht"]

    _portal_save_untouched(client, portal_editor)

    organization.refresh_from_db()
    assert organization.languages == ["pt", "fr", "ht"]


def test_a_code_stored_before_the_list_was_shared_survives_both_forms(client, admin_user, portal_editor, organization):
    # Written before migration 0003 (e.g. by an old import); neither list has it.
    Organization.objects.filter(pk=organization.pk).update(languages=["es", "pt-br", "xyz"])

    _staff_save_untouched(client, admin_user, organization)
    organization.refresh_from_db()
    assert organization.languages == ["es", "pt", "xyz"]

    _portal_save_untouched(client, portal_editor)
    organization.refresh_from_db()
    assert organization.languages == ["es", "pt", "xyz"]


def test_both_forms_offer_the_same_list(client, admin_user, portal_editor, organization):
    from members.forms.organizations import OrganizationForm
    from members.portal.forms import OrganizationContactForm

    staff = {code for code, _label in OrganizationForm(organization=organization).fields["languages"].choices}
    portal = {code for code, _ in OrganizationContactForm(organization=organization).fields["languages"].choices}
    assert staff == portal == set(WORKING_LANGUAGE_CODES)
    assert {"qu", "pt", "quc", "ht"} <= staff
    assert "pt-br" not in staff


def test_staff_page_and_portal_profile_show_names_not_codes(client, admin_user, portal_editor, organization):
    Organization.objects.filter(pk=organization.pk).update(languages=["es", "qu"])
    client.force_login(admin_user)
    content = client.get(reverse("members:organization_detail", args=[organization.pk])).content.decode()
    assert "Spanish, Quechua" in content

    client.force_login(portal_editor)
    content = client.get(reverse("members_portal:profile")).content.decode()
    assert "Spanish, Quechua" in content


def test_names_are_translated(settings):
    from django.utils import translation

    with translation.override("es"):
        assert language_names(["qu", "pt"]) == ["Quechua", "Portugués"]


def test_history_page_shows_language_names_not_a_python_list(client, admin_user):
    organization = OrganizationFactory(languages=["es"])
    organization_update(actor=UserFactory(), organization=organization, languages=["es", "qu"])
    client.force_login(admin_user)

    content = client.get(reverse("dashboard:history", args=["organization", organization.pk])).content.decode()

    assert "Spanish, Quechua" in content
    assert "[&#x27;es&#x27;" not in content and "['es'" not in content


def test_api_documents_the_codes_and_accepts_an_old_spelling(settings):
    from members.api.staff import OrganizationInputSerializer

    serializer = OrganizationInputSerializer(data={"languages": ["pt-br", "qu"]}, partial=True)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["languages"] == ["pt", "qu"]
    refused = OrganizationInputSerializer(data={"languages": ["klingon"]}, partial=True)
    assert not refused.is_valid()


def test_data_migration_rewrites_stored_codes_to_the_list(db):
    migration = importlib.import_module("members.migrations.0003_regdata_languages")
    assert migration.canonical(["pt-br", "es", "PT", "qu", "", "xyz"]) == ["pt", "es", "qu", "xyz"]
    assert migration.canonical(None) == []
    assert languages_canonical(["pt-BR", "es-419"]) == ["pt", "es"]
