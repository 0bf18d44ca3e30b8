"""factory_boy factories for the models every module's tests need."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from clac.models import User
from clac.roles import PortalRole
from communications.models import ExternalPartner
from members.models import (
    Affiliation,
    Certification,
    Country,
    Membership,
    Organization,
    Person,
    PortalAccess,
    Product,
    YearlyReport,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def roles(self, create: bool, extracted, **kwargs) -> None:
        """UserFactory(roles=["admin"]) puts the user in those staff groups."""
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


def staff_user(role: str, **kwargs) -> User:
    return UserFactory(roles=[role], **kwargs)


def country(code: str = "PE") -> Country:
    return Country.objects.get(code=code)


def product(code: str = "coffee") -> Product:
    return Product.objects.get(code=code)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Organization.Kind.SPO
    name = factory.Sequence(lambda n: f"Cooperativa Agraria Cafetalera {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} Ltda.")
    country = factory.LazyFunction(lambda: Country.objects.get(code="PE"))
    region = "Junín"
    locality = "Pichanaki"
    flo_id = factory.Sequence(lambda n: str(10000 + n))
    normalized_name = factory.LazyAttribute(lambda o: o.name.lower())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    status = Membership.Status.ACTIVE
    joined_on = datetime.date(2015, 3, 1)
    status_changed_on = datetime.date(2015, 3, 1)


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    organization = factory.SubFactory(OrganizationFactory)
    standard = Certification.Standard.SPO
    status = Certification.Status.CERTIFIED
    cycle_start = datetime.date(2024, 1, 1)
    cycle_end = datetime.date(2027, 1, 1)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@coop.example.org")
    phone = factory.Sequence(lambda n: f"+5198{n:07d}")
    preferred_language = "es"
    normalized_name = factory.LazyAttribute(lambda o: f"{o.last_name} {o.first_name}".lower())


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Affiliation.Role.MANAGER
    start_date = datetime.date(2020, 1, 1)


class PortalAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PortalAccess

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = PortalRole.EDITOR


class YearlyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = YearlyReport

    organization = factory.SubFactory(OrganizationFactory)
    year = 2025
    status = YearlyReport.Status.DRAFT
    members_total = 420
    members_women = 130
    members_youth = 60
    permanent_workers = 12
    hectares = Decimal("830.50")
    premium_amount = Decimal("95000.00")
    premium_currency = "USD"


class ExternalPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalPartner
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Fairtrade Partner {n}")
    kind = ExternalPartner.Kind.NFO


def aware(year: int, month: int = 1, day: int = 1) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 12, 0))
