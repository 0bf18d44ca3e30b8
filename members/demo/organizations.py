"""Planning the organizations: how many per country and kind, their names, places, sizes and
identifiers, second-tier unions with their member cooperatives, and a few planted duplicates.
Pure: builds unsaved model instances, never touches the database."""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal

from members import rules
from members.demo.data.countries import COUNTRY_PROFILES, REGIONS
from members.demo.data.names import (
    COMPANY_WORDS,
    ES_SURNAMES,
    PLACES_EN,
    PLACES_ES,
    PLACES_FR,
    PLACES_PT,
    PRODUCT_WORDS,
    SAINTS_ES,
)
from members.demo.data.showcases import FLAGSHIP_KEY, SHOWCASES, Showcase
from members.demo.identifiers import Registry, ascii_slug, name_style, organization_domain, phone_number, tax_id
from members.demo.membership import ensure_expiring, ensure_review_reasons, plan_membership
from members.demo.plans import OrgPlan
from members.demo.random_tools import allocate, clamp, to_decimal, weighted_choice
from members.languages import language_canonical
from members.models import Country, Organization
from members.normalize import normalize_organization_name, strip_accents

# The fewest organizations a run may ask for: below it the showcases, unions and planted
# duplicates no longer fit.
MIN_ORGANIZATIONS = 60
SCALES: dict[str, int] = {"small": 950, "large": 10_000}
TOTAL_PEOPLE_AT_950 = 335_000


def _place_name(rng: random.Random, style: str, locality: str, region: str, *, crowded: bool = False) -> str:
    """The place part of a name: the locality, an evocative name, a saint's or a compound.
    `crowded` (a country with many organizations at the large scale) always compounds, which
    multiplies the names available."""
    roll = rng.random()
    if crowded:
        if style == "es":
            return f"{rng.choice(PLACES_ES + SAINTS_ES)} de {locality}"
        if style == "en":
            return f"{rng.choice(('Upper', 'Lower', 'North', 'South', 'East', 'West', 'Central'))} {locality}"
        return f"{rng.choice({'pt': PLACES_PT, 'fr': PLACES_FR}[style])} de {locality}"
    if style == "es":
        if roll < 0.5:
            return locality
        if roll < 0.72:
            return rng.choice(PLACES_ES)
        if roll < 0.82:
            return f"{rng.choice(SAINTS_ES)} de {locality}"
        if roll < 0.9:
            return f"{rng.choice(('Alto', 'Bajo', 'Nuevo'))} {locality}"
        return region
    pool = {"pt": PLACES_PT, "fr": PLACES_FR, "en": PLACES_EN}[style]
    return locality if roll < 0.65 else (rng.choice(pool) if roll < 0.9 else region)


