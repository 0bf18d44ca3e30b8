"""Demo data of the meetings area: two years of meetings before `ctx.today` of every network
(about four a year, some of the whole network, some of its coordinating committee), CLAC's
Board (quarterly) and Oversight Committee (twice a year), with Spanish minutes in Markdown,
attendance, one to three agreements each and follow-up actions in every status (some
overdue), plus a few upcoming meetings.

Runs after the networks and governance seeders: it takes their networks and bodies from
`ctx.shared` ("networks", "bodies") or, when absent, the Network and Body rows that exist; it
creates none itself. Rows are bulk-created, with their history rows."""

import datetime
import random
from collections import defaultdict
from typing import Any, cast

from django.utils import timezone

from clac.plugins import DemoContext
from networks.models import (
    Agreement,
    Body,
    FollowUpAction,
    Meeting,
    MeetingAttendance,
    Network,
    NetworkMembership,
    Seat,
)

YEARS_BACK = 2
NETWORK_MEETINGS_PER_YEAR = 4
UPCOMING_DAYS = 120

CITIES = {
    "PE": "Lima",
    "CO": "Bogotá",
    "MX": "Ciudad de México",
    "EC": "Quito",
    "BO": "La Paz",
    "GT": "Ciudad de Guatemala",
    "HN": "Tegucigalpa",
    "NI": "Managua",
    "SV": "San Salvador",
    "CR": "San José",
    "PA": "Ciudad de Panamá",
    "DO": "Santo Domingo",
    "HT": "Puerto Príncipe",
    "PY": "Asunción",
    "BR": "São Paulo",
    "CL": "Santiago",
    "AR": "Buenos Aires",
    "CU": "La Habana",
    "JM": "Kingston",
    "VE": "Caracas",
}
VENUES = (
    "Sala de reuniones de la red",
    "Hotel del Centro, salón Los Andes",
    "Oficina de CLAC",
    "Cooperativa anfitriona",
)
TOPICS = (
    "Plan operativo anual",
    "Informe financiero del trimestre",
    "Precios mínimos y prima Fairtrade",
    "Fortalecimiento organizacional de las OPP",
    "Estrategia de sostenibilidad",
    "Relación con compradores y mercados",
    "Cambio climático y adaptación",
    "Participación de jóvenes y mujeres",
    "Auditorías de FLOCERT",
    "Preparación de la Asamblea General",
)
AGREEMENTS = (
    "Aprobar el informe presentado por la coordinación.",
    "Conformar una comisión para revisar los costos de producción.",
    "Solicitar a CLAC apoyo técnico para las organizaciones con certificación suspendida.",
    "Organizar un taller regional sobre la prima Fairtrade.",
    "Actualizar el directorio de contactos de las organizaciones miembro.",
    "Presentar una propuesta de plan de incidencia ante los compradores.",
    "Enviar a las organizaciones la consulta sobre necesidades de capacitación.",
    "Aprobar el presupuesto de actividades del próximo semestre.",
)
ACTIONS = (
    "Redactar y circular el documento de propuesta.",
    "Convocar a la comisión y fijar el calendario de trabajo.",
    "Enviar la comunicación a las organizaciones miembro.",
    "Consolidar la información recibida y presentar un resumen.",
    "Coordinar con el equipo de CLAC la logística del taller.",
    "Publicar el acta en el portal.",
)
CANCEL_REASONS = ("Falta de quórum confirmado.", "Coincide con la feria de la red.", "Problemas de conectividad.")


def _minutes(rng: random.Random, topics: list[str], agreements: list[str], present: int) -> str:
    lines = [
        "## Apertura",
        "",
        f"Se verifica la asistencia de {present} participantes y se aprueba la agenda.",
        "",
        "## Desarrollo",
        "",
    ]
    for topic in topics:
        lines += [
            f"### {topic}",
            "",
            rng.choice(
                (
                    "La coordinación presenta el avance y se abre un espacio de preguntas.",
                    "Las organizaciones comparten su experiencia y se identifican **retos comunes**.",
                    "Se revisan las cifras del periodo; el detalle queda en el anexo.",
                )
            ),
            "",
        ]
    lines += ["## Acuerdos", ""] + [f"{n}. {text}" for n, text in enumerate(agreements, start=1)]
    lines += ["", "Se cierra la sesión agradeciendo la participación de todas las organizaciones."]
    return "\n".join(lines)


def _agenda(topics: list[str]) -> str:
    return "\n".join(
        [
            "1. Verificación de asistencia",
            *[f"{n}. {t}" for n, t in enumerate(topics, start=2)],
            f"{len(topics) + 2}. Varios",
        ]
    )


def _networks(ctx: DemoContext) -> list[Network]:
    shared = ctx.shared.get("networks")
    if shared:
        found: dict[int, Network] = {}
        for value in shared.values():
            for network in value.values() if isinstance(value, dict) else [value]:
                found[network.pk] = network
        return sorted(found.values(), key=lambda n: n.pk)
    return list(Network.objects.order_by("pk"))


