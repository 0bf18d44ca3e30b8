"""The demo's partner contacts, audiences and suppression list: Fairtrade International, about
twenty National Fairtrade Organizations, the other Producer Networks (Fairtrade Africa, NAPP),
public and private partners, each with one to three contacts and their consents; saved
audiences that show both people who may be reached and people skipped (the registry demo seeds
consents: most people gave email consent, some withdrew it, some were never asked); and a few
addresses on the suppression list. Everything goes through the services (history rows)."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from clac.plugins import DemoContext, DemoReport
from communications.models import Audience, ExternalPartner, PartnerContact, Suppression
from communications.services.audiences import audience_create
from communications.services.partner_contacts import partner_contact_create
from communications.services.partners import external_partner_create
from communications.services.suppressions import suppression_record
from members.models import Consent, Country, Person, Product
from networks.models import Network

Kind = ExternalPartner.Kind

# name, kind, country, website, contact language. Fairtrade International and Fairtrade
# Deutschland come from communications.demo.partners (with the API key).
PARTNERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("Fairtrade Africa", Kind.PRODUCER_NETWORK, "KE", "https://fairtradeafrica.net/", "en"),
    ("Network of Asia & Pacific Producers (NAPP)", Kind.PRODUCER_NETWORK, "IN", "https://www.fairtradenapp.org/", "en"),
    ("Fairtrade Austria", Kind.NFO, "AT", "https://www.fairtrade.at/", "en"),
    ("Fairtrade Belgium", Kind.NFO, "BE", "https://www.fairtradebelgium.be/", "fr"),
    ("Fairtrade Canada", Kind.NFO, "CA", "https://fairtrade.ca/", "en"),
    ("Fairtrade Czechia & Slovakia", Kind.NFO, "CZ", "https://www.fairtrade-cesko.cz/", "en"),
    ("Fairtrade Danmark", Kind.NFO, "DK", "https://fairtrade.dk/", "en"),
    ("Fairtrade Finland", Kind.NFO, "FI", "https://reilukauppa.fi/", "en"),
    ("Max Havelaar France", Kind.NFO, "FR", "https://www.maxhavelaarfrance.org/", "fr"),
    ("Fairtrade Ireland", Kind.NFO, "IE", "https://www.fairtrade.ie/", "en"),
    ("Fairtrade Italia", Kind.NFO, "IT", "https://www.fairtrade.it/", "en"),
    ("Fairtrade Japan", Kind.NFO, "JP", "https://www.fairtrade-jp.org/", "en"),
    ("Fairtrade Nederland", Kind.NFO, "NL", "https://www.fairtrade.nl/", "en"),
    ("Fairtrade Norge", Kind.NFO, "NO", "https://www.fairtrade.no/", "en"),
    ("Fairtrade Ibérica", Kind.NFO, "ES", "https://www.sellocomerciojusto.org/", "es"),
    ("Fairtrade Sverige", Kind.NFO, "SE", "https://fairtrade.se/", "en"),
    ("Max Havelaar Schweiz", Kind.NFO, "CH", "https://www.maxhavelaar.ch/", "fr"),
    ("Fairtrade Foundation", Kind.NFO, "GB", "https://www.fairtrade.org.uk/", "en"),
    ("Fairtrade America", Kind.NFO, "US", "https://www.fairtradeamerica.org/", "en"),
    ("Fairtrade Australia & New Zealand", Kind.NFO, "AU", "https://www.fairtrade.org.au/", "en"),
    ("Fairtrade Korea", Kind.NFO, "KR", "https://www.fairtradekorea.org/", "en"),
    ("Comercio Justo México", Kind.NFO, "MX", "https://comerciojusto.com.mx/", "es"),
    ("Ministerio de Desarrollo Agrario y Riego del Perú", Kind.PUBLIC, "PE", "https://www.gob.pe/midagri", "es"),
    (
        "Agencia Presidencial de Cooperación Internacional de Colombia",
        Kind.PUBLIC,
        "CO",
        "https://www.apccolombia.gov.co/",
        "es",
    ),
    ("Cooperativa de Tostadores del Sur", Kind.PRIVATE, "ES", "", "es"),
    ("Importadora Café Justo GmbH", Kind.PRIVATE, "DE", "", "en"),
)
EXISTING_PARTNERS = ("Fairtrade International", "Fairtrade Deutschland")
PARTNER_NAMES = tuple(p[0] for p in PARTNERS)

FIRST_NAMES = ("Anna", "Jonas", "Marie", "Lucas", "Sofia", "David", "Amina", "Kwame", "Priya", "Emma", "Lars",
               "Claire", "Hiroshi", "Laura", "Pablo", "Grace", "Tomás", "Ingrid", "Noah", "Valentina")  # fmt: skip
LAST_NAMES = ("Müller", "Dubois", "Okafor", "Sharma", "Jensen", "García", "Rossi", "Tanaka", "Nielsen", "Murphy",
              "Kowalski", "Mensah", "Svensson", "López", "Brown", "Keller", "Peeters", "Virtanen")  # fmt: skip
POSITIONS = ("Producer relations manager", "Head of supply chains", "Campaigns officer", "Executive director",
             "Coffee and cocoa lead", "Communications officer")  # fmt: skip
METHODS = (
    "Signed form at the Fairtrade General Assembly",
    "Email reply to the CLAC newsletter invitation",
    "Registration form of the Producer Networks meeting",
    "Verbal, at the CLAC assembly; confirmed by email",
)


def audiences_spec(workers: list[Network], peru: Country | None, coffee: Product | None) -> list[dict]:
    """The demo audiences (the rule values the registry demo holds)."""
    return [
        {
            "name": "Coffee SPO managers in Peru",
            "description": "Managers of small producer organizations that trade coffee, in Peru.",
            "organization_kinds": ["spo"],
            "countries": [peru] if peru else [],
            "products": [coffee] if coffee else [],
            "affiliation_roles": ["manager"],
        },
        {
            "name": "All legal representatives, Spanish",
            "description": "Legal representatives of every member organization who read Spanish.",
            "affiliation_roles": ["legal_representative"],
            "languages": ["es"],
        },
        {
            "name": "Workers network delegates",
            "description": "Delegates and worker representatives of the organizations in the workers network.",
            "networks": workers,
            "affiliation_roles": ["delegate", "worker_representative"],
        },
        {
            "name": "Primary contacts of active members",
            "description": "One person per active member organization, for the yearly assembly call.",
            "membership_statuses": ["active"],
            "primary_contacts_only": True,
        },
        {
            "name": "NFOs (external)",
            "description": "Contacts at the NFOs in Europe, North America, Asia and Oceania.",
            "scope": Audience.Scope.EXTERNAL,
            "partner_kinds": ["nfo"],
        },
        {
            "name": "Fairtrade system partners (external)",
            "description": "Fairtrade International and the other Producer Networks.",
            "scope": Audience.Scope.EXTERNAL,
            "partner_kinds": ["fi", "producer_network"],
        },
    ]


AUDIENCE_NAMES = tuple(a["name"] for a in audiences_spec([], None, None))
DEMO_DETAIL = "Demo: "


def is_empty() -> tuple[bool, str]:
    if Audience.objects.filter(name__in=AUDIENCE_NAMES).exists():
        return False, "the demo audiences"
    if ExternalPartner.objects.filter(name__in=PARTNER_NAMES).exists():
        return False, "the demo partners of the audiences"
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    counts: dict[str, int] = {}
    Audience.history.filter(name__in=AUDIENCE_NAMES).delete()
    _n, deleted = Audience.objects.filter(name__in=AUDIENCE_NAMES).delete()
    counts.update(deleted)
    partners = ExternalPartner.objects.filter(name__in=(*PARTNER_NAMES, *EXISTING_PARTNERS))
    PartnerContact.history.filter(partner_id__in=partners.values("pk")).delete()
    _n, deleted = PartnerContact.objects.filter(partner__in=partners).delete()
    counts.update(deleted)
    ExternalPartner.history.filter(name__in=PARTNER_NAMES).delete()
    _n, deleted = ExternalPartner.objects.filter(name__in=PARTNER_NAMES).delete()
    counts.update(deleted)
    Suppression.history.filter(detail__startswith=DEMO_DETAIL).delete()
    _n, deleted = Suppression.objects.filter(detail__startswith=DEMO_DETAIL).delete()
    counts.update(deleted)
    return counts


def _contacts(rng: random.Random, partner: ExternalPartner, language: str, actor, now: datetime.datetime) -> int:
    domain = (partner.website.split("//")[-1].split("/")[0].removeprefix("www.")) or "partner.example.org"
    made = 0
    for _ in range(rng.randint(1, 3)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}".lower().replace("ü", "u").replace("á", "a").replace("ó", "o").replace("í", "i")
        roll = rng.random()
        consent_at = now - datetime.timedelta(days=rng.randint(20, 900)) if roll < 0.75 else None
        whatsapp_at = consent_at if consent_at and rng.random() < 0.3 else None
        partner_contact_create(
            actor=actor,
            partner=partner,
            name=f"{first} {last}",
            position=rng.choice(POSITIONS),
            email=f"{email}@{domain}" if rng.random() < 0.95 else "",
            phone=f"+4915{rng.randint(10000000, 99999999)}" if whatsapp_at else "",
            preferred_language=language,
            email_consent_at=consent_at,
            whatsapp_consent_at=whatsapp_at,
            consent_method=rng.choice(METHODS) if consent_at else "",
        )
        made += 1
    return made


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    rng = random.Random(f"{ctx.seed}:communications.audiences")
    actor = (ctx.shared.get("staff_users") or {}).get("communications") or ctx.shared.get("admin")
    now = timezone.now()
    contacts = 0
    for name, kind, country, website, language in PARTNERS:
        partner = external_partner_create(name=name, kind=kind, country=country, website=website)
        contacts += _contacts(rng, partner, language, actor, now)
    for partner in ExternalPartner.objects.filter(name__in=EXISTING_PARTNERS):
        contacts += _contacts(rng, partner, "en", actor, now)

    workers = list(Network.objects.filter(kind=Network.Kind.WORKERS))
    specs = audiences_spec(
        workers, Country.objects.filter(code="PE").first(), Product.objects.filter(code="coffee").first()
    )
    for spec in specs:
        audience_create(actor=actor, **spec)

    # A few addresses on the suppression list: a bounce, a complaint, an unsubscribe (whose
    # consent is withdrawn too) among people who gave email consent, and a manual block.
    consenting = list(
        Person.objects.filter(consents__channel=Consent.Channel.EMAIL, consents__granted=True)
        .exclude(email="")
        .order_by("id")
        .values_list("email", flat=True)[:40]
    )
    suppressed = 0
    for email, reason, detail in zip(
        rng.sample(consenting, min(3, len(consenting))),
        (Suppression.Reason.HARD_BOUNCE, Suppression.Reason.COMPLAINT, Suppression.Reason.MANUAL),
        (
            "mailbox does not exist (550 5.1.1)",
            "marked as spam in the mail program",
            "asked by phone not to be written to",
        ),
        strict=False,
    ):
        suppression_record(channel="email", address=email, reason=reason, detail=DEMO_DETAIL + detail, actor=actor)
        suppressed += 1
    return DemoReport(
        counts={
            "partners (audiences demo)": len(PARTNERS),
            "partner contacts": contacts,
            "audiences": len(specs),
            "suppressed addresses": suppressed,
        }
    )
