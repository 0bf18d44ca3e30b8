"""Factories of product strategies, needs and sustainability strategies."""

import datetime
from decimal import Decimal

import factory

from members.models import ProductNetwork
from networks.models import MarketTarget, Need, ProductStrategy, SustainabilityStrategy
from tests.factories import OrganizationFactory
from tests.networks.factories import CountryNetworkFactory, ProductNetworkFactory


class ProductStrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductStrategy

    network = factory.SubFactory(ProductNetworkFactory, product_network=ProductNetwork.COFFEE)
    title = factory.Sequence(lambda n: f"Estrategia {n}")
    start_year = factory.Sequence(lambda n: 2000 + n % 90)
    end_year = factory.LazyAttribute(lambda o: o.start_year + 2)
    goals = "Defender el precio mínimo\nAbrir mercados"
    strategic_lines = ["product_networks"]


class MarketTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketTarget

    strategy = factory.SubFactory(ProductStrategyFactory)
    market = "Alemania"
    target_value = Decimal("1000")
    unit = MarketTarget.Unit.LB
    year = factory.LazyAttribute(lambda o: o.strategy.start_year)


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    organization = factory.SubFactory(OrganizationFactory)
    network = None
    title = factory.Sequence(lambda n: f"Necesidad {n}")
    category = Need.Category.PRODUCTION
    priority = Need.Priority.MEDIUM
    priority_rank = 2
    description = "Necesitamos asistencia técnica."
    source = Need.Source.PORTAL


class SustainabilityStrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SustainabilityStrategy

    organization = factory.SubFactory(OrganizationFactory)
    supporting_network = factory.SubFactory(CountryNetworkFactory)
    status = SustainabilityStrategy.Status.ADOPTED
    areas = ["environmental", "gender"]
    adopted_on = datetime.date(2024, 6, 1)
