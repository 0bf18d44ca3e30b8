"""Factories of the meetings area: meetings, attendance, agreements, follow-up actions."""

import datetime

import factory
from django.utils import timezone

from networks.models import Agreement, FollowUpAction, Meeting, MeetingAttendance
from tests.factories import OrganizationFactory, PersonFactory
from tests.networks.factories import CountryNetworkFactory


def days_from_now(days: int, hour: int = 10) -> datetime.datetime:
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


class MeetingFactory(factory.django.DjangoModelFactory):
    """A held network meeting a month ago, in person. MeetingFactory(body=..., network=None)
    for a body's meeting."""

    class Meta:
        model = Meeting

    network = factory.SubFactory(CountryNetworkFactory)
    body = None
    title = factory.Sequence(lambda n: f"Reunión {n}")
    starts_at = factory.LazyFunction(lambda: days_from_now(-30))
    modality = Meeting.Modality.IN_PERSON
    place = "Lima"
    agenda = "1. Apertura\n2. Informe"
    minutes = "## Acta\n\nSe aprueba el informe."
    status = Meeting.Status.HELD


class PlannedMeetingFactory(MeetingFactory):
    starts_at = factory.LazyFunction(lambda: days_from_now(14))
    minutes = ""
    status = Meeting.Status.PLANNED


class MeetingAttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingAttendance

    meeting = factory.SubFactory(MeetingFactory)
    organization = factory.SubFactory(OrganizationFactory)
    person = None
    present = True


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    meeting = factory.SubFactory(MeetingFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = "Aprobar el informe."


class FollowUpActionFactory(factory.django.DjangoModelFactory):
    """An open action owned by a person, due in two weeks."""

    class Meta:
        model = FollowUpAction

    agreement = factory.SubFactory(AgreementFactory)
    description = "Enviar el acta a las organizaciones."
    owner_person = factory.SubFactory(PersonFactory)
    owner_user = None
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    status = FollowUpAction.Status.OPEN
    completed_on = None
