"""The demo's campaigns: the call to the 2026 General Assembly, sent by email to the network's
managers and legal representatives, with an outbox row per recipient in every state (delivered,
opened, clicked, bounced, failed, unsubscribed, skipped for consent or suppression) across the
four languages and every country, so its statistics page is full; a newsletter scheduled next
week; a draft SMS reminder; and two portal announcements every member organization sees (one
already read by the Pangoa portal user, one new).

Recipients come from the audiences' live resolution (audience_recipients), so addresses,
languages and countries are the registry's own. Campaigns and their content are written through
the services by the demo communications officer; the outbox rows are inserted in bulk (Message
is not audited), like the dispatcher does."""

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from clac.models import User
from clac.plugins import DemoContext, DemoReport
from clac.roles import StaffRole
from clac.strategic_lines import StrategicLine
from communications.models import AnnouncementRead, Audience, Campaign, Message
from communications.selectors.audiences import audience_recipients
from communications.services import campaigns as services
from communications.services.campaigns import ContentInput

BATCH_SIZE = 2000
S = Message.Status

ASSEMBLY = "Convocatoria: Asamblea General CLAC 2026"
NEWSLETTER = "Boletín CLAC — revisión de precios del cacao"
SMS_REMINDER = "Recordatorio SMS: informe anual 2025"
ANNOUNCEMENT = "Portal: inscripción de delegados a la Asamblea 2026"
OLD_ANNOUNCEMENT = "Portal: nuevo portal de miembros"
CAMPAIGN_NAMES = (ASSEMBLY, NEWSLETTER, SMS_REMINDER, ANNOUNCEMENT, OLD_ANNOUNCEMENT)

# Audiences this seeder creates when the audiences demo has not (matched by name).
MANAGERS_AUDIENCE = "Demo campañas: gerentes y representantes legales"
ALL_ORGANIZATIONS_AUDIENCE = "Demo campañas: todas las organizaciones"
AUDIENCE_NAMES = (MANAGERS_AUDIENCE, ALL_ORGANIZATIONS_AUDIENCE)

ASSEMBLY_CONTENT = {
    "es": ContentInput(
        "Convocatoria: Asamblea General CLAC 2026",
        "Estimadas organizaciones socias:\n\n"
        "La Junta Directiva convoca a la **Asamblea General Ordinaria 2026**, que se realizará en "
        "**Lima, Perú, del 12 al 14 de mayo de 2026**.\n\n"
        "## Agenda\n\n"
        "- Informe de gestión 2023-2025\n"
        "- Aprobación del Plan Estratégico 2027-2029\n"
        "- Elección de la Junta Directiva y del Comité de Vigilancia\n\n"
        "Cada red de país acredita a sus delegadas y delegados hasta el **15 de abril**. "
        "Más información en el [portal de miembros](https://clac-comerciojusto.org/).",
    ),
    "en": ContentInput(
        "Notice: CLAC General Assembly 2026",
        "Dear member organizations,\n\n"
        "The Board calls the **2026 Ordinary General Assembly**, to be held in "
        "**Lima, Peru, on 12-14 May 2026**.\n\n"
        "## Agenda\n\n"
        "- Management report 2023-2025\n"
        "- Approval of the 2027-2029 Strategic Plan\n"
        "- Election of the Board and the Oversight Committee\n\n"
        "Each country network accredits its delegates by **15 April**.",
    ),
    "pt-br": ContentInput(
        "Convocação: Assembleia Geral CLAC 2026",
        "Prezadas organizações associadas,\n\n"
        "A Diretoria convoca a **Assembleia Geral Ordinária 2026**, em **Lima, Peru, de 12 a 14 de "
        "maio de 2026**.\n\n"
        "Cada rede de país credencia seus delegados até **15 de abril**.",
    ),
    "fr": ContentInput(
        "Convocation : Assemblée générale de la CLAC 2026",
        "Chères organisations membres,\n\n"
        "Le Conseil d'administration convoque l'**Assemblée générale ordinaire 2026**, à **Lima "
        "(Pérou), du 12 au 14 mai 2026**.\n\n"
        "Chaque réseau national accrédite ses délégués avant le **15 avril**.",
    ),
}
NEWSLETTER_CONTENT = {
    "es": ContentInput(
        "Boletín CLAC: resultados de la revisión de precios del cacao",
        "La consulta sobre costos de producción del cacao cerró con la participación de "
        "**312 organizaciones**. En este boletín, los resultados por país y los próximos pasos "
        "ante el Comité de Normas de Fairtrade International.",
    ),
    "en": ContentInput(
        "CLAC newsletter: cocoa price review results",
        "The cocoa cost of production consultation closed with **312 organizations** taking part. "
        "Results by country and the next steps before Fairtrade International's Standards Committee.",
    ),
}
SMS_CONTENT = {
    "es": ContentInput(
        "", "CLAC: recuerde enviar el informe anual 2025 de su organizacion en el portal antes del 31/03."
    ),
    "pt-br": ContentInput("", "CLAC: lembre-se de enviar o relatorio anual 2025 no portal ate 31/03."),
}
ANNOUNCEMENT_CONTENT = {
    "es": ContentInput(
        "Inscripción de delegados a la Asamblea 2026",
        "Ya puede registrar a las personas delegadas de su organización para la **Asamblea General "
        "2026** (Lima, 12-14 de mayo). Hable con el coordinador de su red de país antes del "
        "**15 de abril**.",
    ),
    "en": ContentInput(
        "Delegate registration for the 2026 Assembly",
        "You can now register your organization's delegates to the **2026 General Assembly** "
        "(Lima, 12-14 May). Contact your country network's coordinator by **15 April**.",
    ),
    "pt-br": ContentInput(
        "Inscrição de delegados para a Assembleia 2026",
        "Já é possível inscrever os delegados da sua organização para a **Assembleia Geral 2026** "
        "(Lima, 12-14 de maio).",
    ),
    "fr": ContentInput(
        "Inscription des délégués à l'Assemblée 2026",
        "Vous pouvez inscrire dès maintenant les délégués de votre organisation à l'**Assemblée "
        "générale 2026** (Lima, 12-14 mai).",
    ),
}
OLD_ANNOUNCEMENT_CONTENT = {
    "es": ContentInput(
        "Bienvenidos al portal de miembros",
        "Desde este portal su organización mantiene su perfil y contactos, presenta el informe anual "
        "y responde las consultas de precios. Escríbanos si algo no funciona.",
    ),
    "en": ContentInput(
        "Welcome to the member portal",
        "From this portal your organization keeps its profile and contacts, submits its yearly "
        "report and answers price consultations.",
    ),
}