def _spo_name(rng: random.Random, country: str, style: str, product: str, place: str) -> str:
    noun, adj, _plural = PRODUCT_WORDS.get(style, {}).get(product, ("", "", ""))
    if style == "pt":
        noun, adj = noun or "Frutas", adj or "Produtores"
        options = [
            f"Cooperativa dos {adj} de {place}", f"Cooperativa dos Produtores de {noun} de {place}",
            f"Associação dos Pequenos Produtores de {place}", f"Cooperativa Agropecuária de {place}",
            f"Cooperativa dos Agricultores Familiares de {place}",
        ]  # fmt: skip
        if product == "nuts":
            options.append(f"Cooperativa Agroextrativista de {place}")
        return rng.choice(options)
    if style == "fr":
        noun, adj = noun or "Café", adj or "Agricole"
        return rng.choice(
            [
                f"Coopérative {adj} de {place}", f"Coopérative des Planteurs de {noun} de {place}",
                f"Association des Producteurs de {noun} de {place}", f"Coopérative Agricole de {place}",
            ]
        )  # fmt: skip
    if style == "en":
        noun = noun or "Farmers"
        if country == "BZ" and product == "cane-sugar":
            return rng.choice([f"{place} Cane Farmers Association", f"{place} Cane Growers Co-operative"])
        return rng.choice(
            [f"{place} Fair Trade Farmers Group", f"{place} {noun} Growers' Association",
             f"{place} Farmers' Co-operative", f"{place} {noun} Producers Society"]
        )  # fmt: skip
    noun, adj = noun or "Productos Agrícolas", adj or "Agropecuaria"
    options = [
        f"Cooperativa {adj} {place}", f"Asociación de Productores de {noun} {place}",
        f"Asociación de Pequeños Productores de {noun} de {place}", f"Cooperativa de Productores de {noun} {place}",
        f"Asociación de Productores Orgánicos de {place}",
    ]  # fmt: skip
    if country in ("PE", "NI", "GT", "HN", "SV", "BO", "EC"):
        options.append(f"Cooperativa de Servicios Múltiples {place}")
    extra = {
        "PE": [f"Cooperativa Agraria {adj} {place}"] * 4 + [f"Cooperativa Agraria {place}"],
        "CO": ([f"Asociación de Productores de Café Especial de {place}", f"Cooperativa de Caficultores de {place}"]
               if product == "coffee" else [f"Asociación de Pequeños Productores de {place}"]),
        "MX": [f"Unión de Productores de {noun} {place}", f"Sociedad Cooperativa de Productores de {noun} {place}",
               f"Unión de Ejidos {place}", f"Productores Orgánicos de {place}"],
        "CR": [f"Cooperativa de Caficultores de {place}" if product == "coffee" else f"Cooperativa Agrícola {place}"],
        "HN": [f"Cooperativa {adj} {place}", f"Cooperativa Regional de Agricultores Orgánicos de {place}"],
        "NI": [f"Cooperativa de Servicios Múltiples {place}"] * 2,
        "GT": [f"Asociación de Desarrollo Integral {place}", f"Cooperativa Integral Agrícola {place}"],
        "BO": [f"Asociación de Productores de {noun} Ecológico {place}", f"Cooperativa Agropecuaria Integral {place}"],
        "PY": [f"Cooperativa de Producción Agroindustrial {place}", f"Comité de Productores de Caña {place}"],
        "CU": [f"Cooperativa de Créditos y Servicios {place}", f"Unidad Básica de Producción Cooperativa {place}"],
        "DO": [f"Bloque {adj} {place}", f"Asociación de Productores de {noun} {place}"],
        "EC": [f"Asociación de Pequeños Productores {adj.replace('era', 'eros')} {place}",
               f"Asociación de Productores Agropecuarios {place}"],
        "CL": [f"Cooperativa Campesina {place}", f"Cooperativa {adj} {place}"],
        "AR": [f"Cooperativa Agrícola {place}", f"Cooperativa {adj} {place}"],
    }.get(country, [])  # fmt: skip
    if country == "CU":  # Cuban cooperatives take the forms the law defines (CCS, UBPC, CPA)
        options = [f"Cooperativa de Producción Agropecuaria {place}"]
    return rng.choice(options + extra)


def _union_name(rng: random.Random, style: str, product: str, region: str) -> str:
    noun, _adj, plural = PRODUCT_WORDS.get(style, {}).get(product, ("", "", ""))
    if style == "pt":
        return rng.choice([f"Central das Cooperativas de {noun or 'Produtores'} de {region}",
                           f"Cooperativa Central dos Produtores de {region}"])  # fmt: skip
    if style == "fr":
        return rng.choice([f"Fédération des Coopératives {plural or 'Agricoles'} de {region}",
                           f"Réseau des Coopératives {plural or 'Agricoles'} de {region}"])  # fmt: skip
    if style == "en":
        return f"{region} Farmers' Union"
    plural = plural or "Agrarias"
    return rng.choice(
        [f"Central de Cooperativas {plural} de {region}", f"Unión de Cooperativas Agropecuarias de {region}",
         f"Coordinadora de Pequeños Productores de {noun or 'Productos Agrícolas'} de {region}",
         f"Federación de Cooperativas {plural} de {region}",
         f"Cooperativa Central de Productores de {noun or 'Productos Agrícolas'} de {region}"]
    )  # fmt: skip


