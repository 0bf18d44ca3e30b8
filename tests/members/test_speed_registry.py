"""The registry list at ten times CLAC's size (issue 12, item 15): the search reads the stored
accent-free search_text (a generated column) and still ignores accents, case and word order,
whichever way a record was written (service, import, merge); every sort gives the order it gave
before, on every page, both ways, with the page's ids sorted first; the page's queries do not
grow with the rows; the membership counts of the whole registry are those of the join."""

import io
import sqlite3

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clac.pagination import ReversiblePaginator
from clac.roles import StaffRole
from members.apps import _register_sqlite_unaccent
from members.importing import ORGANIZATION_COLUMNS, registry_import
from members.models import Membership, Organization
from members.selectors import ORGANIZATION_SORTS, organization_list, organization_membership_counts
from members.services import organization_create, organization_update
from tests.factories import MembershipFactory, OrganizationFactory, country, staff_user
from tests.members.test_import import csv_bytes, org_row

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="clac_unaccent() is PostgreSQL's")


def _found(query: str) -> list[str]:
    return [org.name for org in organization_list(filters={"q": query})]


# --- The stored search text ----------------------------------------------------------------------


def test_the_search_text_is_the_four_fields_without_accents_in_lower_case():
    organization = organization_create(
        actor=staff_user(StaffRole.ADMIN),
        kind=Organization.Kind.SPO,
        name="Asociación de Productores Ñuñoa",
        legal_name="APÑ S.A.C.",
        locality="San Martín",
        country=country("PE"),
        flo_id="2145",
    )

    organization.refresh_from_db()
    assert organization.search_text == "asociacion de productores nunoa apn s.a.c. san martin 2145"
    assert _found("nunoa ASOCIACION") == _found("Ñuñoa asociación") == ["Asociación de Productores Ñuñoa"]


def test_a_name_changed_through_the_service_is_found_by_its_new_words_only():
    admin = staff_user(StaffRole.ADMIN)
    organization = OrganizationFactory(name="Cooperativa Norandino", legal_name="", locality="Piura")

    organization_update(actor=admin, organization=organization, name="Central Café Perené", locality="Satipo")

    organization.refresh_from_db()
    assert organization.search_text.startswith("central cafe perene ")
    assert _found("perene cafe") == _found("PERENÉ satipo") == ["Central Café Perené"]
    assert _found("norandino") == _found("piura") == []


def test_organizations_written_by_the_import_are_found_without_accents_in_any_order():
    rows = [
        org_row(flo_id="2145", name="Cooperativa Agraria Cafetalera Pangoa", locality="San Martín de Pangoa"),
        org_row(flo_id="3001", name="Asociación Sierra y Selva", locality="Jaén", tax_id="20100000001"),
    ]
    result = registry_import(file=io.BytesIO(csv_bytes(rows, ORGANIZATION_COLUMNS)), filename="registry.csv")
    result.close()
    assert Organization.objects.count() == 2

    assert _found("martin cafetalera") == ["Cooperativa Agraria Cafetalera Pangoa"]
    assert _found("jaen asociacion") == _found("Selva SIERRA") == ["Asociación Sierra y Selva"]

    # An import that renames a known organization (upsert by FLO ID) moves its search text too.
    renamed = [org_row(flo_id="3001", name="Asociación Valle Ñuñoa", locality="Cusco", tax_id="20100000001")]
    result = registry_import(file=io.BytesIO(csv_bytes(renamed, ORGANIZATION_COLUMNS)), filename="registry.csv")
    result.close()
    assert _found("nunoa valle cusco") == ["Asociación Valle Ñuñoa"]
    assert _found("sierra selva") == []


def test_the_search_text_is_the_databases_not_the_forms_and_not_historized():
    organization = OrganizationFactory(name="Café Ñuñoa")
    field = Organization._meta.get_field("search_text")

    assert field.generated and not field.editable
    assert "search_text" not in {f.name for f in Organization.history.model._meta.fields}
    assert organization.history.count() == 1


@postgresql_only
def test_clac_unaccent_is_immutable_and_folds_like_unaccent():
    with connection.cursor() as cursor:
        cursor.execute("SELECT provolatile FROM pg_proc WHERE proname = 'clac_unaccent'")
        assert cursor.fetchall() == [("i",)]
        cursor.execute(
            "SELECT clac_unaccent(%s) = unaccent(%s)", ["Asociación Ñuñoa Poço Café", "Asociación Ñuñoa Poço Café"]
        )


def test_the_demo_database_registers_clac_unaccent_too():
    raw = sqlite3.connect(":memory:")

    class FakeConnection:
        vendor = "sqlite"
        connection = raw

    _register_sqlite_unaccent(sender=None, connection=FakeConnection())
    assert raw.execute("select lower(clac_unaccent('Asociación Cafetalera Ñuñoa'))").fetchone() == (
        "asociacion cafetalera nunoa",
    )


# --- Sorts ---------------------------------------------------------------------------------------

# Each sort's order written out by hand (what the list showed before the change), ascending.
# Organizations without a membership: where each database puts NULL ascending (PostgreSQL last,
# SQLite first).
_NO_MEMBERSHIP = "\uffff" if connection.vendor == "postgresql" else ""


