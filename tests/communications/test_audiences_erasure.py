"""Erasing a person blanks the addresses their campaign messages kept; the rows (and the
campaign's counts) stay."""

import pytest

from communications.models import Audience, Campaign, Message
from members.services import person_erase
from tests.factories import PersonFactory, staff_user

pytestmark = pytest.mark.django_db


def test_erasing_a_person_blanks_their_message_addresses_and_keeps_the_rows():
    campaign = Campaign.objects.create(name="News", purpose="trade", audience=Audience.objects.create(name="All"))
    person, other = PersonFactory(), PersonFactory()
    Message.objects.create(campaign=campaign, person=person, channel="email", address="rosa@x.org", language="es")
    Message.objects.create(campaign=campaign, person=other, channel="email", address="ana@x.org", language="es")

    person_erase(actor=staff_user("admin"), person=person, reason="email of 3 March")

    assert Message.objects.get(person=person).address == ""
    assert Message.objects.get(person=other).address == "ana@x.org"
    assert campaign.messages.count() == 2