def _hl_names(rng: random.Random, style: str, product: str, *, crowded: bool = False) -> tuple[str, str]:
    word = rng.choice(COMPANY_WORDS)
    if crowded:  # family firms: "Flores Restrepo Hermanos"
        word = f"{rng.choice(ES_SURNAMES)} {rng.choice(('Hermanos', 'e Hijos'))}"
    if style == "pt":
        company = f"Fazenda {word}"
        return f"Comissão de Trabalhadores — {company}", f"Associação dos Trabalhadores da {company}"
    company = {
        "flowers": rng.choice((f"Flores {word}", f"Floricultura {word}", f"Rosas {word}")),
        "banana": rng.choice((f"Bananera {word}", f"Hacienda {word}", f"Finca Bananera {word}")),
        "wine-grapes": rng.choice((f"Viña {word}", f"Bodega {word}")),
        "vegetables": f"Agrícola {word}",
    }.get(product, rng.choice((f"Agroindustrial {word}", f"Frutas {word}", f"Hacienda {word}")))
    return f"Comité de Trabajadores — {company}", f"Asociación de Trabajadores de {company}"


def _legal_name(name: str, country: str, kind: str) -> str:
    if kind == Organization.Kind.HL:
        return name
    lowered = name.lower()
    is_coop = any(w in lowered for w in ("cooperativa", "central", "unión de", "federación", "coopérative"))
    if country == "MX":
        return f"{name} S.C. de R.L. de C.V." if is_coop else f"{name} A.C."
    if country == "DO":
        return f"{name}, Inc."
    if not is_coop:
        return name
    suffix = {"PE": " Ltda.", "BO": " Ltda.", "PY": " Ltda.", "CL": " Ltda.", "AR": " Ltda.", "BR": " Ltda.",
              "CR": " R.L.", "NI": " R.L.", "GT": " R.L.", "PA": " R.L.", "HN": " Limitada", "SV": " de R.L.",
              "JM": " Ltd.", "BZ": " Ltd."}.get(country, "")  # fmt: skip
    return f"{name}{suffix}"


def _coordinates(rng: random.Random, country: Country, lat: float, lon: float) -> tuple[Decimal, Decimal]:
    """Near the locality and always inside the country's bounding box (forms refuse others)."""
    margin = 0.01
    lat = clamp(lat + rng.gauss(0, 0.04), float(country.min_latitude) + margin, float(country.max_latitude) - margin)
    lon = clamp(lon + rng.gauss(0, 0.04), float(country.min_longitude) + margin, float(country.max_longitude) - margin)
    latitude, longitude = to_decimal(lat, "0.000001"), to_decimal(lon, "0.000001")
    assert rules.coordinates_inside(country, latitude, longitude), (country.code, latitude, longitude)
    return latitude, longitude


def _pick_region(rng: random.Random, country: str, product: str) -> tuple[str, tuple[str, float, float]]:
    regions = REGIONS[country]
    fitting = [r for r in regions if product in r[1]] or regions
    region = rng.choice(fitting)
    return region[0], rng.choice(region[2])


def _languages(rng: random.Random, country: str) -> list[str]:
    # The profile names the people's interface language (pt-br); working languages use ISO 639.
    main = language_canonical(COUNTRY_PROFILES[country].language)
    if main != "en" and rng.random() < 0.15:
        return [main, "en"]
    if country == "BZ":
        return ["en", "es"]
    return [main]


def _organization_sizes(rng: random.Random, plans: list[OrgPlan], kinds: list[str], total_people: int) -> None:
    """Skewed (lognormal) sizes, rescaled per country so each holds its share of the people."""
    medians = {"spo": 140, "spo2": 1800, "hl": 220, "other": 90}
    sigmas = {"spo": 1.05, "spo2": 0.6, "hl": 0.55, "other": 0.7}
    raw = [rng.lognormvariate(math.log(medians[k]), sigmas[k]) for k in kinds]
    share_sum = sum(p.people for p in COUNTRY_PROFILES.values())
    by_country: dict[str, list[int]] = {}
    for index, plan in enumerate(plans):
        by_country.setdefault(plan.organization.country_id, []).append(index)
    for code, indexes in by_country.items():
        target = total_people * COUNTRY_PROFILES[code].people / share_sum
        fixed = sum(plans[i].members for i in indexes if plans[i].showcase)
        variable = sum(raw[i] for i in indexes if not plans[i].showcase) or 1
        factor = clamp((target - fixed) / variable, 0.35, 3.0)
        for i in indexes:
            if not plans[i].showcase:
                plans[i].members = max(8, round(raw[i] * factor))


