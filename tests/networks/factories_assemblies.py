"""Factories of the assemblies area: sessions, delegates, motions, and a ready General Assembly."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from members.models import Membership
from networks.models import AssemblySession, Body, Delegate, Motion
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory, PersonFactory, country
from tests.networks.factories import ClacBodyFactory


class GeneralAssemblyBodyFactory(ClacBodyFactory):
    class Meta:
        model = Body
        django_get_or_create = ("kind",)

    kind = Body.Kind.GENERAL_ASSEMBLY
    name = "Asamblea General"


class AssemblySessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssemblySession

    body = factory.SubFactory(GeneralAssemblyBodyFactory)
    title = factory.Sequence(lambda n: f"Asamblea General {2020 + n}")
    starts_on = datetime.date(2026, 10, 14)
    ends_on = datetime.date(2026, 10, 16)
    place = "Lima"
    status = AssemblySession.Status.PREPARING
    quorum_percent = Decimal("50.00")


class DelegateFactory(factory.django.DjangoModelFactory):
    """A delegate of an active member, affiliated to the organization, representing its country."""

    class Meta:
        model = Delegate
        skip_postgeneration_save = True

    session = factory.SubFactory(AssemblySessionFactory)
    organization = factory.SubFactory(OrganizationFactory)
    person = factory.SubFactory(PersonFactory)
    country = factory.LazyFunction(lambda: country("PE"))
    votes = 1
    status = Delegate.Status.DESIGNATED
    designated_at = factory.LazyFunction(timezone.now)
    accredited_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == Delegate.Status.ACCREDITED else None)

    @factory.post_generation
    def affiliated(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted is not False:
            AffiliationFactory(person=self.person, organization=self.organization)


class MotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Motion

    session = factory.SubFactory(AssemblySessionFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Moción {n}")


def member_with_person(**organization_fields):
    """An active CLAC member with one person currently serving it: (organization, person)."""
    organization = OrganizationFactory(**organization_fields)
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
    person = PersonFactory()
    AffiliationFactory(person=person, organization=organization)
    return organization, person
