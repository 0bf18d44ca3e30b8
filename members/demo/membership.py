"""Planning each organization's membership story (status events, dues category) and its
Fairtrade certificate, consistent with each other: FLOCERT's decisions flag the membership for
review, the status itself only changes through allowed transitions."""

from __future__ import annotations

import datetime
import random
from typing import TYPE_CHECKING

from members import rules
from members.demo.identifiers import Registry
from members.demo.random_tools import date_between, moment_on
from members.demo.writing import stamp
from members.models import Certification, Membership, MembershipEvent

if TYPE_CHECKING:
    from members.demo.plans import OrgPlan


def plan_membership(rng: random.Random, plan: OrgPlan, *, today: datetime.date, registry: Registry) -> None:
    """The membership's status story (events), its dues category and the Fairtrade certificate."""
    org = plan.organization
    if plan.showcase:
        status = Membership.Status.ACTIVE
    elif plan.twin is not None:
        status = Membership.Status.APPLICANT
    else:
        status = rng.choices(
            [Membership.Status.ACTIVE, Membership.Status.APPLICANT, Membership.Status.SUSPENDED,
             Membership.Status.WITHDRAWN, Membership.Status.EXPELLED],
            weights=[86, 6, 3.5, 3.5, 1],
        )[0]  # fmt: skip
    if status == Membership.Status.APPLICANT and plan.twin is None and rng.random() < 0.5:
        org.founding_year = rng.randint(2012, today.year - 1)
    earliest = max(datetime.date(2005, 1, 10), datetime.date(plan.founding_year + 1, 3, 1))
    latest_join = today - datetime.timedelta(days=420)
    admin_reason = "Admisión aprobada por el Consejo Directivo (acta {n}-{y})."
    events: list[tuple[str, str, datetime.date, str]] = []  # from, to, date, reason
    if status == Membership.Status.APPLICANT:
        applied = today - datetime.timedelta(days=rng.randint(15, 240))
        events.append(
            ("", Membership.Status.APPLICANT, applied, "Solicitud de membresía recibida por la red nacional.")
        )
    else:
        span = max((latest_join - earliest).days, 0)
        joined = earliest + datetime.timedelta(days=int(rng.betavariate(1.3, 1.6) * span))
        applied = joined - datetime.timedelta(days=rng.randint(30, 150))
        events.append(
            ("", Membership.Status.APPLICANT, applied, "Solicitud de membresía recibida por la red nacional.")
        )
        if status == Membership.Status.WITHDRAWN and rng.random() < 0.2:
            events.append((Membership.Status.APPLICANT, Membership.Status.WITHDRAWN, joined,
                           "La organización retiró su solicitud antes de la decisión del Consejo."))  # fmt: skip
        else:
            events.append((Membership.Status.APPLICANT, Membership.Status.ACTIVE, joined,
                           admin_reason.format(n=rng.randint(1, 12), y=joined.year)))  # fmt: skip
            if status == Membership.Status.ACTIVE and rng.random() < 0.06:
                # An old suspension for unpaid dues, later lifted.
                d1 = date_between(rng, joined + datetime.timedelta(days=200), today - datetime.timedelta(days=200))
                d2 = date_between(rng, d1 + datetime.timedelta(days=30), d1 + datetime.timedelta(days=150))
                events.append((Membership.Status.ACTIVE, Membership.Status.SUSPENDED, d1,
                               f"Cuotas impagas de {d1.year - 2} y {d1.year - 1}."))  # fmt: skip
                events.append((Membership.Status.SUSPENDED, Membership.Status.ACTIVE, d2,
                               "Cuotas regularizadas; el Consejo levanta la suspensión."))  # fmt: skip
            if status == Membership.Status.SUSPENDED:
                when = date_between(
                    rng, max(joined + datetime.timedelta(days=30), today - datetime.timedelta(days=420)), today
                )
                events.append((Membership.Status.ACTIVE, Membership.Status.SUSPENDED, when, rng.choice(
                    (f"Cuotas impagas de {when.year - 2} y {when.year - 1}.",
                     "Certificado Fairtrade suspendido por FLOCERT; suspensión hasta su reinstauración.",
                     "No presentó los informes anuales de los dos últimos años."))))  # fmt: skip
            elif status == Membership.Status.WITHDRAWN:
                when = date_between(rng, joined + datetime.timedelta(days=365), today - datetime.timedelta(days=30))
                events.append((Membership.Status.ACTIVE, Membership.Status.WITHDRAWN, when, rng.choice(
                    ("La organización se disolvió por acuerdo de su asamblea.",
                     "Se fusionó con otra cooperativa socia de la red.",
                     "Dejó la certificación Fairtrade y pidió su retiro de la red."))))  # fmt: skip
            elif status == Membership.Status.EXPELLED:
                d1 = date_between(rng, joined + datetime.timedelta(days=365), today - datetime.timedelta(days=200))
                d2 = min(date_between(rng, d1 + datetime.timedelta(days=60), d1 + datetime.timedelta(days=180)), today)
                events.append(
                    (
                        Membership.Status.ACTIVE,
                        Membership.Status.SUSPENDED,
                        d1,
                        "Incumplimiento grave de los estatutos; caso remitido al Comité de Vigilancia.",
                    )
                )
                events.append((Membership.Status.SUSPENDED, Membership.Status.EXPELLED, d2,
                               "Expulsión aprobada por la Asamblea General por incumplimiento reiterado "
                               "de los estatutos."))  # fmt: skip
    joined_on = next((e[2] for e in events if e[1] == Membership.Status.ACTIVE), None)
    last = events[-1]
    members = plan.members
    dues = (
        Membership.DuesCategory.A if members >= 1000 else Membership.DuesCategory.B if members >= 200
        else Membership.DuesCategory.C
    )  # fmt: skip
    if org.country_id == "HT" or (members < 40 and rng.random() < 0.5):
        dues = Membership.DuesCategory.EXEMPT
    membership = Membership(
        organization=org, status=status, joined_on=joined_on, status_changed_on=last[2], dues_category=dues
    )
    stamp(membership, moment_on(rng, events[0][2]), moment_on(rng, last[2]))
    plan.membership = membership
    plan.events = [
        stamp(
            MembershipEvent(membership=membership, from_status=f, to_status=t, occurred_on=d, reason=r),
            moment_on(rng, d),
        )
        for f, t, d, r in events
    ]
    if org.flo_id == "" and (plan.twin is None) and not (status == Membership.Status.APPLICANT and rng.random() < 0.4):
        org.flo_id = registry.flo_id(rng, old=plan.founding_year < 1995 and rng.random() < 0.5)
    plan.certification = _plan_certification(rng, plan, today)
    stamp(org, moment_on(rng, events[0][2]), membership.updated_at)