def plan_organizations(
    rng: random.Random,
    *,
    count: int,
    countries: dict[str, Country],
    today: datetime.date,
    registry: Registry,
) -> list[OrgPlan]:
    """`count` organizations across the 24 countries: showcases first, then every country's
    members, then a few planted duplicates. Memberships and certifications are planned too."""
    n_duplicates = 4 if count >= 200 else 3
    regular = count - n_duplicates
    weights = {code: float(p.organizations) for code, p in COUNTRY_PROFILES.items()}
    per_country = allocate(regular, weights, minimum=1)
    showcase_count: dict[str, int] = {}
    for s in SHOWCASES:
        showcase_count[s.country] = showcase_count.get(s.country, 0) + 1
    # Showcases live inside their country's share; a tiny run borrows the room from the largest.
    for code, needed in showcase_count.items():
        while per_country[code] < needed + 2:
            donor = max(per_country, key=lambda c: per_country[c])
            per_country[donor] -= 1
            per_country[code] += 1

    plans: list[OrgPlan] = []
    kinds: list[str] = []
    for s in SHOWCASES:
        plans.append(_plan_showcase(rng, s, countries[s.country], registry, scale=count))
        kinds.append(s.kind)

    # A few "other" organizations (contract-production groups) in the larger countries.
    other_total = max(1, round(regular * 0.01))
    other_countries = ["PE", "MX", "CO", "BR", "GT", "PY", "NI", "HN"]
    others = dict.fromkeys(COUNTRY_PROFILES, 0)
    for i in range(other_total):
        others[other_countries[i % len(other_countries)]] += 1

    for code, profile in COUNTRY_PROFILES.items():
        total = per_country[code] - showcase_count.get(code, 0)
        shown = [s for s in SHOWCASES if s.country == code]
        hl = max(0, round(per_country[code] * profile.hl_share) - sum(s.kind == "hl" for s in shown))
        spo2 = 0
        if per_country[code] >= 10:
            spo2 = max(1, round(per_country[code] * 0.04)) - sum(s.kind == "spo2" for s in shown)
        other = min(others[code], max(0, total - hl - max(spo2, 0)))
        country_kinds = ["hl"] * hl + ["spo2"] * max(spo2, 0) + ["other"] * other
        country_kinds += ["spo"] * (total - len(country_kinds))
        rng.shuffle(country_kinds)
        for kind in country_kinds[:total]:
            plans.append(_plan_regular(rng, kind, countries[code], registry, today))
            kinds.append(kind)

    total_people = round(TOTAL_PEOPLE_AT_950 * count / SCALES["small"])
    _organization_sizes(rng, plans, kinds, total_people)
    _link_unions(rng, plans)
    plans += _plan_duplicates(rng, plans, n_duplicates, countries, registry)
    for plan in plans:
        plan_membership(rng, plan, today=today, registry=registry)
    ensure_review_reasons(plans, today)
    ensure_expiring(plans, today)
    return plans


