"""The importer applies the registry's rules (members.rules), not a copy of them: the same FLO
ID, phone, year and coordinates are accepted or refused alike, with the same message, by
members.importing.cleaning and by the rules the services and forms use. A rule changed in one
place only fails here."""

import datetime
from decimal import Decimal

import pytest

from clac.roles import StaffRole
from members import rules
from members.importing.cleaning import (
    CellError,
    References,
    RowCleaner,
    clean_flo_id,
    clean_phone,
    clean_year,
)
from members.importing.formats import ImportFormat
from members.models import Certification, Country, Membership
from tests.factories import MembershipFactory, OrganizationFactory, staff_user
from tests.members.test_import import csv_bytes, run_import

PERU = Country(
    code="PE",
    name="Peru",
    min_latitude=Decimal("-18.35"),
    max_latitude=Decimal("-0.04"),
    min_longitude=Decimal("-81.33"),
    max_longitude=Decimal("-68.65"),
)


def cell_outcome(clean, value: str) -> tuple[object, str | None]:
    """(cleaned value, None) or (None, message): what the importer makes of one cell."""
    try:
        return clean(value), None
    except CellError as exc:
        return None, str(exc)


FLO_IDS = ["1", "2145", "9999999", "12345678", "FLO2145", "21.45", "-2145", "\uff12\uff11\uff14\uff15", "2145\n"]


@pytest.mark.parametrize("value", FLO_IDS)
def test_the_importer_accepts_and_refuses_flo_ids_as_the_rules_do(value):
    cleaned, message = cell_outcome(clean_flo_id, value)

    if rules.flo_id_is_valid(value):
        assert (cleaned, message) == (value, None)
    else:
        assert (cleaned, message) == (None, str(rules.FLO_ID_MESSAGE))


PHONES = [
    "+51987654321",
    "+51 987-654-321",
    "(+51) 987 654 321",
    "0051987654321",
    "987654321",
    "00",
    "+0987654321",
    "+5198765432101234",
    "+519876",
    "tel. +52 55 1234 5678",
]


@pytest.mark.parametrize("value", PHONES)
def test_the_importer_normalizes_and_refuses_phones_as_the_rules_do(value):
    cleaned, message = cell_outcome(clean_phone, value)

    normalized = rules.phone_normalize(value)
    if rules.phone_is_valid(normalized):
        assert (cleaned, message) == (normalized, None)
    else:
        assert (cleaned, message) == (None, str(rules.PHONE_MESSAGE))


@pytest.mark.parametrize(
    "year",
    [
        rules.FOUNDING_YEAR_MIN - 1,
        rules.FOUNDING_YEAR_MIN,
        1977,
        rules.YEAR_MAX,
        rules.YEAR_MAX + 1,
    ],
)
def test_the_importer_bounds_founding_years_with_the_rules_constants(year):
    cleaned, message = cell_outcome(clean_year, str(year))

    if rules.FOUNDING_YEAR_MIN <= year <= rules.YEAR_MAX:
        assert (cleaned, message) == (year, None)
    else:
        # The message spells the bounds out (its translations depend on the text): it must
        # name the rules' constants.
        assert cleaned is None
        assert message == f"The year must be between {rules.FOUNDING_YEAR_MIN} and {rules.YEAR_MAX}."


COORDINATES = [
    ("-11.4275", "-74.4886"),  # Pangoa, inside Peru
    ("-74.4886", "-11.4275"),  # swapped
    ("40.1", "-3.7"),  # Madrid
    ("-0.04", "-81.33"),  # on the box's corner
    ("-11.4275", ""),
    ("", "-74.4886"),
    ("", ""),
]


@pytest.mark.parametrize("with_country", [True, False])
@pytest.mark.parametrize(("latitude", "longitude"), COORDINATES)
def test_the_importer_checks_coordinates_as_the_rules_do(latitude, longitude, with_country):
    header = ["flo_id", "latitude", "longitude"] + (["country"] if with_country else [])
    cleaner = RowCleaner(
        import_format=ImportFormat.ORGANIZATIONS,
        header=header,
        references=References(countries={"PE": PERU}, product_ids={}),
    )

    row = cleaner.clean(2, ["2145", latitude, longitude, "PE"][: len(header)])

    problem = rules.coordinates_problem(
        PERU if with_country else None,
        Decimal(latitude) if latitude else None,
        Decimal(longitude) if longitude else None,
    )
    messages = [error.message for error in row.errors]
    assert messages == ([problem] if problem else [])


@pytest.mark.django_db
@pytest.mark.parametrize("previous", [None, *Certification.Status.values])
@pytest.mark.parametrize("status", Certification.Status.values)
def test_an_imported_certificate_flags_the_membership_as_the_rules_say(previous, status):
    organization = OrganizationFactory(flo_id="2145")
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
    if previous is not None:
        Certification.objects.create(
            organization=organization, standard="spo", status=previous, cycle_end=datetime.date(2027, 1, 1)
        )
    columns = ["flo_id", "certification_standard", "certification_status", "cycle_end"]
    content = csv_bytes(
        [
            {
                "flo_id": "2145",
                "certification_standard": "spo",
                "certification_status": status,
                "cycle_end": "2027-01-01",
            }
        ],
        columns,
    )

    result = run_import(content, actor=staff_user(StaffRole.ADMIN, username="importer"))

    assert not result.errors
    membership = Membership.objects.get(organization=organization)
    if rules.certificate_change_flags(previous_status=previous, status=status):
        assert membership.review_requested_at is not None
        assert membership.review_reason == rules.certificate_flag_reason(
            Certification.Standard.SPO.label, Certification.Status(status).label
        )
    else:
        assert membership.review_requested_at is None
        assert membership.review_reason == ""