def _bodies(ctx: DemoContext) -> list[Body]:
    shared = ctx.shared.get("bodies")
    if shared:
        found = {body.pk: body for body in shared.values()}
        return sorted(found.values(), key=lambda b: b.pk)
    return list(Body.objects.order_by("pk"))


def _aware(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def seed(ctx: DemoContext, rng: random.Random) -> dict[str, int]:
    # A stream of its own: what the other areas draw does not change these meetings.
    rng = random.Random(f"{ctx.seed}:networks:meetings")
    networks = _networks(ctx)
    bodies = _bodies(ctx)
    # Owners of the meetings: in the plans below, one of the two may be None.
    network: Network | None
    body: Body | None
    if not networks and not bodies:
        return {}
    today = ctx.today
    start = today - datetime.timedelta(days=365 * YEARS_BACK)
    admin = ctx.shared.get("admin")
    staff = [user for user in (ctx.shared.get("staff_users") or {}).values() if user is not None]
    coordinator = (ctx.shared.get("staff_users") or {}).get("coordinator") or admin

    # Who is invited: network memberships and seats, read once.
    memberships: dict[int, list[tuple[int, datetime.date, datetime.date | None]]] = defaultdict(list)
    for network_id, org_id, since, until in NetworkMembership.objects.filter(network__in=networks).values_list(
        "network_id", "organization_id", "since", "until"
    ):
        memberships[network_id].append((org_id, since, until))
    seats: dict[int, list[tuple[int, int, datetime.date, datetime.date]]] = defaultdict(list)
    for body_id, person_id, org_id, term_start, term_end in Seat.objects.filter(mandate__body__in=bodies).values_list(
        "mandate__body_id", "person_id", "organization_id", "term_start", "term_end"
    ):
        seats[body_id].append((person_id, org_id, term_start, term_end))
    country_of: dict[int, str] = {}
    for network_id, code in Network.countries.through.objects.filter(network__in=networks).values_list(
        "network_id", "country_id"
    ):
        country_of.setdefault(network_id, code)
    bodies_by_network: dict[int, list[Body]] = defaultdict(list)
    for body in bodies:
        if body.network_id is not None and body.kind in (
            Body.Kind.COORDINATING,
            Body.Kind.OPERATIVE,
            Body.Kind.WORKERS_COORDINATING,
            Body.Kind.TECHNICAL,
        ):
            bodies_by_network[body.network_id].append(body)

    # (owner, day) of every meeting: past ones over two years, plus a few upcoming.
    plans: list[tuple[Network | None, Body | None, datetime.date]] = []
    for network in networks:
        committees = bodies_by_network.get(network.pk, [])
        count = NETWORK_MEETINGS_PER_YEAR * YEARS_BACK
        for index in range(count):
            day = start + datetime.timedelta(days=int((index + rng.random()) * 365 * YEARS_BACK / count))
            body = rng.choice(committees) if committees and index % 2 else None
            plans.append((None if body else network, body, day))
        if rng.random() < 0.7:
            plans.append((network, None, today + datetime.timedelta(days=rng.randint(7, UPCOMING_DAYS))))
    meetings_per_year: dict[str, int] = {Body.Kind.BOARD: 4, Body.Kind.OVERSIGHT: 2}
    for body in bodies:
        per_year = meetings_per_year.get(body.kind)
        if per_year is None:
            continue
        for quarter in range(per_year * YEARS_BACK):
            day = start + datetime.timedelta(days=int(quarter * 365 / per_year) + rng.randint(5, 40))
            if day < today:
                plans.append((None, body, day))
        plans.append((None, body, today + datetime.timedelta(days=rng.randint(10, 80))))

    meetings: list[Meeting] = []
    extras: list[dict[str, Any]] = []
    for network, body, day in plans:
        owner_network_id = network.pk if network else cast(Body, body).network_id  # no network: a body
        city = CITIES.get(country_of.get(owner_network_id or 0, ""), "Ciudad de Panamá")
        modality = rng.choices(Meeting.Modality.values, weights=(3, 5, 2))[0]
        starts_at = _aware(day, rng.choice((9, 10, 14, 15)))
        topics = rng.sample(TOPICS, k=rng.randint(2, 4))
        past = day < today
        status: str = Meeting.Status.PLANNED
        if past:
            status = Meeting.Status.CANCELLED if rng.random() < 0.05 else Meeting.Status.HELD
        n_agreements = rng.randint(1, 3) if status == Meeting.Status.HELD else 0
        agreement_texts = rng.sample(AGREEMENTS, k=n_agreements)
        owner_name = body.name if body else cast(Network, network).name  # no body: a network
        kind = "Sesión ordinaria" if body else "Reunión de la red"
        meetings.append(
            Meeting(
                network=network,
                body=body,
                title=f"{kind} · {owner_name}"[:200],
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(hours=rng.choice((2, 3, 4))),
                modality=modality,
                place=f"{rng.choice(VENUES)}, {city}" if modality in Meeting.PLACE_MODALITIES else "",
                online_url=f"https://meet.clac-comercio-justo.org/{rng.randrange(10**8):08d}"
                if modality in Meeting.ONLINE_MODALITIES
                else "",
                agenda=_agenda(topics),
                minutes="",
                status=status,
                cancellation_reason=rng.choice(CANCEL_REASONS) if status == Meeting.Status.CANCELLED else "",
                created_by=coordinator if owner_network_id else admin,
            )
        )
        extras.append({"topics": topics, "agreements": agreement_texts, "day": day})

    # Attendance first (the minutes say how many came), then the meetings with their minutes.
    attendance_plan: list[list[tuple[int | None, int | None, bool]]] = []
    for meeting, extra in zip(meetings, extras, strict=True):
        rows: list[tuple[int | None, int | None, bool]] = []
        if meeting.status == Meeting.Status.HELD:
            day = extra["day"]
            if meeting.body is not None:
                for person_id, org_id, term_start, term_end in seats.get(meeting.body.pk, []):
                    if term_start <= day <= term_end:
                        rows.append((person_id, org_id, rng.random() < 0.85))
            else:
                assert meeting.network is not None  # no body: a network's meeting
                invited = [
                    org_id
                    for org_id, since, until in memberships.get(meeting.network.pk, [])
                    if since <= day and (until is None or until >= day)
                ]
                for org_id in rng.sample(invited, k=min(len(invited), rng.randint(5, 25))):
                    rows.append((None, org_id, True))
        attendance_plan.append(rows)
        if meeting.status == Meeting.Status.HELD:
            meeting.minutes = _minutes(
                rng, extra["topics"], extra["agreements"], max(sum(1 for r in rows if r[2]), rng.randint(6, 20))
            )

    Meeting.objects.bulk_create(meetings, batch_size=500)
    Meeting.history.bulk_history_create(meetings, default_user=admin)

    attendance = [
        MeetingAttendance(meeting=meeting, person_id=person_id, organization_id=org_id, present=present)
        for meeting, rows in zip(meetings, attendance_plan, strict=True)
        for person_id, org_id, present in rows
    ]
    MeetingAttendance.objects.bulk_create(attendance, batch_size=1000)
    MeetingAttendance.history.bulk_history_create(attendance, default_user=admin, batch_size=1000)

    agreements: list[Agreement] = []
    for meeting, extra in zip(meetings, extras, strict=True):
        for number, text in enumerate(extra["agreements"], start=1):
            agreements.append(Agreement(meeting=meeting, number=number, text=text))
    Agreement.objects.bulk_create(agreements, batch_size=1000)
    Agreement.history.bulk_history_create(agreements, default_user=admin, batch_size=1000)

    people_of_meeting = {
        meeting.pk: [person_id for person_id, _org, present in rows if person_id and present]
        for meeting, rows in zip(meetings, attendance_plan, strict=True)
    }
    actions: list[FollowUpAction] = []
    for agreement in agreements:
        meeting = agreement.meeting
        meeting_day = timezone.localtime(meeting.starts_at).date()
        for _n in range(rng.randint(1, 2)):
            due = meeting_day + datetime.timedelta(days=rng.randint(20, 150))
            if due < today:
                status = rng.choices(FollowUpAction.Status.values, weights=(2, 2, 8, 1))[
                    0
                ]  # open, in progress (both overdue), done, cancelled
            else:
                status = rng.choices(FollowUpAction.Status.values, weights=(5, 4, 2, 1))[0]
            completed_on = None
            if status == FollowUpAction.Status.DONE:
                latest = min(due + datetime.timedelta(days=20), today)
                took = rng.randint(1, max(1, (latest - meeting_day).days))
                completed_on = min(meeting_day + datetime.timedelta(days=took), today)
            people = people_of_meeting.get(meeting.pk) or []
            owner_person_id = rng.choice(people) if people and rng.random() < 0.6 else None
            owner_user = None if owner_person_id else (rng.choice(staff) if staff else None)
            if owner_person_id is None and owner_user is None:
                continue
            actions.append(
                FollowUpAction(
                    agreement=agreement,
                    description=rng.choice(ACTIONS),
                    owner_person_id=owner_person_id,
                    owner_user=owner_user,
                    due_date=due,
                    status=status,
                    completed_on=completed_on,
                )
            )
    FollowUpAction.objects.bulk_create(actions, batch_size=1000)
    FollowUpAction.history.bulk_history_create(actions, default_user=admin, batch_size=1000)

    return {
        "meetings": len(meetings),
        "meeting attendance": len(attendance),
        "agreements": len(agreements),
        "follow-up actions": len(actions),
    }