def _plan_showcase(rng: random.Random, s: Showcase, country: Country, registry: Registry, *, scale: int) -> OrgPlan:
    lat, lon = _coordinates(rng, country, s.latitude, s.longitude)
    # The flagship union keeps its 16,000 members at full scale; a small test run shrinks it
    # so one organization does not hold a third of the people.
    members = s.members if s.key != FLAGSHIP_KEY or scale >= SCALES["small"] else max(1500, s.members * scale // 950)
    org = Organization(
        kind=s.kind, name=s.name, legal_name=s.legal_name, country=country, region=s.region, locality=s.locality,
        latitude=lat, longitude=lon, founding_year=s.founding_year,
        languages=[language_canonical(COUNTRY_PROFILES[s.country].language)],
        tax_id=tax_id(rng, s.country, s.name, s.founding_year), flo_id=registry.flo_id(rng, old=True),
        normalized_name=normalize_organization_name(s.name),
    )  # fmt: skip
    registry.names.add((s.country, org.normalized_name))
    registry.tax_ids.add(org.tax_id)
    domain = organization_domain(s.name, s.country)
    org.website = f"https://www.{domain}/"
    org.email = f"{'contato' if s.country == 'BR' else 'contact' if s.country == 'HT' else 'contacto'}@{domain}"
    org.phone = phone_number(rng, s.country)
    registry.phones.add(org.phone)
    if s.key == FLAGSHIP_KEY:
        org.description = (
            "Unión de 41 cooperativas de base del nororiente peruano (Cajamarca, Amazonas y San Martín) con unos "
            "16.000 socios productores de café y cacao; exporta, ofrece crédito y asistencia técnica."
        )
    return OrgPlan(organization=org, products=list(s.products), members=members, showcase=s.key, domain=domain)


def _plan_regular(rng: random.Random, kind: str, country: Country, registry: Registry, today: datetime.date) -> OrgPlan:
    code = country.code
    profile = COUNTRY_PROFILES[code]
    style = name_style(code)
    product_weights = profile.hl_products if kind == "hl" and profile.hl_products else profile.products
    main = weighted_choice(rng, product_weights)
    region, (locality, lat, lon) = _pick_region(rng, code, main)
    products = [main]
    if kind != "hl" and rng.random() < 0.35:
        region_products = {p for r in REGIONS[code] if r[0] == region for p in r[1]}
        candidates = {p: w for p, w in profile.products.items() if p != main and (p in region_products or w >= 10)}
        if candidates:
            products.append(weighted_choice(rng, candidates))

    legal_name = ""
    for attempt in range(40):
        if kind == "spo2":
            name = _union_name(rng, style, main, region if attempt < 10 else f"{region} y {locality}")
        elif kind == "hl":
            name, legal_name = _hl_names(rng, style, main, crowded=attempt >= 15)
        elif kind == "other":
            place = _place_name(rng, style, locality, region, crowded=attempt >= 15)
            if style == "pt":
                name = f"Grupo de Produção por Contrato de {place}"
            else:
                noun = PRODUCT_WORDS["es"].get(main, ("Productos Agrícolas",))[0]
                name = rng.choice(
                    [f"Programa de Producción por Contrato de {noun} {place}", f"Empresa Comunitaria {place}",
                     f"Red de Productores de {noun} de {place}"]
                )  # fmt: skip
        else:
            place = _place_name(rng, style, locality, region, crowded=attempt >= 15)
            name = _spo_name(rng, code, style, main, place)
        normalized = normalize_organization_name(name)
        if registry.unique(registry.names, (code, normalized)):
            break
    else:  # rare even at the large scale; keeps names unique
        name = f"{name} {len(registry.names)}"
        normalized = normalize_organization_name(name)
        registry.names.add((code, normalized))

    founding = {
        "spo": 1960 + int(rng.betavariate(2.2, 1.5) * 59),
        "spo2": rng.randint(1975, 2008),
        "hl": rng.randint(1975, 2015),
        "other": rng.randint(1995, 2018),
    }[kind]
    latitude, longitude = _coordinates(rng, country, lat, lon)
    org = Organization(
        kind=kind, name=name, legal_name=legal_name or _legal_name(name, code, kind), country=country, region=region,
        locality=locality, latitude=latitude, longitude=longitude, founding_year=founding,
        languages=_languages(rng, code), normalized_name=normalized,
    )  # fmt: skip
    if rng.random() < 0.9:
        for _ in range(5):
            value = tax_id(rng, code, name, founding)
            if registry.unique(registry.tax_ids, value):
                org.tax_id = value
                break
    domain = organization_domain(name, code)
    if rng.random() < 0.22:
        org.website = f"https://www.{domain}/"
    if rng.random() < 0.7:
        org.email = f"{'contato' if style == 'pt' else 'contact' if style in ('fr', 'en') else 'contacto'}@{domain}"
    if rng.random() < 0.6:
        value = phone_number(rng, code)
        if registry.unique(registry.phones, value):
            org.phone = value
    if rng.random() < 0.3:
        org.address = rng.choice(
            (f"Calle Principal s/n, {locality}", f"Av. {rng.choice(SAINTS_ES)} {rng.randint(100, 999)}, {locality}",
             f"Carretera a {locality} km {rng.randint(2, 40)}")
        ) if style == "es" else locality  # fmt: skip
    if rng.random() < 0.25:
        org.description = _description(main, products, kind, style, region)
    return OrgPlan(organization=org, products=products, members=0, domain=domain)


def _description(main: str, products: list[str], kind: str, style: str, region: str) -> str:
    if style != "es":
        return ""
    nouns = [(PRODUCT_WORDS["es"].get(p) or ("productos agrícolas",))[0].lower() for p in products]
    what = " y ".join(nouns)
    if kind == "hl":
        return (
            f"Comité de trabajadores y trabajadoras que administra la prima Fairtrade de la finca ({what}), {region}."
        )
    return f"Organización de pequeños productores de {what} en {region}; acopio, certificación y comercialización."


def _link_unions(rng: random.Random, plans: list[OrgPlan]) -> None:
    """Give each second-tier union a few member cooperatives of the same country (parent)."""
    free: dict[str, list[OrgPlan]] = {}
    for plan in plans:
        if plan.organization.kind == "spo" and not plan.showcase:
            free.setdefault(plan.organization.country_id, []).append(plan)
    for plan in plans:
        if plan.organization.kind != "spo2":
            continue
        pool = free.get(plan.organization.country_id, [])
        same_product = [p for p in pool if p.products[0] == plan.products[0]]
        candidates = same_product if len(same_product) >= 2 else pool
        wanted = 6 if plan.showcase == FLAGSHIP_KEY else rng.randint(2, 5)
        chosen = rng.sample(candidates, min(wanted, len(candidates)))
        for child in chosen:
            child.organization.parent = plan.organization
            pool.remove(child)
        plan.children = chosen


def _acronym(name: str) -> str:
    """The kind of acronym cooperatives go by: 'Asociación de Productores de Café …' → 'ASOPROCAFE'."""
    words = [ascii_slug(w).upper() for w in name.split() if w[:1].isupper()]
    if not words:
        return "ORG"
    head = {"COOPERATIVA": "COO", "ASOCIACION": "ASO", "SOCIEDAD": "SOC", "UNION": "U"}.get(words[0], words[0][:3])
    return head + "".join(w[:3] if i == 0 else w[:4] for i, w in enumerate(words[1:3]))


def _plan_duplicates(
    rng: random.Random, plans: list[OrgPlan], count: int, countries: dict[str, Country], registry: Registry
) -> list[OrgPlan]:
    """Planted duplicates for the duplicate finder: the same cooperative registered twice, once
    with a name variant (same normalized name) and once under another name with the same tax id."""
    twins: list[tuple[OrgPlan, str]] = [(next(p for p in plans if p.showcase == "pangoa"), "name")]
    wanted = [("MX", "name"), ("CO", "tax_id"), ("NI", "tax_id"), ("GT", "name")]
    for code, how in wanted[: count - 1]:
        pool = [
            p
            for p in plans
            if p.organization.country_id == code and p.organization.kind == "spo" and not p.showcase
            if how == "name" or p.organization.tax_id
        ]
        if pool:
            twins.append((rng.choice(pool), how))
    duplicates: list[OrgPlan] = []
    for twin, how in twins:
        original = twin.organization
        if how == "name":
            # The same cooperative written differently: abbreviated, without accents, with a
            # legal suffix. Its normalized name is the original's.
            name = original.name.replace("Cooperativa ", "Coop. ").replace("Asociación ", "Asoc. ")
            name = strip_accents(name)
            if not name.endswith("."):
                name = f"{name} Ltda."
            org_tax = ""
        else:
            # Registered again under its acronym; the tax id gives it away.
            name = f"{_acronym(original.name)} {original.locality}"
            org_tax = original.tax_id
        org = Organization(
            kind=original.kind, name=name, legal_name=name, country=countries[original.country_id],
            region=original.region, locality=original.locality, tax_id=org_tax, founding_year=original.founding_year,
            languages=list(original.languages), normalized_name=normalize_organization_name(name),
        )  # fmt: skip
        duplicates.append(
            OrgPlan(organization=org, products=list(twin.products[:1]), members=twin.members, domain=twin.domain,
                    twin=twin, twin_kind=how)
        )  # fmt: skip
    return duplicates