def is_empty() -> tuple[bool, str]:
    if Campaign.objects.filter(name__in=CAMPAIGN_NAMES).exists():
        return False, "the demo campaigns"
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    campaigns = Campaign.objects.filter(name__in=CAMPAIGN_NAMES)
    ids = list(campaigns.values_list("pk", flat=True))
    Campaign.history.filter(id__in=ids).delete()
    _total, deleted = campaigns.delete()
    counts = dict(deleted)
    unused = Audience.objects.filter(name__in=AUDIENCE_NAMES, campaigns__isnull=True)
    Audience.history.filter(id__in=list(unused.values_list("pk", flat=True))).delete()
    _total, deleted_audiences = unused.delete()
    for label, count in deleted_audiences.items():
        counts[label] = counts.get(label, 0) + count
    return counts


def _audiences() -> tuple[Audience, Audience]:
    from members.models import Affiliation

    managers, _created = Audience.objects.get_or_create(
        name=MANAGERS_AUDIENCE,
        defaults={
            "description": "Gerentes y representantes legales de todas las organizaciones de la red.",
            "affiliation_roles": [Affiliation.Role.MANAGER, Affiliation.Role.LEGAL_REPRESENTATIVE],
        },
    )
    everyone, _created = Audience.objects.get_or_create(
        name=ALL_ORGANIZATIONS_AUDIENCE,
        defaults={"description": "Todas las organizaciones miembro (anuncios del portal)."},
    )
    return managers, everyone


def _officer(ctx: DemoContext) -> User:
    staff = ctx.shared.get("staff_users") or {}
    officer = staff.get(StaffRole.COMMUNICATIONS)
    if officer is None:
        officer = User.objects.filter(groups__name=StaffRole.COMMUNICATIONS).first() or ctx.shared.get("admin")
    if officer is None:
        raise RuntimeError("The campaigns demo needs the members demo's staff users.")
    return officer


def _campaign(
    officer: User, *, name: str, channel: str, audience: Audience, contents: dict[str, ContentInput], **options
) -> Campaign:
    campaign = services.campaign_create(
        actor=officer,
        name=name,
        purpose=options.pop("purpose", StrategicLine.COMMUNICATION),
        channel=channel,
        audience=audience,
        **options,
    )
    services.campaign_contents_save(actor=officer, campaign=campaign, contents=contents)
    return campaign


def _mark_sent(campaign: Campaign, sent_at: datetime.datetime) -> None:
    """What the dispatcher would have done (scheduled → sending → sent), at a past moment."""
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.SENT,
        scheduled_at=sent_at,
        sending_started_at=sent_at,
        sent_at=sent_at + datetime.timedelta(minutes=7),
    )