def _plan_certification(rng: random.Random, plan: OrgPlan, today: datetime.date) -> Certification:
    org = plan.organization
    membership = plan.planned_membership
    standard = {"spo": "spo", "spo2": "spo", "hl": "hl"}.get(org.kind, "cp")
    m = membership.status
    if plan.showcase:
        status = Certification.Status.CERTIFIED
    elif m == Membership.Status.APPLICANT:
        status = rng.choices([Certification.Status.APPLICANT, Certification.Status.PERMISSION_TO_TRADE], [65, 35])[0]
    elif m == Membership.Status.ACTIVE:
        status = rng.choices(
            [Certification.Status.CERTIFIED, Certification.Status.PERMISSION_TO_TRADE, Certification.Status.SUSPENDED,
             Certification.Status.DECERTIFIED], [92, 4, 2.5, 1.5])[0]  # fmt: skip
    elif m == Membership.Status.SUSPENDED:
        status = rng.choices(
            [Certification.Status.SUSPENDED, Certification.Status.DECERTIFIED, Certification.Status.CERTIFIED],
            [40, 20, 40])[0]  # fmt: skip
    elif m == Membership.Status.WITHDRAWN:
        status = rng.choices([Certification.Status.DECERTIFIED, Certification.Status.CERTIFIED], [60, 40])[0]
    else:
        status = Certification.Status.DECERTIFIED
    cert = Certification(organization=org, standard=standard, status=status)
    days = datetime.timedelta
    if status in (Certification.Status.APPLICANT, Certification.Status.PERMISSION_TO_TRADE):
        if status == Certification.Status.PERMISSION_TO_TRADE or rng.random() < 0.4:
            cert.last_audit_date = today - days(rng.randint(20, 200))
            cert.last_audit_type = Certification.AuditType.INITIAL
        changed = cert.last_audit_date or today - days(rng.randint(10, 200))
    else:
        # A 3-year cycle. Current certificates end between tomorrow and three years from now,
        # so about 5 % end within the 60 days the dashboard warns about.
        if status == Certification.Status.DECERTIFIED:
            end = today - days(rng.randint(30, 700))
        else:
            end = today + days(rng.randint(1, 3 * 365))
        start = end - days(3 * 365)
        cert.cycle_start, cert.cycle_end = start, end
        confirmation = start + days(rng.randint(300, 600))
        if confirmation < today and rng.random() < 0.6:
            cert.last_audit_date, cert.last_audit_type = confirmation, Certification.AuditType.CONFIRMATION
        else:
            first_cycle = start.year - 1 <= max(plan.founding_year, 2005)
            cert.last_audit_date = start - days(rng.randint(20, 90))
            cert.last_audit_type = Certification.AuditType.INITIAL if first_cycle else Certification.AuditType.RENEWAL
        changed = cert.last_audit_date
        # A new certificate (no previous status) flags the membership as the services would.
        if rules.certificate_change_flags(previous_status=None, status=status):
            changed = max(cert.last_audit_date, today - days(rng.randint(10, 120)))
            if status == Certification.Status.DECERTIFIED:
                changed = min(changed, end)
            if rng.random() < 0.5:
                cert.last_audit_date = min(changed, today) - days(rng.randint(10, 40))
                cert.last_audit_type = Certification.AuditType.FOLLOW_UP
            if membership.status in (Membership.Status.ACTIVE, Membership.Status.SUSPENDED):
                # FLOCERT's decision flags the membership; staff decide, the status stays.
                word = "suspendido" if status == Certification.Status.SUSPENDED else "retirado (descertificación)"
                membership.review_requested_at = moment_on(rng, changed)
                membership.review_reason = (
                    f"Certificado Fairtrade {word} por FLOCERT el {changed.strftime('%d/%m/%Y')}. Revisar la membresía."
                )
        elif membership.status == Membership.Status.SUSPENDED and rng.random() < 0.5:
            changed = today - days(rng.randint(5, 60))
            membership.review_requested_at = moment_on(rng, changed)
            membership.review_reason = (
                f"Certificado reinstaurado por FLOCERT el {changed.strftime('%d/%m/%Y')}; evaluar la reactivación."
            )
    created = membership.created_at.date()
    stamp(cert, moment_on(rng, created), moment_on(rng, max(created, min(changed, today))))
    return cert


