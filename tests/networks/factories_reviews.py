"""Factories and helpers of the reviews area: a review of a product led by its network, rounds,
invitations and answers (bulk inserts for the aggregation tests)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from members.models import ExchangeRate, Organization, Product
from networks.models import (
    ConsultationInvitation,
    ConsultationResponse,
    ConsultationRound,
    PriceReference,
    Review,
    ReviewEvent,
)
from tests.networks.factories import ProductNetworkFactory


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review
        skip_postgeneration_save = True

    product = factory.LazyFunction(lambda: Product.objects.get(code="coffee"))
    network = factory.LazyAttribute(lambda o: ProductNetworkFactory(product_network=o.product.network))
    kind = Review.Kind.PRICE
    title = factory.Sequence(lambda n: f"Revisión de precios {n}")
    stage = Review.Stage.CONSULTATION
    stage_since = datetime.date(2022, 12, 1)

    @factory.post_generation
    def events(self, create: bool, extracted, **kwargs) -> None:
        if create:
            ReviewEvent.objects.create(review=self, to_stage=self.stage, effective_on=self.stage_since)


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationRound

    review = factory.SubFactory(ReviewFactory)
    title = factory.Sequence(lambda n: f"Ronda {n}")
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10))
    open_questions = factory.LazyFunction(lambda: ["¿Qué costos subieron más?"])


def invite(round_: ConsultationRound, *organizations: Organization) -> None:
    ConsultationInvitation.objects.bulk_create(
        [ConsultationInvitation(round=round_, organization=o, invited_at=timezone.now()) for o in organizations]
    )


def answer(
    round_: ConsultationRound,
    organization: Organization,
    total: str | Decimal,
    *,
    currency: str = "USD",
    volume: str | Decimal | None = None,
    status: str = ConsultationResponse.Status.SUBMITTED,
    labour: str | Decimal | None = None,
) -> ConsultationResponse:
    """A submitted answer whose total is `total` (all of it labour unless `labour` is given; the
    rest then goes to inputs)."""
    total = Decimal(total)
    labour_value = Decimal(labour) if labour is not None else total
    return ConsultationResponse.objects.create(
        round=round_,
        organization=organization,
        status=status,
        currency=currency,
        cost_labour=labour_value,
        cost_inputs=total - labour_value if labour is not None else None,
        cost_total=total,
        volume=Decimal(volume) if volume is not None else None,
        submitted_at=timezone.now() if status == ConsultationResponse.Status.SUBMITTED else None,
    )


def rate(currency: str, on: datetime.date, usd_per_unit: str) -> ExchangeRate:
    return ExchangeRate.objects.create(currency=currency, date=on, usd_per_unit=Decimal(usd_per_unit))


class PriceReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceReference

    product = factory.LazyFunction(lambda: Product.objects.get(code="coffee"))
    kind = PriceReference.Kind.DECISION
    minimum_price = Decimal("1.40")
    premium = Decimal("0.20")
    unit = "lb"
    currency = "USD"
    effective_from = datetime.date(2011, 4, 1)