def _outcome(rng: random.Random, sent_at: datetime.datetime) -> dict[str, Any]:
    """One sendable recipient's fate, with realistic shares for a network on rural connections."""
    at = sent_at + datetime.timedelta(minutes=rng.randint(1, 40))
    draw = rng.random()
    if draw < 0.025:
        return {"status": S.BOUNCED, "sent_at": at, "bounced_at": at, "error": "550 5.1.1 mailbox unavailable"}
    if draw < 0.04:
        return {"status": S.FAILED, "error": "SMTP timeout after 3 attempts", "attempts": 3}
    if draw < 0.12:
        return {"status": S.SENT, "sent_at": at}
    fields: dict[str, Any] = {"status": S.DELIVERED, "sent_at": at, "delivered_at": at + datetime.timedelta(seconds=20)}
    if rng.random() < 0.46:
        fields["opened_at"] = at + datetime.timedelta(hours=rng.randint(1, 96))
        if rng.random() < 0.28:
            fields["clicked_at"] = fields["opened_at"] + datetime.timedelta(minutes=rng.randint(1, 30))
        if rng.random() < 0.02:
            fields["unsubscribed_at"] = fields["opened_at"] + datetime.timedelta(minutes=2)
    return fields


def _messages(rng: random.Random, campaign: Campaign, sent_at: datetime.datetime, languages: set[str]) -> int:
    """One outbox row per recipient of the audience, as the dispatcher writes them."""
    created = 0
    batch: list[Message] = []
    for row in audience_recipients(audience=campaign.audience, channel=campaign.channel).iterator(
        chunk_size=BATCH_SIZE
    ):
        language = row["language"] if row["language"] in languages else campaign.fallback_language
        fields = (
            {"status": S.SUPPRESSED, "skip_reason": row["skip_reason"]}
            if row["skip_reason"]
            else _outcome(rng, sent_at)
        )
        batch.append(
            Message(
                campaign=campaign,
                person_id=row["person_id"],
                partner_contact_id=row["partner_contact_id"],
                channel=campaign.channel,
                address=row["address"],
                language=language,
                country_code=row["country_code"] or "",
                provider_id=f"demo-{campaign.pk}-{row['person_id'] or row['partner_contact_id']}"
                if fields.get("sent_at")
                else "",
                **fields,
            )
        )
        if len(batch) >= BATCH_SIZE:
            Message.objects.bulk_create(batch)
            created += len(batch)
            batch = []
    Message.objects.bulk_create(batch)
    return created + len(batch)


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    rng = random.Random(f"{ctx.seed}:communications:campaigns")
    officer = _officer(ctx)
    managers, everyone = _audiences()
    now = timezone.now()
    sent_at = timezone.make_aware(datetime.datetime.combine(ctx.today - datetime.timedelta(days=12), datetime.time(9)))

    assembly = _campaign(
        officer,
        name=ASSEMBLY,
        channel=Campaign.Channel.EMAIL,
        audience=managers,
        contents=ASSEMBLY_CONTENT,
        purpose=StrategicLine.STRATEGIC_PLAN,
        track_opens=True,
        track_clicks=True,
    )
    _mark_sent(assembly, sent_at)
    message_count = _messages(rng, assembly, sent_at, set(ASSEMBLY_CONTENT))

    newsletter = _campaign(
        officer,
        name=NEWSLETTER,
        channel=Campaign.Channel.EMAIL,
        audience=managers,
        contents=NEWSLETTER_CONTENT,
        purpose=StrategicLine.PRODUCT_NETWORKS,
        track_opens=True,
    )
    next_week = timezone.make_aware(
        datetime.datetime.combine(ctx.today + datetime.timedelta(days=7), datetime.time(10))
    )
    services.campaign_schedule(
        actor=officer, campaign=newsletter, scheduled_at=max(next_week, now + datetime.timedelta(days=1))
    )

    _campaign(officer, name=SMS_REMINDER, channel=Campaign.Channel.SMS, audience=managers, contents=SMS_CONTENT)

    old = _campaign(
        officer,
        name=OLD_ANNOUNCEMENT,
        channel=Campaign.Channel.PORTAL,
        audience=everyone,
        contents=OLD_ANNOUNCEMENT_CONTENT,
    )
    _mark_sent(old, sent_at - datetime.timedelta(days=30))
    announcement = _campaign(
        officer,
        name=ANNOUNCEMENT,
        channel=Campaign.Channel.PORTAL,
        audience=everyone,
        contents=ANNOUNCEMENT_CONTENT,
        purpose=StrategicLine.STRATEGIC_PLAN,
        expires_at=timezone.make_aware(datetime.datetime(ctx.today.year + 1, 5, 15, 23, 59)),
    )
    _mark_sent(announcement, now - datetime.timedelta(days=2))
    # The Pangoa portal user has read the older announcement: the new one shows as unread.
    reader = (ctx.shared.get("users") or {}).get("coop.pangoa")
    if reader is not None:
        AnnouncementRead.objects.create(campaign=old, user=reader)

    return DemoReport(
        counts={"campaigns": len(CAMPAIGN_NAMES), "campaign messages": message_count},
        logins=[
            "",
            f"Campaigns: {ctx.base_url}dashboard/campaigns/ (statistics of “{ASSEMBLY}”);"
            f" portal announcements: {ctx.base_url}portal/announcements/",
        ],
    )
