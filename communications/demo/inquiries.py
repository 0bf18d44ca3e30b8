"""The demo's inquiries from the public contact form: about twenty in each state (new,
assigned, answered, closed; ten times as many at the large scale), in the four languages, with
their threads (the sender's message, assignments, replies, internal notes, closings), handled
by the demo communications user and the administrator.

Rows are written directly in bulk (inquiries keep no simple_history rows: their thread is
their audit trail), as if the acknowledgements had gone out; no e-mail is sent."""

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from clac.models import User
from clac.plugins import DemoContext, DemoReport
from clac.roles import StaffRole
from communications.models import Inquiry, InquiryMessage
from communications.services.inquiries import CONSENT_VERSION
from members.demo.data import names

PER_STATUS = {"small": 20, "large": 200}
DEMO_EMAIL_DOMAIN = "example.org"  # every demo sender's e-mail is under this domain

SENDERS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "es": (names.ES_MALE, names.ES_FEMALE, names.ES_SURNAMES),
    "pt-br": (names.PT_MALE, names.PT_FEMALE, names.PT_SURNAMES),
    "fr": (names.FR_MALE, names.FR_FEMALE, names.FR_SURNAMES),
    "en": (names.EN_MALE, names.EN_FEMALE, names.EN_SURNAMES),
}
COUNTRIES = {
    "es": ("PE", "CO", "MX", "GT", "HN", "NI", "EC", "BO", "ES", ""),
    "pt-br": ("BR", "BR", "PT", ""),
    "fr": ("HT", "FR", "BE", "CA", ""),
    "en": ("BZ", "JM", "GB", "US", "DE", "NL", ""),
}
ORGANIZATIONS = ("", "", "Cooperativa Agraria", "Tienda de comercio justo", "Universidad", "Radio comunitaria", "ONG")

