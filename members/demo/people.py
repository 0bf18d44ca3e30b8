"""Planning the people who work for each organization (representatives, managers, delegates)
with their affiliations and communication consents, and a few planted duplicate people."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from members.demo.data.countries import COUNTRY_PROFILES
from members.demo.data.names import (
    ANDEAN_SURNAMES,
    BZ_SURNAMES,
    EN_FEMALE,
    EN_MALE,
    EN_SURNAMES,
    ES_FEMALE,
    ES_MALE,
    ES_SURNAMES,
    FR_FEMALE,
    FR_MALE,
    FR_SURNAMES,
    MAYA_SURNAMES,
    PT_FEMALE,
    PT_MALE,
    PT_SURNAMES,
)
from members.demo.data.showcases import SHOWCASES
from members.demo.identifiers import Registry, ascii_slug, phone_number
from members.demo.random_tools import date_between, moment_on
from members.demo.users import Actors
from members.demo.writing import stamp
from members.models import Affiliation, Consent, Organization, Person
from members.normalize import normalize_person_name, strip_accents

if TYPE_CHECKING:
    from members.demo.plans import OrgPlan


def person_name(rng: random.Random, country_code: str, gender: str) -> tuple[str, str]:
    """A realistic (first name, last name) for someone from the country."""
    pool = COUNTRY_PROFILES[country_code].names
    female = gender == Person.Gender.FEMALE
    if pool == "belizean":
        pool = rng.choice(("english", "spanish"))
    if pool == "portuguese":
        first = rng.choice(PT_FEMALE if female else PT_MALE)
        surnames = rng.sample(PT_SURNAMES, 2)
        last = f"{surnames[0]} {surnames[1]}" if rng.random() < 0.6 else rng.choice(("da ", "de ", "")) + surnames[0]
        return first, last
    if pool == "french":
        return rng.choice(FR_FEMALE if female else FR_MALE), rng.choice(FR_SURNAMES)
    if pool == "english":
        english_surnames = EN_SURNAMES + (BZ_SURNAMES if country_code == "BZ" else ())
        return rng.choice(EN_FEMALE if female else EN_MALE), rng.choice(english_surnames)
    first = rng.choice(ES_FEMALE if female else ES_MALE)
    if pool == "andean":
        surnames = [rng.choice(ANDEAN_SURNAMES if rng.random() < 0.55 else ES_SURNAMES) for _ in range(2)]
    elif pool == "mesoamerican":
        surnames = [rng.choice(MAYA_SURNAMES if rng.random() < 0.3 else ES_SURNAMES) for _ in range(2)]
    else:
        surnames = [rng.choice(ES_SURNAMES) for _ in range(2)]
    if surnames[0] == surnames[1]:
        surnames = surnames[:1]
    return first, " ".join(surnames)


@dataclass
class PeopleBatch:
    people: list[Person] = field(default_factory=list)
    affiliations: list[Affiliation] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    # Legal representatives and people with accented names, for planting duplicates later.
    representatives: dict[int, Person] = field(default_factory=dict)  # id(OrgPlan) → person


def _email_for(rng: random.Random, registry: Registry, first: str, last: str, domain: str) -> str:
    local = f"{ascii_slug(first.split()[0])}.{ascii_slug(last.split()[0]) if last else 'coop'}"
    host = domain if domain and rng.random() < 0.4 else rng.choice(("correo.example", "mail.example", "red.example"))
    for suffix in ("", *(str(rng.randint(2, 99)) for _ in range(20))):
        email = f"{local}{suffix}@{host}"
        if registry.unique(registry.emails, email.lower()):
            return email
    email = f"{local}{len(registry.emails)}@{host}"
    registry.emails.add(email.lower())
    return email


def _new_person(
    rng: random.Random,
    registry: Registry,
    *,
    country: str,
    gender: str,
    domain: str,
    created: datetime.datetime,
    first_last: tuple[str, str] | None = None,
    email: str | None = None,
) -> Person:
    first, last = first_last or person_name(rng, country, gender)
    person = Person(
        first_name=first, last_name=last, gender=gender, preferred_language=COUNTRY_PROFILES[country].language,
        normalized_name=normalize_person_name(first, last),
    )  # fmt: skip
    if email is not None:
        person.email = email
        registry.emails.add(email.lower())
    elif rng.random() < 0.86:
        person.email = _email_for(rng, registry, first, last, domain)
    if rng.random() < 0.8:
        value = phone_number(rng, country)
        if registry.unique(registry.phones, value):
            person.phone = value
    if rng.random() < 0.7:
        person.birth_year = rng.randint(1955, 1998)
    stamp(person, created, created)
    return person


def _consents(rng: random.Random, person: Person, actors: Actors, today: datetime.date) -> list[Consent]:
    rows = []
    created = person.created_at.date()
    channels = []
    if person.email:
        roll = rng.random()
        if roll < 0.86:
            channels.append((Consent.Channel.EMAIL, True))
        elif roll < 0.92:
            channels.append((Consent.Channel.EMAIL, False))
    if person.phone:
        if rng.random() < 0.45:
            channels.append((Consent.Channel.WHATSAPP, True))
        if rng.random() < 0.1:
            channels.append((Consent.Channel.SMS, rng.random() < 0.8))
    for channel, granted in channels:
        method = rng.choices(
            [Consent.Method.PAPER, Consent.Method.FORM, Consent.Method.VERBAL, Consent.Method.IMPORT,
             Consent.Method.PORTAL], [35, 20, 15, 20, 10])[0]  # fmt: skip
        given = date_between(rng, created, today)
        recorded_by = actors.communications if method in (Consent.Method.PAPER, Consent.Method.VERBAL) else None
        rows.append(
            Consent(person=person, channel=channel, granted=granted, given_at=moment_on(rng, given), method=method,
                    recorded_by=recorded_by)
        )  # fmt: skip
    return rows


def plan_people(
    rng: random.Random, plans: Sequence[OrgPlan], *, actors: Actors, today: datetime.date, registry: Registry
) -> PeopleBatch:
    """Two to four current people per organization with their roles (one primary contact), plus a
    former legal representative here and there, and union managers who are also delegates of
    one of their member cooperatives."""
    batch = PeopleBatch()
    days = datetime.timedelta
    for plan in plans:
        org = plan.organization
        code = org.country_id
        is_hl = org.kind == Organization.Kind.HL
        if plan.twin is not None:
            continue  # planted duplicates get their (duplicate) people in plant_person_duplicates
        count = rng.choices([2, 3, 4], [35, 40, 25])[0] if org.kind != "spo2" else rng.choice([3, 4])
        if is_hl:
            roles = [Affiliation.Role.WORKER_REPRESENTATIVE, *rng.sample(
                [Affiliation.Role.WORKER_REPRESENTATIVE, Affiliation.Role.FAIRTRADE_OFFICER, Affiliation.Role.DELEGATE,
                 Affiliation.Role.STAFF_CONTACT], count - 1)]  # fmt: skip
        else:
            roles = [Affiliation.Role.LEGAL_REPRESENTATIVE, *rng.sample(
                [Affiliation.Role.MANAGER, Affiliation.Role.FAIRTRADE_OFFICER, Affiliation.Role.BOARD_MEMBER,
                 Affiliation.Role.DELEGATE], count - 1)]  # fmt: skip
        showcase = next((s for s in SHOWCASES if s.key == plan.showcase), None)
        if showcase and showcase.username and Affiliation.Role.MANAGER not in roles:
            roles[-1] = Affiliation.Role.MANAGER
        org_since = plan.planned_membership.joined_on or org.created_at.date()
        manager: Person | None = None
        starts: list[datetime.date] = []  # of the current affiliations, in the order of roles
        for index, role in enumerate(roles):
            women = 0.55 if is_hl and "flowers" in plan.products else 0.32 if index == 0 else 0.4
            gender: str = Person.Gender.FEMALE if rng.random() < women else Person.Gender.MALE
            if rng.random() < 0.03:
                gender = rng.choice((Person.Gender.UNDISCLOSED, ""))
            start = date_between(rng, max(org_since - days(3 * 365), datetime.date(2008, 1, 1)), today - days(30))
            starts.append(start)
            if showcase and showcase.username and role == Affiliation.Role.MANAGER:
                user = actors.portal[showcase.key]
                person = _new_person(
                    rng, registry, country=code, gender=showcase.user_gender, domain=plan.domain,
                    created=moment_on(rng, start), first_last=(user.first_name, user.last_name), email=user.email,
                )  # fmt: skip
                person.preferred_language = showcase.user_language
            else:
                person = _new_person(rng, registry, country=code, gender=gender, domain=plan.domain,
                                     created=moment_on(rng, start))  # fmt: skip
            batch.people.append(person)
            batch.consents += _consents(rng, person, actors, today)
            aff = Affiliation(person=person, organization=org, role=role, start_date=start, is_primary=index == 0)
            batch.affiliations.append(stamp(aff, person.created_at, person.created_at))
            if index == 0 or (person.email and not batch.representatives[id(plan)].email):
                # The contact a duplicate record would copy: the representative, or the first
                # person with an email.
                batch.representatives[id(plan)] = person
            if role == Affiliation.Role.MANAGER:
                manager = person
        if not is_hl and rng.random() < 0.05:
            # The previous legal representative, whose term ended when the current one started.
            current_start = starts[0]
            end = current_start - days(1)
            start = end - days(rng.randint(365, 4 * 365))
            person = _new_person(rng, registry, country=code, gender=Person.Gender.MALE, domain=plan.domain,
                                 created=moment_on(rng, start))  # fmt: skip
            batch.people.append(person)
            aff = Affiliation(person=person, organization=org, role=Affiliation.Role.LEGAL_REPRESENTATIVE,
                              start_date=start, end_date=end)  # fmt: skip
            batch.affiliations.append(stamp(aff, person.created_at, moment_on(rng, end)))
        if org.kind == "spo2" and plan.children and (manager is not None or rng.random() < 0.6):
            # The union's manager (or legal representative) is also a delegate of a member coop.
            person = manager or batch.representatives[id(plan)]
            child = plan.children[0]
            start = date_between(rng, person.created_at.date(), today - days(10))
            aff = Affiliation(person=person, organization=child.organization, role=Affiliation.Role.DELEGATE,
                              start_date=start)  # fmt: skip
            batch.affiliations.append(stamp(aff, moment_on(rng, start), moment_on(rng, start)))
    return batch


def plant_person_duplicates(
    rng: random.Random,
    plans: Sequence[OrgPlan],
    representatives: dict[int, Person],
    candidates: list[tuple[Person, Organization]],
    *,
    registry: Registry,
    today: datetime.date,
) -> PeopleBatch:
    """Five to ten pairs of people the duplicate finder should propose: the same email in other case
    (in the planted duplicate organizations), the same phone under a shortened name, and the
    same name with and without accents in one organization."""
    batch = PeopleBatch()
    days = datetime.timedelta
    for plan in plans:
        if plan.twin is None:
            continue
        original = representatives.get(id(plan.twin))
        if original is None:
            continue
        # An older import kept the email as it was typed.
        email = (
            (original.email.upper() if rng.random() < 0.5 else original.email.capitalize()) if original.email else ""
        )
        person = Person(
            first_name=original.first_name, last_name=original.last_name, email=email, phone=original.phone,
            preferred_language=original.preferred_language, gender=original.gender,
            normalized_name=original.normalized_name, notes="Importado de la planilla de socios de 2019.",
        )  # fmt: skip
        created = plan.organization.created_at
        stamp(person, created, created)
        batch.people.append(person)
        aff = Affiliation(person=person, organization=plan.organization, role=Affiliation.Role.LEGAL_REPRESENTATIVE,
                          start_date=created.date(), is_primary=True)  # fmt: skip
        batch.affiliations.append(stamp(aff, created, created))

    accented = [(p, o) for p, o in candidates if any(ch in p.first_name + p.last_name for ch in "áéíóúÁÉÍÓÚ")]
    with_phone = [(p, o) for p, o in candidates if p.phone and (p, o) not in accented]
    for person, org in rng.sample(accented, min(3, len(accented))):
        first, last = strip_accents(person.first_name), strip_accents(person.last_name)
        twin = Person(first_name=first, last_name=last, preferred_language=person.preferred_language,
                      gender=person.gender, normalized_name=normalize_person_name(first, last))  # fmt: skip
        if rng.random() < 0.5:
            twin.email = _email_for(rng, registry, first, last, "")
        start = date_between(rng, person.created_at.date(), today - days(5))
        stamp(twin, moment_on(rng, start), moment_on(rng, start))
        batch.people.append(twin)
        aff = Affiliation(person=twin, organization=org, role=Affiliation.Role.BOARD_MEMBER, start_date=start)
        batch.affiliations.append(stamp(aff, twin.created_at, twin.created_at))
    for person, org in rng.sample(with_phone, min(2, len(with_phone))):
        given = person.first_name.split()
        first = f"{given[0][:2]}. {' '.join(given[1:])}".strip() if len(given) > 1 else given[0]
        last = person.last_name.split()[0] if person.last_name else ""
        twin = Person(first_name=first, last_name=last, phone=person.phone, gender=person.gender,
                      preferred_language=person.preferred_language,
                      normalized_name=normalize_person_name(first, last))  # fmt: skip
        start = date_between(rng, person.created_at.date(), today - days(5))
        stamp(twin, moment_on(rng, start), moment_on(rng, start))
        batch.people.append(twin)
        aff = Affiliation(person=twin, organization=org, role=Affiliation.Role.DELEGATE, start_date=start)
        batch.affiliations.append(stamp(aff, twin.created_at, twin.created_at))
    return batch
