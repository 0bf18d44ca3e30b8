"""Factories of the networks core (networks, memberships, bodies, mandates, seats). Each area's
own models get their factories in tests/networks/factories_<area>.py."""

import datetime

import factory

from members.models import ProductNetwork
from networks.models import Body, Mandate, Network, NetworkMembership, Seat
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory, country


class CountryNetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network
        skip_postgeneration_save = True

    kind = Network.Kind.COUNTRY
    name = factory.Sequence(lambda n: f"Red país {n}")

    @factory.post_generation
    def countries(self, create: bool, extracted, **kwargs) -> None:
        """CountryNetworkFactory(countries=["CR", "PA"]); Peru by default."""
        if create:
            self.countries.add(*[country(code) for code in (extracted or ["PE"])])


class ProductNetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network
        django_get_or_create = ("product_network",)

    kind = Network.Kind.PRODUCT
    product_network = ProductNetwork.COFFEE
    name = factory.LazyAttribute(lambda o: f"Red de {o.product_network}")


class WorkersNetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network
        django_get_or_create = ("kind",)

    kind = Network.Kind.WORKERS
    name = "Red de Trabajadores"


class NetworkMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkMembership

    network = factory.SubFactory(CountryNetworkFactory)
    organization = factory.SubFactory(OrganizationFactory)
    since = datetime.date(2020, 1, 1)


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    kind = Body.Kind.COORDINATING
    name = factory.Sequence(lambda n: f"Comité coordinador {n}")
    network = factory.SubFactory(CountryNetworkFactory)


class ClacBodyFactory(factory.django.DjangoModelFactory):
    """One of CLAC's own bodies (no network)."""

    class Meta:
        model = Body

    kind = Body.Kind.BOARD
    name = factory.Sequence(lambda n: f"Junta Directiva {n}")
    network = None


class MandateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mandate

    body = factory.SubFactory(BodyFactory)
    start = datetime.date(2022, 1, 1)
    end = datetime.date(2024, 12, 31)


class SeatFactory(factory.django.DjangoModelFactory):
    """A seat whose holder is affiliated to the organization they represent."""

    class Meta:
        model = Seat
        skip_postgeneration_save = True

    mandate = factory.SubFactory(MandateFactory)
    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Seat.Role.MEMBER
    term_start = factory.LazyAttribute(lambda o: o.mandate.start)
    term_end = factory.LazyAttribute(lambda o: o.mandate.end)

    @factory.post_generation
    def affiliated(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted is not False:
            AffiliationFactory(person=self.person, organization=self.organization)