MESSAGES: dict[str, dict[str, str]] = {
    "es": {
        "membership": "Somos una cooperativa de café de 120 socios con certificación Fairtrade desde 2021. "
        "¿Qué requisitos tenemos que cumplir para ser miembros de la CLAC y cuánto es la cuota anual?",
        "certification": "Queremos certificarnos en Fairtrade por primera vez. ¿La CLAC acompaña a las "
        "organizaciones en la auditoría inicial de FLOCERT? ¿Hay apoyo para pagar el costo?",
        "prices": "¿Cuál es el precio mínimo Fairtrade vigente para el cacao convencional y la prima? "
        "Nuestro comprador nos dice que cambió este año.",
        "press": "Soy periodista de un diario regional. Preparo un reportaje sobre el café de comercio justo "
        "y quisiera entrevistar a alguien de la CLAC esta semana.",
        "partnership": "Representamos una cadena de tiendas que quiere comprar directamente a "
        "organizaciones de pequeños productores. ¿Cómo podemos colaborar con la CLAC?",
        "other": "¿Tienen materiales de capacitación sobre equidad de género para juntas directivas de "
        "cooperativas? Nos interesa para una asamblea en marzo.",
    },
    "pt-br": {
        "membership": "Somos uma associação de apicultores do Piauí com certificação Fairtrade. "
        "Como fazemos para nos tornar membros da CLAC?",
        "certification": "Nossa cooperativa foi suspensa na última auditoria. Que apoio a CLAC oferece "
        "para corrigir as não conformidades antes do prazo de seis meses?",
        "prices": "Gostaríamos de saber o preço mínimo Fairtrade do suco de laranja concentrado e "
        "quando será a próxima revisão.",
        "press": "Sou jornalista de uma rádio comunitária em Minas Gerais. Posso entrevistar alguém da "
        "CLAC sobre o café de comércio justo?",
        "partnership": "Somos uma universidade federal e queremos propor um projeto de pesquisa sobre "
        "custos de produção com as cooperativas da rede.",
        "other": "Vocês têm materiais em português sobre o uso do prêmio Fairtrade?",
    },
    "fr": {
        "membership": "Nous sommes une coopérative de cacao en Haïti avec 300 membres. Comment "
        "adhérer à la CLAC et quelle est la cotisation ?",
        "certification": "Notre organisation prépare sa première certification Fairtrade. Pouvez-vous "
        "nous mettre en contact avec le réseau national ?",
        "prices": "Quel est le prix minimum Fairtrade actuel pour la mangue fraîche ? Notre acheteur "
        "propose un prix plus bas.",
        "press": "Je suis journaliste pour une radio à Port-au-Prince. Je voudrais parler du commerce "
        "équitable du café haïtien avec un porte-parole de la CLAC.",
        "partnership": "Notre ONG travaille avec des producteurs de café dans le Nord d'Haïti. Nous "
        "aimerions collaborer avec la CLAC sur un projet de formation.",
        "other": "Avez-vous des documents en français sur la stratégie de la CLAC ?",
    },
    "en": {
        "membership": "We are a banana workers' committee in Belize. How can our organization join "
        "CLAC, and what does membership involve?",
        "certification": "Our sugar cooperative in Jamaica is renewing its Fairtrade certification. "
        "Can CLAC help us prepare for the FLOCERT audit?",
        "prices": "Could you tell us the current Fairtrade Minimum Price and Premium for washed arabica "
        "coffee, and when the next review is planned?",
        "press": "I am a reporter for a European trade magazine writing about living incomes for "
        "cocoa farmers. Could I interview someone from CLAC?",
        "partnership": "We are a National Fairtrade Organization planning a campaign with Latin American "
        "producers and would like to discuss a partnership with CLAC.",
        "other": "Do you have an English summary of CLAC's strategic plan 2024-2026?",
    },
}
REPLIES = {
    "es": "Gracias por escribirnos. Le enviamos la información solicitada y los datos de contacto de la "
    "red nacional, que le acompañará en los próximos pasos. Quedamos a su disposición.",
    "pt-br": "Obrigado pela mensagem. Enviamos as informações solicitadas e o contato da rede nacional, "
    "que vai acompanhar vocês nos próximos passos. Estamos à disposição.",
    "fr": "Merci de votre message. Vous trouverez ci-dessous les informations demandées et le contact "
    "du réseau national, qui vous accompagnera. Nous restons à votre disposition.",
    "en": "Thank you for writing to us. Please find the information you asked for and the contact of "
    "the national network, who will help you with the next steps. Do not hesitate to write again.",
}
NOTES = (
    "Consultar con la red de café antes de responder.",
    "Pedí los datos de precios al equipo de revisiones.",
    "Es la segunda vez que escriben; priorizar.",
    "Derivar a la coordinación de la red nacional.",
)
CLOSE_NOTES = ("", "", "Respondido por teléfono.", "Duplicado de otra consulta.")


def is_empty() -> tuple[bool, str]:
    if Inquiry.objects.exists():
        return False, "inquiries"
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    _total, deleted = Inquiry.objects.all().delete()
    return dict(deleted)


def _handlers(ctx: DemoContext) -> list[User]:
    staff: dict[str, Any] = ctx.shared.get("staff_users", {})
    handlers = [user for role, user in staff.items() if role in (StaffRole.COMMUNICATIONS, StaffRole.ADMIN)]
    if not handlers:
        handlers = list(User.objects.filter(groups__name__in=[StaffRole.COMMUNICATIONS, StaffRole.ADMIN]).distinct())
    # The communications user first: most inquiries are theirs.
    handlers.sort(key=lambda user: user.username != StaffRole.COMMUNICATIONS)
    return handlers


