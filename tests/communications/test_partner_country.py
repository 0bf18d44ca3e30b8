"""A partner's country is an ISO code named in the reader's language (issue 12, item 11): the
pages, the form's select, the data migration that turned the old free text into codes."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from communications.models import ExternalPartner
from communications.services import external_partner_create
from tests.factories import ExternalPartnerFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("communications.migrations.0003_country_partner_country")


@pytest.fixture
def spanish_admin_client(client, admin_user):
    admin_user.language = "es"
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)
    return client


def test_spanish_pages_name_the_partners_country_in_spanish(spanish_admin_client):
    partner = ExternalPartnerFactory(name="Fairtrade Deutschland", country="DE")
    for url in (reverse("communications:partner_list"), reverse("communications:partner_detail", args=[partner.pk])):
        page = spanish_admin_client.get(url).content.decode()
        assert "Alemania" in page
        assert "Germany" not in page


def test_the_form_offers_countries_in_the_readers_language(spanish_admin_client):
    page = spanish_admin_client.get(reverse("communications:partner_create")).content.decode()
    assert '<option value="DE">Alemania</option>' in page
    assert '<option value="" selected>- Selecciona una opción -</option>' in page  # optional, blank by default


def test_the_form_refuses_an_invalid_code_with_a_translated_error(spanish_admin_client):
    response = spanish_admin_client.post(
        reverse("communications:partner_create"), {"name": "Fairtrade Atlántida", "kind": "nfo", "country": "XX"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["country"] == [
        "Escoja una opción válida. XX no es una de las opciones disponibles."
    ]
    assert not ExternalPartner.objects.exists()


def test_a_partner_without_a_country_shows_a_dash(spanish_admin_client):
    partner = ExternalPartnerFactory(name="Sin país")
    page = spanish_admin_client.get(reverse("communications:partner_detail", args=[partner.pk])).content.decode()
    assert "<dt>País</dt><dd>—</dd>" in page


def test_the_service_takes_a_code_and_refuses_a_name():
    assert external_partner_create(name="Fairtrade Japan", country=" jp ").country.code == "JP"
    with pytest.raises(ValidationError) as refused:
        external_partner_create(name="Fairtrade Mars", country="Mars")
    assert "country" in refused.value.message_dict
    assert not ExternalPartner.objects.filter(name="Fairtrade Mars").exists()


@pytest.mark.parametrize(
    ("stored", "code"),
    [
        ("Germany", "DE"),
        ("germany", "DE"),
        ("DE", "DE"),
        (" de ", "DE"),
        ("DEU", "DE"),
        ("Alemania", "DE"),
        ("Côte d'Ivoire", "CI"),
        ("cote d\u2019ivoire", "CI"),  # a typographic apostrophe
        ("Ivory Coast", "CI"),  # the members' Country table name
        ("Perú", "PE"),
        ("peru", "PE"),
        ("United States", "US"),  # everyday names beside the ISO short names
        ("Holland", "NL"),
        ("UK", "GB"),
        ("Atlantis", ""),
        ("Germany and Austria", ""),
        ("", ""),
    ],
)
def test_the_migration_maps_stored_text_to_codes(stored, code):
    index = migration.name_index([("CI", "Ivory Coast"), ("BO", "Bolivia")])
    assert migration.country_code(stored, index) == code


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_partners_and_their_history_and_reports_unknown_text(capsys):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("communications", "0002_apikey")]
    after = [("communications", "0003_country_partner_country")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        OldPartner = old_apps.get_model("communications", "ExternalPartner")
        OldHistory = old_apps.get_model("communications", "HistoricalExternalPartner")
        for name, country in [("A", "Germany"), ("B", "germany"), ("C", "DE"), ("D", "Atlantis"), ("E", "")]:
            partner = OldPartner.objects.create(name=name, kind="nfo", country=country)
            OldHistory.objects.create(
                id=partner.pk,
                name=name,
                kind="nfo",
                country=country,
                created_at=partner.created_at,
                updated_at=partner.updated_at,
                history_date=partner.created_at,
                history_type="+",
            )
        capsys.readouterr()
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        out = capsys.readouterr().out
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    names = ["A", "B", "C", "D", "E"]
    rows = dict(ExternalPartner.objects.filter(name__in=names).values_list("name", "country"))
    assert rows == {"A": "DE", "B": "DE", "C": "DE", "D": "", "E": ""}
    history = dict(ExternalPartner.history.filter(name__in=names).values_list("name", "country"))
    assert history == {"A": "DE", "B": "DE", "C": "DE", "D": "", "E": ""}
    assert "'Atlantis' matches no country; left blank" in out
    assert "Germany" not in out


def test_admin_lists_and_filters_partners_by_country(client, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 20)
    ExternalPartnerFactory(name="Fairtrade Deutschland", country="DE")
    ExternalPartnerFactory(name="Fairtrade Japan", country="JP")
    client.force_login(superuser)
    response = client.get(reverse("admin:communications_externalpartner_changelist"), {"country": "DE"})
    assert response.status_code == 200
    assert [partner.name for partner in response.context["cl"].result_list] == ["Fairtrade Deutschland"]
    assert "Alemania" in response.content.decode()  # the site default, Spanish


def test_the_partners_history_names_countries_in_the_readers_language(spanish_admin_client):
    partner = ExternalPartnerFactory(name="Fairtrade Deutschland", country="DE")
    partner.country = "JP"
    partner.save()
    url = reverse("dashboard:history", kwargs={"model": "externalpartner", "pk": partner.pk})
    page = spanish_admin_client.get(url).content.decode()
    assert "Alemania" in page
    assert "Japón" in page