def _by_hand(sort: str, organizations: list[Organization]) -> list[int]:
    key = sort.removeprefix("-")
    keys = {
        "name": lambda o: (o.name, o.pk),
        "country": lambda o: (o.country.name, o.name, o.pk),
        "kind": lambda o: (o.kind, o.name, o.pk),
        "membership": lambda o: (getattr(getattr(o, "membership", None), "status", _NO_MEMBERSHIP), o.name, o.pk),
        "flo_id": lambda o: (len(o.flo_id), o.flo_id, o.pk),
        "updated": lambda o: (o.updated_at, o.pk),
    }
    ordered = sorted(organizations, key=keys[key], reverse=sort.startswith("-"))
    return [o.pk for o in ordered]


@pytest.fixture
def tied_registry() -> list[Organization]:
    """Ties on every sort key (three names, two kinds, two countries, FLO IDs of every length,
    some empty, memberships in three states and missing), so the later keys decide."""
    organizations = []
    flo_ids = ["", "9", "127", "12649", "2145", "", "31", "1000000", "88", "127000", "5", ""]
    for index, flo_id in enumerate(flo_ids):
        organization = OrganizationFactory(
            name=f"Coop {index % 3}",
            kind="spo" if index % 2 else "hl",
            country=country("PE" if index % 3 else "BO"),
            flo_id=flo_id,
        )
        if index % 4:
            MembershipFactory(organization=organization, status=("active", "suspended", "withdrawn")[index % 3])
        organizations.append(organization)
    return list(Organization.objects.select_related("country", "membership"))


@pytest.mark.parametrize("orphans", [0, 1])
@pytest.mark.parametrize("sort", [*ORGANIZATION_SORTS, *(f"-{key}" for key in ORGANIZATION_SORTS)])
def test_every_sort_gives_the_order_written_by_hand_on_every_page_with_ids_first(tied_registry, sort, orphans):
    rows = organization_list(filters={"sort": sort})
    paginator = ReversiblePaginator(rows, 5, orphans=orphans, ids_first=True)

    pages = [[o.pk for o in paginator.page(number).object_list] for number in paginator.page_range]

    assert pages == [
        [o.pk for o in page] for page in map(Paginator(rows, 5, orphans=orphans).page, paginator.page_range)
    ]
    assert [pk for page in pages for pk in page] == _by_hand(sort, tied_registry)


def test_flo_ids_sort_as_numbers_with_the_empty_ones_first(tied_registry):
    ascending = [o.flo_id for o in organization_list(filters={"sort": "flo_id"})]

    assert ascending == ["", "", "", "5", "9", "31", "88", "127", "2145", "12649", "127000", "1000000"]


def test_the_page_sorted_by_country_or_membership_reads_only_its_rows_whole():
    for index in range(12):
        organization = OrganizationFactory(name=f"Coop {index:02d}", country=country("PE" if index % 2 else "BO"))
        MembershipFactory(organization=organization, status="active")
    rows = organization_list(filters={"sort": "membership"})

    with CaptureQueriesContext(connection) as queries:
        page = ReversiblePaginator(rows, 5, ids_first=True).page(3)
        names = [o.name for o in page.object_list]

    page_sql = next(q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"])
    # One query: the ids of the page in a subquery, the whole rows of those ids only.
    assert page_sql.count("SELECT") == 2 and "IN (SELECT" in page_sql
    assert names == ["Coop 10", "Coop 11"]


# --- Queries per page ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?q=coop", "?sort=country", "?sort=-membership", "?sort=flo_id"])
def test_a_registry_page_takes_as_many_queries_with_ten_rows_or_sixty_first_or_last_page(client, query):
    client.force_login(staff_user(StaffRole.VIEWER))
    url = reverse("members:organization_list") + query

    def page_queries(suffix: str = "") -> int:
        joiner = "&" if "?" in url else "?"
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url + (f"{joiner}page={suffix}" if suffix else ""))
        assert response.status_code == 200
        return len(queries.captured_queries)

    def add(first: int, count: int) -> None:
        for index in range(first, first + count):
            organization = OrganizationFactory(name=f"Coop {index}", flo_id=str(1000 + index))
            MembershipFactory(organization=organization, status=("active", "suspended")[index % 2])

    add(0, 10)
    few = page_queries()
    add(10, 50)
    assert page_queries() == few
    assert page_queries("99") == few


# --- Membership counts ---------------------------------------------------------------------------


def test_the_whole_registrys_membership_counts_are_those_of_the_filtered_join():
    for status in ("active", "active", "suspended", "withdrawn"):
        MembershipFactory(status=status, organization=OrganizationFactory(country=country("PE")))
    OrganizationFactory(country=country("PE"))  # no membership yet: not counted

    whole = organization_membership_counts(organization_list(filters={}))
    filtered = organization_membership_counts(organization_list(filters={"country": "PE"}))

    assert whole == filtered == {"active": 2, "suspended": 1, "withdrawn": 1}
    assert Membership.objects.count() == 4