def _sender(rng: random.Random, language: str, index: int) -> dict[str, Any]:
    male, female, surnames = SENDERS[language]
    first = rng.choice(male + female)
    last = rng.choice(surnames)
    slug = "".join(ch for ch in f"{first}.{last}".lower() if ch.isascii() and (ch.isalnum() or ch == "."))
    return {
        "name": f"{first} {last}",
        "email": f"{slug}.{index}@{DEMO_EMAIL_DOMAIN}",
        "organization": rng.choice(ORGANIZATIONS),
        "country": rng.choice(COUNTRIES[language]),
        "phone": rng.choice(("", "", f"+51 9{rng.randint(10_000_000, 99_999_999)}")),
    }


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    rng = random.Random(f"{ctx.seed}:communications:inquiries")
    handlers = _handlers(ctx)
    if not handlers:
        return DemoReport()
    per_status = PER_STATUS.get(ctx.scale, PER_STATUS["small"])
    now = timezone.now()
    languages = list(MESSAGES)
    categories = list(Inquiry.Category.values)
    statuses = list(Inquiry.Status.values)
    inquiries: list[Inquiry] = []
    plans: list[tuple[str, datetime.datetime]] = []
    for index in range(per_status * len(statuses)):
        status = statuses[index % len(statuses)]
        language = rng.choices(languages, weights=(6, 2, 1, 2))[0]
        # New ones arrived recently; closed ones up to a year ago.
        max_days = {"new": 6, "assigned": 20, "answered": 60, "closed": 360}[status]
        received = now - datetime.timedelta(days=rng.uniform(0.05, max_days))
        handler = handlers[0] if rng.random() < 0.8 else rng.choice(handlers)
        inquiries.append(
            Inquiry(
                category=rng.choice(categories),
                language=language,
                status=status,
                assignee=None if status == "new" else handler,
                received_at=received,
                consent_version=CONSENT_VERSION,
                consent_given_at=received,
                acknowledged_at=received + datetime.timedelta(seconds=rng.randint(2, 40)),
                closed_at=None,
                **_sender(rng, language, index),
            )
        )
        plans.append((status, received))
    for inquiry, (status, received) in zip(inquiries, plans, strict=True):
        if status == "closed":
            inquiry.closed_at = min(now, received + datetime.timedelta(days=rng.uniform(1, 10)))
    Inquiry.objects.bulk_create(inquiries, batch_size=1000)
    messages: list[InquiryMessage] = []
    for inquiry in inquiries:
        when = inquiry.received_at
        messages.append(
            InquiryMessage(
                inquiry=inquiry,
                kind=InquiryMessage.Kind.INCOMING,
                created_at=when,
                body=MESSAGES[inquiry.language][inquiry.category],
            )
        )
        if inquiry.status == "new":
            continue
        when += datetime.timedelta(hours=rng.uniform(1, 30))
        messages.append(
            InquiryMessage(
                inquiry=inquiry,
                kind=InquiryMessage.Kind.EVENT,
                author=handlers[-1] if len(handlers) > 1 else inquiry.assignee,
                assignee=inquiry.assignee,
                status_to=Inquiry.Status.ASSIGNED,
                created_at=when,
            )
        )
        if rng.random() < 0.4:
            when += datetime.timedelta(hours=rng.uniform(1, 24))
            messages.append(
                InquiryMessage(
                    inquiry=inquiry,
                    kind=InquiryMessage.Kind.NOTE,
                    author=inquiry.assignee,
                    body=rng.choice(NOTES),
                    created_at=when,
                )
            )
        if inquiry.status in ("answered", "closed") and (inquiry.status == "answered" or rng.random() < 0.8):
            when += datetime.timedelta(hours=rng.uniform(1, 48))
            failed = inquiry.status == "answered" and rng.random() < 0.05
            messages.append(
                InquiryMessage(
                    inquiry=inquiry,
                    kind=InquiryMessage.Kind.REPLY,
                    author=inquiry.assignee,
                    body=REPLIES[inquiry.language],
                    created_at=when,
                    delivery=InquiryMessage.Delivery.FAILED if failed else InquiryMessage.Delivery.SENT,
                    sent_at=None if failed else when + datetime.timedelta(seconds=5),
                    delivery_error="SMTP 451: temporary failure" if failed else "",
                )
            )
        if inquiry.status == "closed" and inquiry.closed_at is not None:
            messages.append(
                InquiryMessage(
                    inquiry=inquiry,
                    kind=InquiryMessage.Kind.EVENT,
                    author=inquiry.assignee,
                    status_to=Inquiry.Status.CLOSED,
                    body=rng.choice(CLOSE_NOTES),
                    created_at=max(when, inquiry.closed_at),
                )
            )
    InquiryMessage.objects.bulk_create(messages, batch_size=2000)
    return DemoReport(
        counts={"inquiries": len(inquiries), "inquiry messages": len(messages)},
        logins=[
            "",
            f"Inquiries from the contact form ({ctx.base_url}contact/): /dashboard/inquiries/ as communications",
        ],
    )
