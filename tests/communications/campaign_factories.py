"""Factories of the campaigns tests: audiences (rows made directly, the audiences' services are
another area's), campaigns with content in some languages, and outbox rows in any state."""

import itertools

import factory
from django.utils import timezone

from clac.strategic_lines import StrategicLine
from communications.models import Audience, Campaign, CampaignContent, Message
from communications.rendering import content_render

_counter = itertools.count()


class AudienceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Audience

    name = factory.Sequence(lambda n: f"Gerentes de cooperativas {n}")
    scope = Audience.Scope.INTERNAL


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Convocatoria {n}")
    purpose = StrategicLine.COMMUNICATION
    channel = Campaign.Channel.EMAIL
    audience = factory.SubFactory(AudienceFactory)
    fallback_language = "es"


def add_content(campaign: Campaign, language: str, body: str, subject: str = "") -> CampaignContent:
    rendered = content_render(subject=subject, body_markdown=body)
    return CampaignContent.objects.create(
        campaign=campaign,
        language=language,
        subject=rendered.subject,
        body_markdown=rendered.text,
        body_html=rendered.html,
        body_text=rendered.text,
    )


def sent_campaign(**fields) -> Campaign:
    fields.setdefault("status", Campaign.Status.SENT)
    fields.setdefault("sent_at", timezone.now())
    return CampaignFactory.create(**fields)


def messages(campaign: Campaign, count: int, **fields) -> list[Message]:
    """`count` outbox rows (no person: statistics only read the rows' own columns)."""
    fields.setdefault("channel", campaign.channel)
    fields.setdefault("language", "es")
    rows = [Message(campaign=campaign, address=f"r{next(_counter)}@coop.example.org", **fields) for _ in range(count)]
    return Message.objects.bulk_create(rows)
