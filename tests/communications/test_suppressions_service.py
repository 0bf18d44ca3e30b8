"""suppression_record and suppression_remove: idempotent, validated, with history."""

import pytest
from django.core.exceptions import ValidationError

from communications.models import Suppression
from communications.services.suppressions import suppression_record, suppression_remove
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def test_recording_an_address_twice_keeps_the_first_reason():
    first = suppression_record(channel="email", address=" Rosa@Coop.Example.org ", reason="hard_bounce")

    again = suppression_record(channel="email", address="rosa@coop.example.org", reason="complaint")

    assert again.pk == first.pk
    assert Suppression.objects.get().reason == "hard_bounce"
    assert Suppression.objects.get().address == "rosa@coop.example.org"


def test_the_same_address_on_another_channel_is_another_row():
    suppression_record(channel="sms", address="+51987000111", reason="manual", detail="asked by phone")
    suppression_record(channel="whatsapp", address="+51987000111", reason="manual", detail="asked by phone")

    assert Suppression.objects.count() == 2


@pytest.mark.parametrize(
    ("channel", "address", "reason", "field"),
    [
        ("fax", "a@b.org", "manual", "channel"),
        ("email", "a@b.org", "forgot", "reason"),
        ("email", "not-an-email", "manual", "address"),
        ("sms", "0987 000", "manual", "address"),
        ("email", "", "manual", "address"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_saved(channel, address, reason, field):
    with pytest.raises(ValidationError) as error:
        suppression_record(channel=channel, address=address, reason=reason)

    assert field in error.value.message_dict
    assert not Suppression.objects.exists()


def test_staff_block_and_unblock_leave_history_with_who_and_why():
    admin = staff_user("communications")
    row = suppression_record(channel="email", address="a@b.org", reason="manual", detail="asked", actor=admin)

    suppression_remove(suppression=row, actor=admin, reason="asked to receive news again")

    assert not Suppression.objects.exists()
    history = list(Suppression.history.order_by("history_id"))
    assert [h.history_type for h in history] == ["+", "-"]
    assert history[0].history_user == admin
    assert history[1].history_change_reason == "asked to receive news again"


def test_unblocking_needs_a_reason():
    row = suppression_record(channel="email", address="a@b.org", reason="manual")

    with pytest.raises(ValidationError):
        suppression_remove(suppression=row, actor=None, reason=" ")

    assert Suppression.objects.count() == 1
