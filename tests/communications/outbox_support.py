"""Helpers of the outbox tests: campaigns with content in some languages, and recipients."""

import itertools

from django.utils import timezone

from communications.models import Audience, Campaign, CampaignContent
from communications.rendering import content_render
from members.models import Person

LANGUAGES = ("es", "en", "pt-br", "fr")
_numbers = itertools.count(1)

BODIES = {
    "es": ("Asamblea {n}", "Hola: la **asamblea** es el lunes. Ver [la agenda](https://clac.example.org/agenda)"),
    "en": ("Assembly {n}", "Hello: the **assembly** is on Monday. See [the agenda](https://clac.example.org/agenda)"),
    "pt-br": ("Assembleia {n}", "Olá: a **assembleia** é na segunda. Veja [a agenda](https://clac.example.org/agenda)"),
    "fr": (
        "Assemblée {n}",
        "Bonjour : l'**assemblée** est lundi. Voir [le programme](https://clac.example.org/agenda)",
    ),
}


def language_codes() -> list[str]:
    from django.conf import settings

    return [code for code, _ in settings.LANGUAGES]


def make_campaign(
    *,
    channel: str = Campaign.Channel.EMAIL,
    languages: tuple[str, ...] | None = None,
    fallback: str = "es",
    status: str = Campaign.Status.SCHEDULED,
    track_opens: bool = False,
    track_clicks: bool = False,
    audience: Audience | None = None,
) -> Campaign:
    number = next(_numbers)
    audience = audience or Audience.objects.create(name=f"Audience {number}")
    campaign = Campaign.objects.create(
        name=f"Campaign {number}",
        purpose="communication",
        channel=channel,
        audience=audience,
        fallback_language=fallback,
        status=status,
        scheduled_at=timezone.now() if status == Campaign.Status.SCHEDULED else None,
        track_opens=track_opens,
        track_clicks=track_clicks,
    )
    for language in languages if languages is not None else LANGUAGES:
        subject, body = BODIES[language]
        rendered = content_render(subject=subject.format(n=number), body_markdown=body)
        CampaignContent.objects.create(
            campaign=campaign,
            language=language,
            subject=rendered.subject,
            body_markdown=body,
            body_html=rendered.html,
            body_text=rendered.text,
        )
    return campaign


def people(count: int, *, languages: list[str] | None = None, domain: str = "coop.example.org") -> list[Person]:
    """`count` people, their languages cycling through `languages` (all by default)."""
    languages = languages or language_codes()
    start = next(_numbers) * 100_000
    return Person.objects.bulk_create(
        [
            Person(
                first_name=f"P{start + index}",
                last_name="Test",
                email=f"p{start + index}@{domain}",
                phone=f"+5198{(start + index) % 10_000_000:07d}",
                preferred_language=languages[index % len(languages)],
                normalized_name=f"test p{start + index}",
            )
            for index in range(count)
        ]
    )


def audience_members(
    count: int, *, languages: list[str] | None = None, channels: tuple[str, ...] = ("email",)
) -> tuple[Audience, list[Person]]:
    """An internal audience (no rules: every affiliated person) and `count` people of one
    organization who gave their consent on `channels` (test data, written in bulk)."""
    from members.models import Affiliation, Consent
    from tests.factories import OrganizationFactory

    organization = OrganizationFactory()
    persons = people(count, languages=languages)
    Affiliation.objects.bulk_create(
        [Affiliation(person=person, organization=organization, role=Affiliation.Role.MANAGER) for person in persons]
    )
    now = timezone.now()
    Consent.objects.bulk_create(
        [
            Consent(person=person, channel=channel, granted=True, given_at=now, method=Consent.Method.PAPER)
            for person in persons
            for channel in channels
        ]
    )
    audience = Audience.objects.create(name=f"Members {next(_numbers)}")
    return audience, persons
