"""The registry's rules (members.rules), tested directly: no database, plain values."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from members import rules
from members.models import E164_VALIDATOR, FLO_ID_VALIDATOR, Certification

TODAY = datetime.date(2025, 6, 15)


@dataclass
class Box:
    """A country's bounding box, as members.models.Country has it (here: Peru, roughly)."""

    min_latitude: Decimal = Decimal("-18.35")
    max_latitude: Decimal = Decimal("-0.04")
    min_longitude: Decimal = Decimal("-81.33")
    max_longitude: Decimal = Decimal("-68.65")

    def __str__(self) -> str:
        return "Peru"


@pytest.mark.parametrize("value", ["1", "2145", "9999999"])
def test_a_flo_id_of_one_to_seven_digits_is_valid(value):
    assert rules.flo_id_is_valid(value)


@pytest.mark.parametrize("value", ["", "12345678", "FLO2145", " 2145", "21.45", "\uff12\uff11\uff14\uff15"])
def test_a_flo_id_with_other_characters_or_more_digits_is_refused(value):
    assert not rules.flo_id_is_valid(value)


def test_the_model_validators_apply_the_same_rules():
    assert FLO_ID_VALIDATOR.regex.pattern == rules.FLO_ID_PATTERN
    assert E164_VALIDATOR.regex.pattern == rules.E164_PATTERN
    assert str(FLO_ID_VALIDATOR.message) == str(rules.FLO_ID_MESSAGE)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("+51 987-654-321", "+51987654321"),
        ("  +51 (987) 654 321 ", "+51987654321"),
        ("0051987654321", "+51987654321"),
        # Without a country code no + is invented (987… must not become an Iranian +98 number).
        ("987 654 321", "987654321"),
        ("00", "00"),
        ("", ""),
    ],
)
def test_phone_normalize_keeps_the_plus_and_the_digits(raw, normalized):
    assert rules.phone_normalize(raw) == normalized


@pytest.mark.parametrize("value", ["+51987654321", "+1876555123", "+5491112345678"])
def test_an_e164_phone_is_valid(value):
    assert rules.phone_is_valid(value)


@pytest.mark.parametrize("value", ["987654321", "+0987654321", "+51 987 654 321", "+12345", "+1234567890123456"])
def test_a_phone_not_in_e164_is_refused(value):
    assert not rules.phone_is_valid(value)


def test_a_phone_without_country_code_stays_invalid_after_normalizing():
    assert not rules.phone_is_valid(rules.phone_normalize("987 654 321"))
    assert rules.phone_is_valid(rules.phone_normalize("+51 987 654 321"))


def test_year_bounds_run_from_the_first_report_year_to_the_current_year():
    assert rules.year_bounds(TODAY) == (2000, 2025)
    assert rules.year_bounds(TODAY, first=rules.FOUNDING_YEAR_MIN) == (1850, 2025)


def test_a_report_on_a_year_that_has_not_started_is_refused():
    assert rules.report_year_problem(2025, TODAY) is None
    assert rules.report_year_problem(2026, TODAY) == "You cannot report on a year that has not started."


def test_founding_and_birth_years_cannot_be_in_the_future():
    assert rules.founding_year_problem(1977, TODAY) is None
    assert rules.founding_year_problem(2026, TODAY) == "The founding year cannot be in the future."
    assert rules.birth_year_problem(2025, TODAY) is None
    assert rules.birth_year_problem(2026, TODAY) == "The birth year cannot be in the future."


def test_coordinates_inside_the_country_have_no_problem():
    assert rules.coordinates_problem(Box(), Decimal("-11.1234"), Decimal("-75.5678")) is None
    assert rules.coordinates_inside(Box(), Decimal("-18.35"), Decimal("-68.65"))


def test_swapped_coordinates_fall_outside_the_country_and_say_so():
    problem = rules.coordinates_problem(Box(), Decimal("-75.5678"), Decimal("-11.1234"))

    assert problem == ("These coordinates fall outside Peru. Check that latitude and longitude are not swapped.")


def test_only_one_coordinate_is_a_problem_even_without_a_country():
    expected = "Give both latitude and longitude, or neither."
    assert rules.coordinates_problem(Box(), Decimal("-11.1"), None) == expected
    assert rules.coordinates_problem(None, None, Decimal("-75.5")) == expected


def test_no_coordinates_or_no_country_is_no_problem():
    assert rules.coordinates_problem(Box(), None, None) is None
    assert rules.coordinates_problem(None, Decimal("50"), Decimal("50")) is None


def test_coordinates_given_as_floats_are_compared_as_decimals():
    assert rules.coordinates_problem(Box(), -11.5, -75.0) is None
    assert rules.coordinates_problem(Box(), 11.5, -75.0) is not None


@pytest.mark.parametrize(
    ("status", "flags"),
    [
        (Certification.Status.SUSPENDED, True),
        (Certification.Status.DECERTIFIED, True),
        (Certification.Status.CERTIFIED, False),
        (Certification.Status.PERMISSION_TO_TRADE, False),
        (Certification.Status.APPLICANT, False),
    ],
)
def test_only_a_suspended_or_withdrawn_certificate_flags_the_membership(status, flags):
    assert rules.certificate_status_flags(status) is flags
    assert (status in Certification.FLAGGING_STATUSES) is flags


def test_only_a_change_into_a_flagging_status_flags_again():
    suspended = Certification.Status.SUSPENDED
    assert rules.certificate_change_flags(previous_status=None, status=suspended)
    assert rules.certificate_change_flags(previous_status=Certification.Status.CERTIFIED, status=suspended)
    assert not rules.certificate_change_flags(previous_status=suspended, status=suspended)
    assert not rules.certificate_change_flags(previous_status=suspended, status=Certification.Status.CERTIFIED)


def test_the_flag_reason_names_the_standard_and_the_status():
    reason = rules.certificate_flag_reason("Small Producer Organizations", "Suspended")

    assert reason == "Certificate (Small Producer Organizations) is now Suspended."