def ensure_expiring(plans: list[OrgPlan], today: datetime.date) -> None:
    """Even a small run shows a few certificates expiring within 60 days on the dashboard."""
    certificates = [p.planned_certification for p in plans]
    certified = [c for c in certificates if c.status == Certification.Status.CERTIFIED]
    soon = [c for c in certified if c.cycle_end and c.cycle_end <= today + datetime.timedelta(days=60)]
    for offset, cert in enumerate(c for c in certified if c not in soon):
        if len(soon) >= 3:
            break
        cert.cycle_end = today + datetime.timedelta(days=12 + 17 * offset)
        cert.cycle_start = cert.cycle_end - datetime.timedelta(days=3 * 365)
        if cert.last_audit_date and cert.last_audit_date < cert.cycle_start - datetime.timedelta(days=90):
            cert.last_audit_date = cert.cycle_start - datetime.timedelta(days=30)
        soon.append(cert)


# Reasons a planned review may show (members.selectors.ReviewReason), with the note a reviewer
# would read; at least this many of each in every run, so the queue's filters all show rows.
REVIEW_REASONS_SHOWN = 3
_OTHER_REVIEW_NOTE = "Cuotas de membresía impagas desde hace más de seis meses; revisar la membresía."


def _review_kind(plan: OrgPlan) -> str:
    """The queue's reason for a planned membership, as members.selectors reads it."""
    cert, membership = plan.planned_certification, plan.planned_membership
    if cert.status == Certification.Status.DECERTIFIED:
        return "withdrawn"
    if cert.status == Certification.Status.SUSPENDED:
        return "suspended"
    if membership.status == Membership.Status.SUSPENDED and cert.status in Certification.CURRENT_STATUSES:
        return "reinstated"
    return "other"


def ensure_review_reasons(plans: list[OrgPlan], today: datetime.date) -> None:
    """Even a small run has a few memberships of each review reason in the queue (certificate
    withdrawn, suspended, reinstated, another reason), chosen in plan order (no random draw,
    so the rest of the demo stays the same)."""
    flagged: dict[str, int] = {"withdrawn": 0, "suspended": 0, "reinstated": 0, "other": 0}
    for plan in plans:
        if plan.planned_membership.review_requested_at is not None:
            flagged[_review_kind(plan)] += 1
    unflagged = [
        p
        for p in plans
        if p.planned_membership.review_requested_at is None
        and p.planned_membership.status in (Membership.Status.ACTIVE, Membership.Status.SUSPENDED)
        and p.planned_certification.status in Certification.CURRENT_STATUSES
    ]
    added = 0
    for plan in unflagged:
        missing = [kind for kind, count in flagged.items() if count < REVIEW_REASONS_SHOWN]
        if not missing:
            break
        cert, membership = plan.planned_certification, plan.planned_membership
        kind = missing[0]
        if kind == "reinstated" and membership.status != Membership.Status.SUSPENDED:
            kind = next((k for k in missing if k != "reinstated"), "")
            if not kind:
                continue
        changed = today - datetime.timedelta(days=9 + 23 * added)
        on = changed.strftime("%d/%m/%Y")
        if kind == "withdrawn":
            cert.status = Certification.Status.DECERTIFIED
            note = f"Certificado Fairtrade retirado (descertificación) por FLOCERT el {on}. Revisar la membresía."
        elif kind == "suspended":
            cert.status = Certification.Status.SUSPENDED
            note = f"Certificado Fairtrade suspendido por FLOCERT el {on}. Revisar la membresía."
        elif kind == "reinstated":
            note = f"Certificado reinstaurado por FLOCERT el {on}; evaluar la reactivación."
        else:
            note = _OTHER_REVIEW_NOTE
        membership.review_requested_at = datetime.datetime.combine(changed, datetime.time(15, 0), tzinfo=datetime.UTC)
        membership.review_reason = note
        flagged[kind] += 1
        added += 1
