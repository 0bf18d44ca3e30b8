"""Demo data for `manage.py seed_demo`: a realistic, deterministic member registry.

Everything random comes from one `random.Random(seed)` handed to every function, so the same
seed on the same day gives the same data (dates are relative to `today`). The plan functions
are pure: they build unsaved model instances and never touch the database. `demo_seed`
writes them with `bulk_create` in batches. It deliberately bypasses the per-row services:
they validate and write one row at a time (tens of thousands of queries for 950
organizations), and the data here is generated valid under the same rules (women and youth
within the total, Fairtrade sales within production, coordinates inside the country, only
allowed membership transitions, one open role per person and organization). History rows are
still written for every audited model, attributed to the demo admin.

Proportions follow DESIGN §1: about 950 organizations in 24 countries, ~89 % small producer
organizations (some second-tier unions), ~11 % hired-labour workers' committees, sizes
skewed from under 30 to 16,000 members, Peru, Colombia and Mexico holding about half of the
people, one or two products each."""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from clac.models import User
from clac.roles import PortalRole, StaffRole
from members.models import (
    Affiliation,
    Certification,
    Consent,
    Country,
    ExchangeRate,
    Membership,
    MembershipEvent,
    Organization,
    OrganizationChangeProposal,
    Person,
    PortalAccess,
    PremiumUse,
    Product,
    YearlyReport,
    YearlyReportEvent,
    YearlyReportProduct,
)
from members.normalize import normalize_organization_name, normalize_person_name, strip_accents

SCALES: dict[str, int] = {"small": 950, "large": 10_000}
MIN_ORGANIZATIONS = 60
# Shared by every demo login and printed by the command; demo databases only.
DEMO_PASSWORD = "demo-clac-2026"  # noqa: S105
DEMO_SOURCE = "seed_demo"
CHANGE_REASON = "Demo data (seed_demo)"
PARTNER_NAMES = ("Fairtrade International", "Fairtrade Deutschland")
API_SCOPES = ["directory:read", "stats:read"]
BATCH_SIZE = 500
# People and reports are planned and written this many organizations at a time, so the large
# scale (10,000 organizations, ~700,000 rows with history) does not hold every row in memory.
CHUNK_SIZE = 1000
TOTAL_PEOPLE_AT_950 = 335_000
CENT = Decimal("0.01")

# --- Reference tables ---------------------------------------------------------------------

# Staff users: username = role (the Django group), name, interface language.
STAFF_USERS: list[tuple[str, str, str, str]] = [
    (StaffRole.ADMIN, "Mariela", "Gutiérrez Salas", "es"),
    (StaffRole.FINANCE, "Jorge", "Ramírez Castillo", "es"),
    (StaffRole.COMMUNICATIONS, "Camila", "Restrepo Ortiz", "es"),
    (StaffRole.COORDINATOR, "Luis Alberto", "Quispe Huamán", "es"),
    (StaffRole.ME_OFFICER, "Daniela", "Fonseca Araya", "es"),
    (StaffRole.VIEWER, "Dwight", "Young", "en"),
]


@dataclass(frozen=True)
class Showcase:
    """A hand-written organization the demo logins point at, always present."""

    key: str
    country: str
    kind: str
    name: str
    legal_name: str
    region: str
    locality: str
    latitude: float
    longitude: float
    products: tuple[str, ...]
    founding_year: int
    members: int
    latest_report: str
    # The portal user is also the organization's manager (a Person with the same name and email).
    username: str = ""
    user_first_name: str = ""
    user_last_name: str = ""
    user_gender: str = ""
    user_language: str = "es"
    portal_role: str = PortalRole.ADMIN


SHOWCASES: list[Showcase] = [
    Showcase(
        "pangoa", "PE", "spo", "Cooperativa Agraria Cafetalera Pangoa", "Cooperativa Agraria Cafetalera Pangoa Ltda.",
        "Junín", "Pangoa", -11.43, -74.49, ("coffee", "cocoa"), 1977, 680, YearlyReport.Status.DRAFT,
        "coop.pangoa", "Edith", "Huamán Cárdenas", Person.Gender.FEMALE, "es", PortalRole.ADMIN,
    ),
    Showcase(
        "castillo", "DO", "spo", "Asociación de Productores de Cacao de Castillo",
        "Asociación de Productores de Cacao de Castillo, Inc.", "Duarte", "Castillo", 19.21, -70.03, ("cocoa",),
        1988, 410, YearlyReport.Status.RETURNED,
        "cacao.castillo", "Ramón Antonio", "Peralta Santana", Person.Gender.MALE, "es", PortalRole.EDITOR,
    ),
    Showcase(
        "norte", "PE", "spo2", "Central de Cooperativas Cafetaleras del Nororiente",
        "Central de Cooperativas Cafetaleras del Nororiente Ltda.", "Cajamarca", "Jaén", -5.71, -78.81,
        ("coffee", "cocoa"), 1999, 16_000, YearlyReport.Status.SUBMITTED,
        "central.norte", "Wilmer", "Tarrillo Guevara", Person.Gender.MALE, "es", PortalRole.ADMIN,
    ),
    Showcase(
        "pocofundo", "BR", "spo", "Cooperativa dos Agricultores Familiares de Poço Fundo",
        "Cooperativa dos Agricultores Familiares de Poço Fundo Ltda.", "Minas Gerais", "Poço Fundo", -21.78, -45.96,
        ("coffee",), 1991, 390, YearlyReport.Status.APPROVED,
        "coop.pocofundo", "Ana Cláudia", "Ribeiro Lopes", Person.Gender.FEMALE, "pt-br", PortalRole.EDITOR,
    ),
    Showcase(
        "baptiste", "HT", "spo", "Coopérative des Planteurs de Café de Baptiste",
        "Coopérative des Planteurs de Café de Baptiste", "Centre", "Baptiste", 18.92, -71.88, ("coffee",), 1995, 520,
        YearlyReport.Status.DRAFT,
        "coop.baptiste", "Jean-Robert", "Pierre-Louis", Person.Gender.MALE, "fr", PortalRole.ADMIN,
    ),
    Showcase(
        "eloro", "EC", "hl", "Comité de Trabajadores — Bananera El Oro",
        "Asociación de Trabajadores de Bananera El Oro",
        "El Oro", "Pasaje", -3.33, -79.81, ("banana",), 2004, 320, YearlyReport.Status.SUBMITTED,
        "comite.eloro", "Rosa Elvira", "Chamba Jaramillo", Person.Gender.FEMALE, "es", PortalRole.VIEWER,
    ),
    Showcase(
        "hncentral", "HN", "spo2", "Cooperativa Central de Productores de Café de Honduras",
        "Cooperativa Central de Productores de Café de Honduras Limitada", "Intibucá", "La Esperanza", 14.31, -88.18,
        ("coffee", "honey"), 1996, 2400, YearlyReport.Status.APPROVED,
    ),
]  # fmt: skip
# The flagship union's manager can switch to one of its member cooperatives (as a viewer); the
# coordinator (a staff user) also edits the Honduran central's portal.
FLAGSHIP_KEY = "norte"
COORDINATOR_PORTAL_KEY = "hncentral"


@dataclass(frozen=True)
class CountryProfile:
    organizations: int  # relative number of member organizations
    people: float  # relative share of the network's farmers and workers
    hl_share: float  # share of hired-labour workers' committees
    products: dict[str, int]  # SPO products and their weights
    hl_products: dict[str, int]
    language: str  # people's preferred language (a settings.LANGUAGES code)
    names: str  # name pool: andean, mesoamerican, spanish, portuguese, french, english, belizean
    calling_code: str
    mobile_prefixes: tuple[str, ...]
    subscriber_digits: int  # digits after the calling code, prefix included
    domain: str  # country code top-level domain, for demo websites


COUNTRY_PROFILES: dict[str, CountryProfile] = {
    "PE": CountryProfile(160, 20.0, 0.04, {"coffee": 70, "cocoa": 15, "banana": 7, "quinoa": 3, "fresh-fruit": 2,
                         "nuts": 2, "herbs-spices": 1}, {"banana": 1}, "es", "andean", "51", ("9",), 9, "pe"),
    "CO": CountryProfile(165, 17.0, 0.21, {"coffee": 80, "banana": 7, "cocoa": 4, "fresh-fruit": 4, "cane-sugar": 3,
                         "herbs-spices": 2}, {"flowers": 60, "banana": 40}, "es", "spanish", "57",
                         ("300", "310", "311", "312", "313", "314", "320", "321"), 10, "co"),
    "MX": CountryProfile(75, 13.0, 0.07, {"coffee": 70, "honey": 15, "fresh-fruit": 5, "cocoa": 4, "cane-sugar": 3,
                         "herbs-spices": 3}, {"fresh-fruit": 70, "vegetables": 30}, "es", "mesoamerican", "52",
                         ("961", "962", "951", "228", "999", "443", "993"), 10, "mx"),
    "EC": CountryProfile(60, 3.5, 0.5, {"cocoa": 40, "banana": 30, "coffee": 15, "fresh-fruit": 5, "cane-sugar": 4,
                         "quinoa": 3, "herbs-spices": 3}, {"banana": 50, "flowers": 50}, "es", "andean", "593",
                         ("9",), 9, "ec"),
    "DO": CountryProfile(45, 4.0, 0.27, {"cocoa": 65, "banana": 30, "coffee": 5}, {"banana": 1}, "es", "spanish",
                         "1", ("809", "829", "849"), 10, "do"),
    "HN": CountryProfile(55, 6.0, 0.0, {"coffee": 90, "cocoa": 4, "honey": 3, "fresh-fruit": 3}, {}, "es",
                         "spanish", "504", ("3", "8", "9"), 8, "hn"),
    "GT": CountryProfile(40, 4.0, 0.0, {"coffee": 78, "honey": 10, "herbs-spices": 6, "cocoa": 4, "cane-sugar": 2},
                         {}, "es", "mesoamerican", "502", ("3", "4", "5"), 8, "gt"),
    "NI": CountryProfile(45, 5.0, 0.0, {"coffee": 78, "cocoa": 8, "honey": 5, "nuts": 5, "cane-sugar": 4}, {}, "es",
                         "spanish", "505", ("8",), 8, "ni"),
    "BR": CountryProfile(60, 4.0, 0.04, {"coffee": 55, "fruit-juices": 12, "fresh-fruit": 10, "honey": 10, "nuts": 8,
                         "cane-sugar": 5}, {"fresh-fruit": 1}, "pt-br", "portuguese", "55",
                         ("359", "279", "119", "739", "439", "899", "859", "919", "699", "549"), 11, "br"),
    "BO": CountryProfile(30, 3.0, 0.0, {"coffee": 40, "quinoa": 30, "nuts": 15, "cocoa": 10, "banana": 5}, {}, "es",
                         "andean", "591", ("6", "7"), 8, "bo"),
    "CR": CountryProfile(30, 3.0, 0.2, {"coffee": 62, "fresh-fruit": 14, "cane-sugar": 10, "banana": 8, "cocoa": 6},
                         {"fresh-fruit": 60, "banana": 40}, "es", "spanish", "506", ("8", "7"), 8, "cr"),
    "PY": CountryProfile(14, 2.0, 0.0, {"cane-sugar": 80, "herbs-spices": 10, "honey": 10}, {}, "es", "spanish",
                         "595", ("97", "98", "99"), 9, "py"),
    "CL": CountryProfile(18, 0.8, 0.15, {"honey": 35, "wine-grapes": 30, "fresh-fruit": 25, "dried-fruit": 10},
                         {"fresh-fruit": 50, "wine-grapes": 50}, "es", "spanish", "56", ("9",), 9, "cl"),
    "AR": CountryProfile(10, 0.6, 0.0, {"wine-grapes": 40, "honey": 30, "fresh-fruit": 15, "dried-fruit": 10,
                         "herbs-spices": 5}, {}, "es", "spanish", "54", ("9261", "9380", "9376", "9343", "9385"), 11,
                         "ar"),
    "HT": CountryProfile(12, 2.0, 0.0, {"coffee": 50, "cocoa": 25, "fresh-fruit": 25}, {}, "fr", "french", "509",
                         ("3", "4"), 8, "ht"),
    "SV": CountryProfile(18, 1.5, 0.0, {"coffee": 70, "cane-sugar": 15, "honey": 10, "nuts": 5}, {}, "es", "spanish",
                         "503", ("7",), 8, "sv"),
    "PA": CountryProfile(6, 0.8, 0.0, {"coffee": 40, "banana": 30, "cocoa": 30}, {}, "es", "spanish", "507", ("6",),
                         8, "pa"),
    "CU": CountryProfile(25, 2.5, 0.0, {"fruit-juices": 30, "honey": 30, "coffee": 20, "cane-sugar": 10,
                         "fresh-fruit": 10}, {}, "es", "spanish", "53", ("5",), 8, "cu"),
    "JM": CountryProfile(4, 0.5, 0.0, {"coffee": 45, "banana": 35, "cocoa": 20}, {}, "en", "english", "1", ("876",),
                         10, "jm"),
    "BZ": CountryProfile(6, 1.5, 0.0, {"cane-sugar": 85, "cocoa": 10, "honey": 5}, {}, "en", "belizean", "501",
                         ("6",), 7, "bz"),
    "DM": CountryProfile(3, 0.3, 0.0, {"banana": 80, "fresh-fruit": 20}, {}, "en", "english", "1", ("767",), 10,
                         "dm"),
    "LC": CountryProfile(3, 0.3, 0.0, {"banana": 90, "fresh-fruit": 10}, {}, "en", "english", "1", ("758",), 10,
                         "lc"),
    "VC": CountryProfile(3, 0.3, 0.0, {"banana": 90, "fresh-fruit": 10}, {}, "en", "english", "1", ("784",), 10,
                         "vc"),
    "GD": CountryProfile(2, 0.3, 0.0, {"cocoa": 70, "herbs-spices": 30}, {}, "en", "english", "1", ("473",), 10,
                         "gd"),
}  # fmt: skip

# Regions and localities that exist, with approximate coordinates, and the products grown
# there (an organization is placed where its main product is grown). A region may appear
# twice when different parts of it grow different things (Antioquia: coffee hills, Urabá's
# banana, the flower farms near Rionegro).
Region = tuple[str, tuple[str, ...], tuple[tuple[str, float, float], ...]]
REGIONS: dict[str, list[Region]] = {
    "PE": [
        ("Junín", ("coffee", "cocoa", "fresh-fruit"), (("Pangoa", -11.43, -74.49), ("Pichanaki", -10.92, -74.87),
         ("Satipo", -11.25, -74.64), ("La Merced", -11.05, -75.33), ("Perené", -10.95, -75.22),
         ("Mazamari", -11.33, -74.53))),
        ("Cajamarca", ("coffee",), (("Jaén", -5.71, -78.81), ("San Ignacio", -5.15, -79.00),
         ("Chirinos", -5.30, -78.90), ("Cutervo", -6.38, -78.82), ("La Coipa", -5.39, -78.90))),
        ("San Martín", ("coffee", "cocoa"), (("Moyobamba", -6.03, -76.97), ("Lamas", -6.42, -76.52),
         ("Tocache", -8.19, -76.51), ("Juanjuí", -7.18, -76.73), ("Rioja", -6.06, -77.17))),
        ("Amazonas", ("coffee",), (("Lonya Grande", -6.10, -78.42), ("Bagua Grande", -5.76, -78.44),
         ("Jamalca", -5.90, -78.22))),
        ("Cusco", ("coffee", "cocoa"), (("Quillabamba", -12.86, -72.69), ("Echarati", -12.77, -72.58),
         ("Kimbiri", -12.62, -73.79), ("Pichari", -12.52, -73.83))),
        ("Puno", ("coffee", "quinoa"), (("Sandia", -14.32, -69.47), ("San Juan del Oro", -14.22, -69.15),
         ("Juliaca", -15.50, -70.13), ("Cabana", -15.65, -70.32), ("Ilave", -16.08, -69.64))),
        ("Piura", ("banana", "fresh-fruit", "coffee"), (("Sullana", -4.90, -80.68), ("Querecotillo", -4.84, -80.65),
         ("Chulucanas", -5.09, -80.16), ("Montero", -4.63, -79.83), ("Tambogrande", -4.93, -80.34))),
        ("Huánuco", ("cocoa", "coffee"), (("Tingo María", -9.29, -75.99), ("Aucayacu", -8.93, -76.11))),
        ("Pasco", ("coffee",), (("Villa Rica", -10.73, -75.27), ("Oxapampa", -10.58, -75.40))),
        ("Madre de Dios", ("nuts",), (("Puerto Maldonado", -12.59, -69.19), ("Iberia", -11.41, -69.49))),
        ("Ayacucho", ("cocoa", "coffee", "quinoa", "herbs-spices"), (("Llochegua", -12.41, -73.91),
         ("Santa Rosa", -12.60, -73.75), ("Huanta", -12.94, -74.25))),
    ],
    "CO": [
        ("Huila", ("coffee",), (("Pitalito", 1.85, -76.05), ("Garzón", 2.20, -75.63), ("La Plata", 2.39, -75.89),
         ("Acevedo", 1.81, -75.89))),
        ("Cauca", ("coffee", "cane-sugar"), (("Popayán", 2.44, -76.61), ("Inzá", 2.55, -76.06),
         ("Piendamó", 2.64, -76.53), ("El Tambo", 2.45, -76.81))),
        ("Nariño", ("coffee", "cane-sugar"), (("La Unión", 1.60, -77.13), ("Buesaco", 1.38, -77.16),
         ("Sandoná", 1.29, -77.47))),
        ("Tolima", ("coffee",), (("Planadas", 3.20, -75.64), ("Chaparral", 3.72, -75.48), ("Ibagué", 4.44, -75.24))),
        ("Antioquia", ("coffee",), (("Andes", 5.66, -75.88), ("Jardín", 5.60, -75.82),
         ("Ciudad Bolívar", 5.85, -76.02))),
        ("Antioquia", ("banana",), (("Apartadó", 7.88, -76.63), ("Turbo", 8.09, -76.73), ("Carepa", 7.76, -76.65))),
        ("Antioquia", ("flowers",), (("Rionegro", 6.15, -75.37), ("La Ceja", 6.03, -75.43))),
        ("Magdalena", ("banana", "fresh-fruit"), (("Ciénaga", 11.01, -74.25), ("Zona Bananera", 10.76, -74.16),
         ("Aracataca", 10.59, -74.19))),
        ("Magdalena", ("coffee",), (("Santa Marta", 11.14, -74.10),)),
        ("Cundinamarca", ("flowers",), (("Madrid", 4.73, -74.26), ("Facatativá", 4.81, -74.35), ("Funza", 4.72, -74.21),
         ("Tocancipá", 4.97, -73.91), ("Chía", 4.86, -74.06))),
        ("Santander", ("cocoa", "coffee", "cane-sugar"), (("San Vicente de Chucurí", 6.88, -73.41),
         ("Socorro", 6.47, -73.26), ("Rionegro de Santander", 7.27, -73.15))),
        ("Caldas", ("coffee",), (("Riosucio", 5.42, -75.70), ("Aguadas", 5.61, -75.46))),
        ("Risaralda", ("coffee",), (("Belén de Umbría", 5.20, -75.87), ("Apía", 5.10, -75.94))),
        ("Valle del Cauca", ("fresh-fruit", "herbs-spices", "coffee"), (("Trujillo", 4.21, -76.32),
         ("La Unión de Valle", 4.53, -76.10))),
        ("Boyacá", ("cane-sugar",), (("Moniquirá", 5.88, -73.57),)),
    ],
    "MX": [
        ("Chiapas", ("coffee", "honey"), (("Tapachula", 14.90, -92.26), ("Motozintla", 15.37, -92.25),
         ("Ángel Albino Corzo", 15.87, -92.72), ("Ocosingo", 16.91, -92.09), ("Pantelhó", 17.01, -92.47),
         ("Tenejapa", 16.81, -92.51))),
        ("Oaxaca", ("coffee",), (("Pluma Hidalgo", 15.92, -96.42), ("Ixtlán de Juárez", 17.33, -96.49),
         ("San Juan Guichicovi", 16.96, -95.09), ("Putla", 17.03, -97.93))),
        ("Veracruz", ("coffee", "fresh-fruit"), (("Huatusco", 19.15, -96.97), ("Coatepec", 19.45, -96.96),
         ("Zongolica", 18.67, -97.00))),
        ("Puebla", ("coffee", "herbs-spices"), (("Cuetzalan", 20.02, -97.52), ("Xicotepec", 20.27, -97.96))),
        ("Guerrero", ("coffee",), (("Atoyac de Álvarez", 17.21, -100.44),)),
        ("Yucatán", ("honey",), (("Tekax", 20.20, -89.29), ("Valladolid", 20.69, -88.20))),
        ("Campeche", ("honey",), (("Hopelchén", 19.75, -89.84), ("Xpujil", 18.51, -89.39))),
        ("Quintana Roo", ("honey",), (("Felipe Carrillo Puerto", 19.58, -88.05),)),
        ("Michoacán", ("fresh-fruit",), (("Uruapan", 19.41, -102.06), ("Tancítaro", 19.34, -102.36))),
        ("Tabasco", ("cocoa",), (("Comalcalco", 18.26, -93.22), ("Cunduacán", 18.07, -93.17))),
        ("Nayarit", ("fresh-fruit",), (("San Blas", 21.54, -105.28),)),
        ("Sinaloa", ("vegetables",), (("Culiacán", 24.80, -107.39),)),
        ("Veracruz", ("cane-sugar",), (("Córdoba", 18.88, -96.93),)),
    ],
    "EC": [
        ("El Oro", ("banana", "cocoa"), (("Machala", -3.26, -79.96), ("Pasaje", -3.33, -79.81),
         ("Santa Rosa", -3.45, -79.96), ("El Guabo", -3.24, -79.83))),
        ("Guayas", ("banana", "cocoa"), (("Naranjal", -2.67, -79.62), ("Milagro", -2.13, -79.59),
         ("Balao", -2.91, -79.81), ("El Triunfo", -2.33, -79.39))),
        ("Los Ríos", ("banana", "cocoa"), (("Quevedo", -1.03, -79.46), ("Babahoyo", -1.80, -79.53),
         ("Vinces", -1.55, -79.75))),
        ("Manabí", ("cocoa", "coffee"), (("Jipijapa", -1.35, -80.58), ("Calceta", -0.85, -80.17))),
        ("Esmeraldas", ("cocoa",), (("Quinindé", 0.33, -79.47),)),
        ("Pichincha", ("flowers",), (("Cayambe", 0.04, -78.14), ("Tabacundo", 0.05, -78.21),
         ("Machachi", -0.51, -78.57))),
        ("Cotopaxi", ("flowers",), (("Latacunga", -0.93, -78.62), ("Lasso", -0.75, -78.61))),
        ("Imbabura", ("coffee",), (("Apuela", 0.35, -78.51),)),
        ("Chimborazo", ("quinoa", "herbs-spices"), (("Riobamba", -1.67, -78.65), ("Cajabamba", -1.70, -78.77))),
        ("Loja", ("coffee",), (("Loja", -4.00, -79.20), ("Zumba", -4.87, -79.13), ("Amaluza", -4.58, -79.43))),
        ("Zamora Chinchipe", ("coffee",), (("Zamora", -4.07, -78.95), ("Palanda", -4.65, -79.13))),
        ("Sucumbíos", ("cocoa",), (("Lago Agrio", 0.09, -76.89),)),
        ("Napo", ("cocoa",), (("Tena", -0.99, -77.81),)),
        ("Bolívar", ("cane-sugar", "fresh-fruit"), (("Echeandía", -1.43, -79.28),)),
    ],
    "DO": [
        ("Duarte", ("cocoa",), (("San Francisco de Macorís", 19.30, -70.25), ("Castillo", 19.21, -70.03),
         ("Pimentel", 19.18, -70.10))),
        ("Hermanas Mirabal", ("cocoa", "coffee"), (("Salcedo", 19.38, -70.42),)),
        ("Monte Plata", ("cocoa",), (("Yamasá", 18.77, -70.02),)),
        ("Hato Mayor", ("cocoa",), (("Hato Mayor del Rey", 18.76, -69.26),)),
        ("Valverde", ("banana",), (("Mao", 19.55, -71.08), ("Esperanza", 19.58, -70.99))),
        ("Montecristi", ("banana",), (("Montecristi", 19.85, -71.65), ("Villa Vásquez", 19.74, -71.45),
         ("Castañuelas", 19.71, -71.50))),
        ("Azua", ("banana",), (("Azua", 18.45, -70.73),)),
        ("Barahona", ("coffee",), (("Polo", 18.08, -71.28),)),
    ],
    "HN": [
        ("Copán", ("coffee",), (("Santa Rosa de Copán", 14.77, -88.78), ("Copán Ruinas", 14.84, -89.15))),
        ("Lempira", ("coffee",), (("Gracias", 14.59, -88.58),)),
        ("Intibucá", ("coffee",), (("La Esperanza", 14.31, -88.18),)),
        ("La Paz", ("coffee",), (("Marcala", 14.16, -88.03),)),
        ("Ocotepeque", ("coffee",), (("San Marcos", 14.40, -88.95),)),
        ("Comayagua", ("coffee",), (("Siguatepeque", 14.60, -87.83),)),
        ("El Paraíso", ("coffee",), (("Danlí", 14.03, -86.58),)),
        ("Santa Bárbara", ("coffee",), (("Santa Bárbara", 14.92, -88.24), ("Las Vegas", 14.87, -88.07))),
        ("Atlántida", ("cocoa", "fresh-fruit"), (("La Masica", 15.60, -87.10), ("La Ceiba", 15.76, -86.79))),
        ("Choluteca", ("honey", "fresh-fruit"), (("Choluteca", 13.30, -87.19),)),
    ],
    "GT": [
        ("Huehuetenango", ("coffee",), (("La Democracia", 15.63, -91.89), ("Cuilco", 15.41, -91.95),
         ("San Pedro Necta", 15.49, -91.76))),
        ("San Marcos", ("coffee",), (("San Pedro Sacatepéquez", 14.97, -91.78), ("Tajumulco", 15.09, -91.92))),
        ("Sololá", ("coffee",), (("Santiago Atitlán", 14.64, -91.23), ("San Lucas Tolimán", 14.63, -91.14))),
        ("Quiché", ("coffee", "honey"), (("Nebaj", 15.41, -91.15), ("Uspantán", 15.35, -90.87))),
        ("Alta Verapaz", ("herbs-spices", "coffee", "cocoa"), (("Cobán", 15.47, -90.37),
         ("San Pedro Carchá", 15.48, -90.31))),
        ("Chimaltenango", ("coffee",), (("Patzún", 14.68, -91.01),)),
        ("Petén", ("honey", "cocoa"), (("San Andrés", 16.96, -89.91), ("Sayaxché", 16.53, -90.19))),
        ("Escuintla", ("cane-sugar",), (("Santa Lucía Cotzumalguapa", 14.33, -91.02),)),
    ],
    "NI": [
        ("Jinotega", ("coffee",), (("Jinotega", 13.09, -86.00), ("San Rafael del Norte", 13.21, -86.11),
         ("El Cuá", 13.37, -85.67))),
        ("Matagalpa", ("coffee", "cocoa"), (("Matagalpa", 12.93, -85.92), ("San Ramón", 12.92, -85.84),
         ("Waslala", 13.33, -85.38), ("Rancho Grande", 13.25, -85.55))),
        ("Nueva Segovia", ("coffee",), (("Ocotal", 13.63, -86.48), ("Dipilto", 13.72, -86.50),
         ("El Jícaro", 13.72, -86.14))),
        ("Madriz", ("coffee",), (("Somoto", 13.48, -86.58), ("San Juan de Río Coco", 13.55, -86.17))),
        ("Estelí", ("coffee",), (("Estelí", 13.09, -86.35), ("Condega", 13.36, -86.40))),
        ("León", ("nuts", "honey", "cane-sugar"), (("León", 12.43, -86.88), ("El Sauce", 12.89, -86.54))),
        ("Chinandega", ("nuts", "cane-sugar", "honey"), (("Chinandega", 12.63, -87.13),)),
        ("Río San Juan", ("cocoa",), (("El Castillo", 11.02, -84.40),)),
        ("Costa Caribe Norte", ("cocoa",), (("Siuna", 13.73, -84.78),)),
    ],
    "BR": [
        ("Minas Gerais", ("coffee",), (("Poço Fundo", -21.78, -45.96), ("Machado", -21.67, -45.92),
         ("Santo Antônio do Amparo", -20.95, -44.92), ("Manhuaçu", -20.26, -42.03),
         ("Carmo de Minas", -22.12, -45.13))),
        ("Espírito Santo", ("coffee",), (("Venda Nova do Imigrante", -20.34, -41.13), ("Brejetuba", -20.14, -41.29))),
        ("São Paulo", ("coffee", "fruit-juices"), (("Garça", -22.21, -49.66), ("Bebedouro", -20.95, -48.48))),
        ("Bahia", ("coffee", "cocoa", "fresh-fruit"), (("Vitória da Conquista", -14.86, -40.84),
         ("Piatã", -13.15, -41.77), ("Ilhéus", -14.79, -39.05), ("Juazeiro", -9.41, -40.50))),
        ("Paraná", ("coffee", "honey"), (("Carlópolis", -23.43, -49.72), ("Ortigueira", -24.21, -50.95))),
        ("Piauí", ("honey",), (("Picos", -7.08, -41.47), ("Simplício Mendes", -7.85, -41.91))),
        ("Ceará", ("nuts", "fresh-fruit"), (("Ocara", -4.49, -38.60), ("Pacajus", -4.17, -38.46))),
        ("Rio Grande do Norte", ("fresh-fruit",), (("Mossoró", -5.19, -37.34),)),
        ("Pará", ("nuts", "cocoa"), (("Tomé-Açu", -2.42, -48.15), ("Altamira", -3.20, -52.21))),
        ("Rondônia", ("coffee",), (("Cacoal", -11.44, -61.45),)),
        ("Acre", ("nuts",), (("Xapuri", -10.65, -68.50),)),
        ("Rio Grande do Sul", ("fruit-juices", "honey"), (("Garibaldi", -29.26, -51.53),
         ("Bento Gonçalves", -29.17, -51.52))),
        ("Pernambuco", ("cane-sugar",), (("Goiana", -7.56, -35.00),)),
    ],
    "BO": [
        ("La Paz", ("coffee",), (("Caranavi", -15.84, -67.57), ("Coroico", -16.19, -67.73),
         ("Chulumani", -16.41, -67.53))),
        ("La Paz", ("cocoa",), (("Palos Blancos", -15.58, -67.25), ("Sapecho", -15.55, -67.33))),
        ("Oruro", ("quinoa",), (("Salinas de Garci Mendoza", -19.64, -67.68),)),
        ("Potosí", ("quinoa",), (("Uyuni", -20.46, -66.83), ("Llica", -19.85, -68.25))),
        ("Pando", ("nuts",), (("Cobija", -11.03, -68.77),)),
        ("Beni", ("nuts", "cocoa"), (("Riberalta", -11.00, -66.07),)),
        ("Cochabamba", ("banana",), (("Villa Tunari", -16.97, -65.42), ("Shinahota", -16.99, -65.25))),
        ("Santa Cruz", ("coffee",), (("Samaipata", -18.18, -63.87),)),
    ],
    "CR": [
        ("San José", ("coffee",), (("San Marcos de Tarrazú", 9.66, -84.02), ("Santa María de Dota", 9.65, -83.97),
         ("San Isidro de El General", 9.37, -83.70))),
        ("Alajuela", ("coffee", "cane-sugar"), (("Naranjo", 10.10, -84.38), ("Grecia", 10.07, -84.31))),
        ("Alajuela", ("fresh-fruit",), (("Los Chiles", 11.03, -84.71),)),
        ("Heredia", ("coffee",), (("San Isidro de Heredia", 10.02, -84.06),)),
        ("Puntarenas", ("coffee", "fresh-fruit"), (("San Vito", 8.82, -82.97), ("Buenos Aires", 9.17, -83.33))),
        ("Limón", ("banana", "cocoa", "fresh-fruit"), (("Siquirres", 10.10, -83.51), ("Matina", 10.08, -83.29),
         ("Bribrí", 9.63, -82.83), ("Guápiles", 10.21, -83.78))),
        ("Guanacaste", ("cane-sugar",), (("Cañas", 10.43, -85.09), ("Filadelfia", 10.45, -85.56))),
        ("Cartago", ("coffee",), (("Turrialba", 9.90, -83.68),)),
    ],
    "PY": [
        ("Cordillera", ("cane-sugar",), (("Arroyos y Esteros", -25.06, -57.10), ("Tobatí", -25.26, -57.08))),
        ("Guairá", ("cane-sugar",), (("Villarrica", -25.78, -56.45), ("Iturbe", -26.06, -56.50))),
        ("Caaguazú", ("cane-sugar", "herbs-spices"), (("Coronel Oviedo", -25.44, -56.44),)),
        ("Paraguarí", ("cane-sugar",), (("Paraguarí", -25.62, -57.15),)),
        ("Itapúa", ("herbs-spices", "honey"), (("Encarnación", -27.33, -55.87), ("Obligado", -27.05, -55.63))),
        ("San Pedro", ("honey",), (("San Estanislao", -24.66, -56.44),)),
    ],
    "CL": [
        ("Maule", ("wine-grapes", "honey"), (("Cauquenes", -35.97, -72.32), ("Talca", -35.43, -71.67),
         ("San Javier", -35.59, -71.73))),
        ("O'Higgins", ("fresh-fruit", "wine-grapes"), (("Rancagua", -34.17, -70.74), ("Santa Cruz", -34.64, -71.37))),
        ("Ñuble", ("honey", "wine-grapes"), (("Chillán", -36.61, -72.10), ("Quillón", -36.74, -72.47))),
        ("Biobío", ("honey",), (("Los Ángeles", -37.47, -72.35),)),
        ("Araucanía", ("honey", "fresh-fruit"), (("Temuco", -38.74, -72.60),)),
        ("Coquimbo", ("dried-fruit", "fresh-fruit"), (("Ovalle", -30.60, -71.20), ("Monte Patria", -30.69, -70.95))),
        ("Valparaíso", ("fresh-fruit",), (("Quillota", -32.88, -71.25),)),
    ],
    "AR": [
        ("Mendoza", ("wine-grapes",), (("San Rafael", -34.62, -68.33), ("Tunuyán", -33.58, -69.02))),
        ("La Rioja", ("wine-grapes",), (("Chilecito", -29.16, -67.50),)),
        ("Misiones", ("herbs-spices",), (("Oberá", -27.49, -55.12), ("Apóstoles", -27.91, -55.76))),
        ("Entre Ríos", ("honey", "fresh-fruit"), (("Concordia", -31.39, -58.02),)),
        ("Santiago del Estero", ("honey",), (("Añatuya", -28.46, -62.83),)),
        ("Río Negro", ("fresh-fruit",), (("General Roca", -39.03, -67.58), ("Villa Regina", -39.10, -67.08))),
        ("Catamarca", ("dried-fruit",), (("Belén", -27.65, -67.03),)),
    ],
    "HT": [
        ("Nord", ("coffee", "cocoa"), (("Dondon", 19.53, -72.24), ("Grande-Rivière-du-Nord", 19.58, -72.17),
         ("Limbé", 19.70, -72.40))),
        ("Nord-Est", ("coffee",), (("Vallières", 19.43, -71.92),)),
        ("Grand'Anse", ("cocoa",), (("Jérémie", 18.65, -74.11), ("Dame-Marie", 18.56, -74.42))),
        ("Sud-Est", ("coffee",), (("Thiotte", 18.25, -71.84),)),
        ("Centre", ("coffee", "fresh-fruit"), (("Baptiste", 18.92, -71.88), ("Mirebalais", 18.83, -72.10),
         ("Hinche", 19.15, -72.01))),
        ("Sud", ("cocoa",), (("Les Cayes", 18.19, -73.75),)),
        ("Artibonite", ("fresh-fruit",), (("Saint-Marc", 19.11, -72.69), ("Gros-Morne", 19.67, -72.68))),
    ],
    "SV": [
        ("Santa Ana", ("coffee",), (("Chalchuapa", 13.98, -89.68),)),
        ("Ahuachapán", ("coffee",), (("Apaneca", 13.86, -89.80), ("Concepción de Ataco", 13.87, -89.85))),
        ("Usulután", ("coffee", "nuts"), (("Berlín", 13.50, -88.53), ("Jiquilisco", 13.32, -88.57))),
        ("Chalatenango", ("coffee", "honey"), (("La Palma", 14.32, -89.17),)),
        ("La Paz", ("cane-sugar",), (("Zacatecoluca", 13.50, -88.87),)),
        ("San Miguel", ("cane-sugar", "honey"), (("Chinameca", 13.50, -88.35),)),
    ],
    "PA": [
        ("Chiriquí", ("coffee",), (("Boquete", 8.78, -82.44), ("Volcán", 8.77, -82.64))),
        ("Bocas del Toro", ("banana", "cocoa"), (("Changuinola", 9.43, -82.52), ("Almirante", 9.30, -82.40))),
        ("Coclé", ("coffee",), (("Penonomé", 8.52, -80.36),)),
    ],
    "CU": [
        ("Santiago de Cuba", ("coffee",), (("Contramaestre", 20.30, -76.25), ("Tercer Frente", 20.17, -76.32))),
        ("Granma", ("coffee", "honey"), (("Bartolomé Masó", 20.17, -76.94), ("Bayamo", 20.38, -76.64))),
        ("Guantánamo", ("coffee", "cocoa"), (("Baracoa", 20.35, -74.50),)),
        ("Matanzas", ("fruit-juices", "fresh-fruit"), (("Jagüey Grande", 22.53, -81.13),)),
        ("Ciego de Ávila", ("fruit-juices", "fresh-fruit"), (("Ceballos", 21.83, -78.75),)),
        ("Pinar del Río", ("honey",), (("Viñales", 22.62, -83.71),)),
        ("Villa Clara", ("cane-sugar", "honey"), (("Santa Clara", 22.41, -79.96),)),
        ("Cienfuegos", ("coffee",), (("Cumanayagua", 22.15, -80.20),)),
    ],
    "JM": [
        ("Saint Andrew", ("coffee",), (("Mavis Bank", 18.03, -76.66),)),
        ("Saint Thomas", ("banana", "coffee"), (("Golden Grove", 17.93, -76.27),)),
        ("Saint Mary", ("banana", "cocoa"), (("Port Maria", 18.37, -76.89), ("Highgate", 18.27, -76.88))),
        ("Portland", ("banana",), (("Port Antonio", 18.18, -76.45),)),
        ("Manchester", ("coffee",), (("Christiana", 18.17, -77.49),)),
        ("Clarendon", ("cocoa",), (("Frankfield", 18.14, -77.36),)),
    ],
    "BZ": [
        ("Orange Walk", ("cane-sugar",), (("Orange Walk Town", 18.08, -88.56), ("San Estevan", 18.15, -88.48))),
        ("Corozal", ("cane-sugar",), (("Corozal Town", 18.39, -88.39), ("Libertad", 18.30, -88.43))),
        ("Toledo", ("cocoa",), (("Punta Gorda", 16.10, -88.81), ("San Antonio", 16.25, -89.02))),
        ("Cayo", ("honey",), (("San Ignacio", 17.16, -89.07),)),
    ],
    "DM": [
        ("Saint Andrew", ("banana", "fresh-fruit"), (("Marigot", 15.53, -61.30),)),
        ("Saint Joseph", ("banana",), (("Saint Joseph", 15.40, -61.43),)),
        ("Saint David", ("banana",), (("Castle Bruce", 15.43, -61.26),)),
        ("Saint Patrick", ("banana", "fresh-fruit"), (("Grand Bay", 15.24, -61.31),)),
    ],
    "LC": [
        ("Dennery", ("banana",), (("Dennery", 13.91, -60.89),)),
        ("Micoud", ("banana", "fresh-fruit"), (("Micoud", 13.82, -60.90),)),
        ("Soufrière", ("banana",), (("Soufrière", 13.86, -61.06),)),
        ("Vieux Fort", ("banana",), (("Vieux Fort", 13.73, -60.96),)),
    ],
    "VC": [
        ("Charlotte", ("banana", "fresh-fruit"), (("Georgetown", 13.28, -61.12), ("Mesopotamia", 13.18, -61.17))),
        ("Saint Patrick", ("banana",), (("Layou", 13.20, -61.28),)),
        ("Saint David", ("banana",), (("Chateaubelair", 13.29, -61.25),)),
    ],
    "GD": [
        ("Saint Andrew", ("cocoa", "herbs-spices"), (("Grenville", 12.12, -61.62),)),
        ("Saint Patrick", ("cocoa",), (("Sauteurs", 12.22, -61.64),)),
        ("Saint John", ("herbs-spices", "cocoa"), (("Gouyave", 12.17, -61.73),)),
    ],
}  # fmt: skip

# Name pools. Spanish-speaking countries use two surnames; Andean and Mesoamerican pools mix
# in Quechua/Aymara and Mayan surnames.
_ES_MALE = (
    "José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Pedro", "Manuel", "Francisco", "Víctor", "Edwin", "Wilmer",
    "Hernán", "Óscar", "Julio", "Fredy", "Rubén", "Raúl", "Segundo", "Elmer", "Santos", "Marco Antonio", "Juan Carlos",
    "José Luis", "Ángel", "Efraín", "Rigoberto", "Nelson", "Alcides", "Teófilo", "Andrés", "Fabio", "Orlando", "Germán",
    "Álvaro", "Héctor", "Ramón", "Sebastián", "Joaquín", "Tomás",
)  # fmt: skip
_ES_FEMALE = (
    "María", "Rosa", "Ana", "Carmen", "Luz", "Marisol", "Yolanda", "Gladys", "Elena", "Martha", "Juana", "Flor",
    "Isabel", "Sonia", "Patricia", "Nelly", "Blanca", "Teresa", "Lucía", "Maribel", "Sandra", "Dora", "Rocío",
    "Ana María", "María Elena", "Hilda", "Norma", "Liliana", "Yaneth", "Gloria", "Mercedes", "Esperanza", "Consuelo",
    "Inés", "Mónica", "Verónica",
)  # fmt: skip
_ES_SURNAMES = (
    "García", "Rodríguez", "Martínez", "López", "González", "Hernández", "Pérez", "Sánchez", "Ramírez", "Torres",
    "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz", "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz",
    "Jiménez", "Mendoza", "Álvarez", "Castillo", "Vásquez", "Romero", "Herrera", "Medina", "Aguilar", "Vargas",
    "Guzmán", "Muñoz", "Rojas", "Osorio", "Castaño", "Restrepo", "Cardona", "Zamora", "Solís", "Méndez", "Velásquez",
    "Pineda", "Zelaya", "Orellana", "Benítez", "Báez", "Acosta", "Santana", "Peralta", "Espinoza", "Núñez", "Fuentes",
)  # fmt: skip
_ANDEAN_SURNAMES = (
    "Quispe", "Mamani", "Huamán", "Condori", "Choque", "Ccori", "Huaranga", "Ticona", "Apaza", "Yupanqui", "Cusi",
    "Paucar", "Villca", "Limachi", "Guamán", "Chimbo", "Tenesaca", "Tarrillo", "Guevara", "Delgado", "Cárdenas",
    "Chamba", "Jaramillo", "Huanca", "Ccahuana",
)  # fmt: skip
_MAYA_SURNAMES = ("Girón", "Tzoc", "Caal", "Xol", "Choc", "Ajú", "Sántiz", "Gómez", "Pérez", "Cuxil", "Tecún", "Chel")
_PT_MALE = (
    "João", "José", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Luiz", "Marcos", "Sebastião", "Geraldo",
    "Raimundo", "Edson", "Valdir", "João Paulo", "Rogério", "Márcio",
)  # fmt: skip
_PT_FEMALE = (
    "Maria", "Ana", "Francisca", "Antônia", "Adriana", "Juliana", "Márcia", "Fernanda", "Aparecida", "Sandra",
    "Luciana", "Rosângela", "Maria José", "Cláudia", "Vânia",
)  # fmt: skip
_PT_SURNAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes", "Ribeiro",
    "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento",
    "Moreira", "Teixeira", "Costa", "Mendes", "Pinto", "Araújo", "Conceição",
)  # fmt: skip
_FR_MALE = (
    "Jean", "Pierre", "Joseph", "Wilner", "Jacques", "Frantz", "Rony", "Dieudonné", "Luckner", "Ernso", "Wilson",
    "Jean-Claude", "Fritznel", "Emmanuel", "Jean-Baptiste", "Fénel",
)  # fmt: skip
_FR_FEMALE = (
    "Marie", "Rose", "Nadège", "Guerline", "Mireille", "Yolette", "Roseline", "Marie-Claire", "Fabiola", "Nicole",
    "Islande", "Edeline", "Bernadette",
)  # fmt: skip
_FR_SURNAMES = (
    "Joseph", "Pierre", "Jean", "Louis", "Charles", "Baptiste", "Jean-Baptiste", "Michel", "Paul", "Étienne", "Désir",
    "Noël", "François", "Augustin", "Alexis", "Cadet", "Dorvil", "Estimé", "Fils-Aimé", "Jeune", "Saint-Fleur",
)  # fmt: skip
_EN_MALE = (
    "Winston", "Leroy", "Desmond", "Clive", "Delroy", "Errol", "Marlon", "Kelvin", "Andrew", "Michael", "Anthony",
    "Lennox", "Randolph", "Garfield", "Junior", "Dwayne",
)  # fmt: skip
_EN_FEMALE = (
    "Sharon", "Marcia", "Jennifer", "Claudette", "Beverly", "Patricia", "Sandra", "Joan", "Yvonne", "Annette",
    "Hyacinth", "Gloria", "Cheryl",
)  # fmt: skip
_EN_SURNAMES = (
    "Williams", "Brown", "Thomas", "Charles", "Joseph", "John", "Baptiste", "James", "Henry", "Campbell", "Thompson",
    "Grant", "Clarke", "Francis", "Alexander", "Edwards", "George", "Samuel", "Daniel", "Peters", "Richards",
)  # fmt: skip
_BZ_SURNAMES = ("Coc", "Sho", "Pop", "Cal", "Chun", "Ramírez", "Castillo", "Gentle", "Young", "Tillett", "Cawich")

# Evocative names Latin American cooperatives take ("Nuevo Amanecer", "Sol y Café").
_PLACES_ES = (
    "Nueva Esperanza", "Flor de Café", "Sol y Café", "Valle Verde", "Los Andes", "La Unión", "Unión y Progreso",
    "Tierra Nueva", "Nuevo Amanecer", "Frontera Sur", "Monte Verde", "El Progreso", "Las Nubes", "Río Verde",
    "Bosque Verde", "Cerro Azul", "La Esperanza", "Montaña Verde", "Agua Dulce", "Brisas del Valle", "Sierra Azul",
    "Alto Bosque", "Manos Unidas", "Tierra Fértil", "Semilla de Vida",
)  # fmt: skip
_PLACES_PT = ("Nova Esperança", "Terra Boa", "Vale Verde", "Serra Azul", "Boa Vista", "Santa Luzia", "Bom Jesus")
_PLACES_FR = ("Espérance", "Bon Avenir", "Nouvelle Vie", "Union Paysanne", "Solidarité", "Belle Vue")
_PLACES_EN = ("Hillside", "Blue Mountain", "Riverside", "Windward", "Valley View", "Green Hills")
_SAINTS_ES = ("San Juan", "Santa Rosa", "San Pedro", "San Francisco", "San José", "Santa Cruz", "San Martín")
_COMPANY_WORDS = (
    "Santa Lucía", "La Esmeralda", "El Rosal", "San Jorge", "Los Álamos", "La Primavera", "El Paraíso", "Santa Teresa",
    "La Fortuna", "Las Palmas", "El Edén", "San Rafael", "La Aurora", "Monteverde", "Bellavista", "La Victoria",
)  # fmt: skip

# Product words for names, per naming style: (noun, cooperative adjective, plural adjective).
_PRODUCT_WORDS: dict[str, dict[str, tuple[str, str, str]]] = {
    "es": {
        "coffee": ("Café", "Cafetalera", "Cafetaleras"), "cocoa": ("Cacao", "Cacaotera", "Cacaoteras"),
        "banana": ("Banano", "Bananera", "Bananeras"), "cane-sugar": ("Caña de Azúcar", "Cañera", "Cañeras"),
        "fresh-fruit": ("Frutas", "Frutícola", "Frutícolas"), "fruit-juices": ("Cítricos", "Citrícola", "Citrícolas"),
        "dried-fruit": ("Frutos Secos", "Agrícola", "Agrícolas"), "honey": ("Miel", "Apícola", "Apícolas"),
        "quinoa": ("Quinua", "Quinuera", "Quinueras"), "herbs-spices": ("Hierbas y Especias", "Agrícola", "Agrícolas"),
        "nuts": ("Castaña", "Agroextractivista", "Agroextractivistas"),
        "vegetables": ("Hortalizas", "Hortícola", "Hortícolas"), "cereals": ("Granos", "Agrícola", "Agrícolas"),
        "flowers": ("Flores", "Florícola", "Florícolas"), "wine-grapes": ("Uva", "Vitivinícola", "Vitivinícolas"),
    },
    "pt": {
        "coffee": ("Café", "Cafeicultores", ""), "cocoa": ("Cacau", "Cacauicultores", ""),
        "banana": ("Banana", "Bananicultores", ""), "cane-sugar": ("Cana-de-Açúcar", "Canavieiros", ""),
        "fresh-fruit": ("Frutas", "Fruticultores", ""), "fruit-juices": ("Laranja", "Citricultores", ""),
        "honey": ("Mel", "Apicultores", ""), "nuts": ("Castanha", "Extrativistas", ""),
    },
    "fr": {
        "coffee": ("Café", "Caféière", "Caféières"), "cocoa": ("Cacao", "Cacaoyère", "Cacaoyères"),
        "fresh-fruit": ("Mangue", "Fruitière", "Fruitières"),
    },
    "en": {
        "coffee": ("Coffee", "", ""), "cocoa": ("Cocoa", "", ""), "banana": ("Banana", "", ""),
        "cane-sugar": ("Cane", "", ""), "honey": ("Honey", "", ""), "fresh-fruit": ("Fruit", "", ""),
        "herbs-spices": ("Nutmeg", "", ""),
    },
}  # fmt: skip

# Yield per hectare in the product's unit of trade (lb, t, box, kg) and Fairtrade Premium per
# unit in USD (coffee $0.20/lb and cocoa $240/t as in DESIGN §1).
_AGRONOMY: dict[str, tuple[float, float, float, float, float]] = {
    # product: (hectares per member low, high, yield low, high, premium USD per unit)
    "coffee": (1.5, 4.0, 800, 1800, 0.20),
    "cocoa": (1.5, 5.0, 0.35, 0.8, 240),
    "banana": (1.0, 3.0, 1200, 2600, 1.0),
    "cane-sugar": (3.0, 8.0, 5, 8, 80),
    "fresh-fruit": (1.5, 5.0, 9000, 22000, 0.04),
    "fruit-juices": (2.0, 6.0, 2000, 5000, 0.08),
    "dried-fruit": (1.0, 4.0, 1000, 3000, 0.10),
    "honey": (0.3, 1.0, 400, 1400, 0.20),
    "quinoa": (1.0, 3.0, 500, 1200, 0.10),
    "herbs-spices": (0.5, 2.0, 300, 1500, 0.15),
    "nuts": (3.0, 12.0, 80, 250, 0.15),
    "vegetables": (0.5, 2.0, 10000, 20000, 0.02),
    "cereals": (1.0, 4.0, 2000, 4000, 0.02),
    "flowers": (0.05, 0.15, 2500, 3500, 3.0),
    "wine-grapes": (1.0, 5.0, 8000, 15000, 0.05),
}
# Share of women among members, by product (hired-labour flower farms employ many women).
_WOMEN_SHARE: dict[str, tuple[float, float]] = {
    "coffee": (0.20, 0.36), "cocoa": (0.20, 0.36), "banana": (0.08, 0.22), "cane-sugar": (0.08, 0.20),
    "honey": (0.30, 0.50), "quinoa": (0.30, 0.45), "herbs-spices": (0.40, 0.60), "flowers": (0.50, 0.65),
}  # fmt: skip

_RETURN_NOTES: dict[str, tuple[str, ...]] = {
    "es": (
        "El número de socias no coincide con el padrón enviado en marzo; por favor revisen el total de mujeres.",
        "Falta el desglose del uso de la prima por categoría. Completen la tabla y vuelvan a enviar.",
        "El volumen vendido en condiciones Fairtrade no coincide con los certificados de transacción de FLOCERT.",
        "Las hectáreas reportadas bajaron a la mitad respecto al año anterior: ¿es correcto? Agreguen una nota.",
    ),
    "pt-br": (
        "Falta o detalhamento do uso do prêmio por categoria. Completem a tabela e reenviem, por favor.",
        "O volume vendido em condições Fairtrade não confere com as transações registradas na FLOCERT.",
    ),
    "fr": (
        "La répartition de l'utilisation de la prime manque. Merci de compléter le tableau et de renvoyer.",
        "Le volume vendu aux conditions Fairtrade ne correspond pas aux transactions enregistrées chez FLOCERT.",
    ),
    "en": (
        "The premium use breakdown is missing. Please complete the table and submit again.",
        "The volume sold on Fairtrade terms does not match the FLOCERT transaction records.",
    ),
}
_APPROVE_NOTES = ("", "", "", "Aprobado. Gracias por el desglose del uso de la prima.", "Revisado con la red nacional.")


# --- Small helpers ------------------------------------------------------------------------


def allocate(total: int, weights: dict[str, float], *, minimum: int = 0) -> dict[str, int]:
    """Split `total` in proportion to `weights` (largest remainder), each key getting at least
    `minimum` when the total allows it. Deterministic: no randomness."""
    keys = list(weights)
    floor = minimum if total >= minimum * len(keys) else 0
    rest = total - floor * len(keys)
    weight_sum = sum(weights.values()) or 1
    exact = {k: rest * weights[k] / weight_sum for k in keys}
    counts = {k: floor + int(exact[k]) for k in keys}
    left = total - sum(counts.values())
    for k in sorted(keys, key=lambda k: (-(exact[k] - int(exact[k])), keys.index(k)))[:left]:
        counts[k] += 1
    return counts


def weighted_choice(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def ascii_slug(text: str, sep: str = "") -> str:
    """'Poço Fundo' → 'pocofundo' (or 'poco-fundo' with sep='-'): ASCII for emails and domains."""
    words = "".join(c if c.isalnum() else " " for c in strip_accents(text).lower()).split()
    return sep.join(words)


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _at(rng: random.Random, day: datetime.date) -> datetime.datetime:
    """An office-hours moment on a day, aware in the project's time zone."""
    moment = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(moment)


def _sorted_days(rng: random.Random, start: datetime.date, end: datetime.date, count: int) -> list[datetime.date]:
    """`count` increasing, distinct days between start and end (as far as the span allows)."""
    span = max((end - start).days, 0)
    if span + 1 >= count:
        offsets = sorted(rng.sample(range(span + 1), count))
    else:
        offsets = sorted(rng.randint(0, span) for _ in range(count))
    return [start + datetime.timedelta(days=o) for o in offsets]


def _decimal(value: float, places: str = "0.01") -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


# --- Names, identifiers, contact data -------------------------------------------------------


def name_style(country_code: str) -> str:
    """Naming language of organizations in a country."""
    return {"BR": "pt", "HT": "fr", "JM": "en", "BZ": "en", "DM": "en", "LC": "en", "VC": "en", "GD": "en"}.get(
        country_code, "es"
    )


def person_name(rng: random.Random, country_code: str, gender: str) -> tuple[str, str]:
    """A realistic (first name, last name) for someone from the country."""
    pool = COUNTRY_PROFILES[country_code].names
    female = gender == Person.Gender.FEMALE
    if pool == "belizean":
        pool = rng.choice(("english", "spanish"))
    if pool == "portuguese":
        first = rng.choice(_PT_FEMALE if female else _PT_MALE)
        surnames = rng.sample(_PT_SURNAMES, 2)
        last = f"{surnames[0]} {surnames[1]}" if rng.random() < 0.6 else rng.choice(("da ", "de ", "")) + surnames[0]
        return first, last
    if pool == "french":
        return rng.choice(_FR_FEMALE if female else _FR_MALE), rng.choice(_FR_SURNAMES)
    if pool == "english":
        surnames = _EN_SURNAMES + (_BZ_SURNAMES if country_code == "BZ" else ())
        return rng.choice(_EN_FEMALE if female else _EN_MALE), rng.choice(surnames)
    first = rng.choice(_ES_FEMALE if female else _ES_MALE)
    if pool == "andean":
        surnames = [rng.choice(_ANDEAN_SURNAMES if rng.random() < 0.55 else _ES_SURNAMES) for _ in range(2)]
    elif pool == "mesoamerican":
        surnames = [rng.choice(_MAYA_SURNAMES if rng.random() < 0.3 else _ES_SURNAMES) for _ in range(2)]
    else:
        surnames = [rng.choice(_ES_SURNAMES) for _ in range(2)]
    if surnames[0] == surnames[1]:
        surnames = surnames[:1]
    return first, " ".join(surnames)


def phone_number(rng: random.Random, country_code: str) -> str:
    """A mobile number in E.164 with the country's calling code and a plausible prefix."""
    profile = COUNTRY_PROFILES[country_code]
    prefix = rng.choice(profile.mobile_prefixes)
    rest = profile.subscriber_digits - len(prefix)
    return f"+{profile.calling_code}{prefix}{rng.randrange(10 ** (rest - 1), 10**rest)}"


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(count))


def tax_id(rng: random.Random, country_code: str, name: str, founding_year: int) -> str:
    """A tax id in the country's format (RUC, NIT, RFC, CNPJ, RTN, cédula jurídica…)."""
    d = lambda n: _digits(rng, n)  # noqa: E731
    match country_code:
        case "PE":
            return "20" + d(9)
        case "CO":
            return f"{rng.randint(800_000_000, 901_999_999)}-{d(1)}"
        case "MX":
            initials = "".join(w[0] for w in ascii_slug(name, " ").upper().split() if len(w) > 3)[:3].ljust(3, "X")
            return f"{initials}{founding_year % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + "".join(
                rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(3)
            )
        case "EC":
            return f"{rng.choice(('07', '09', '12', '17', '13', '11'))}9{d(7)}001"
        case "BR":
            return f"{d(2)}.{d(3)}.{d(3)}/0001-{d(2)}"
        case "BO":
            return f"{rng.randint(100_000_000, 399_999_999)}{d(1)}"
        case "DO":
            return f"4-{d(2)}-{d(5)}-{d(1)}"
        case "HN":
            return f"{rng.randint(1, 18):02d}{rng.randint(1, 28):02d}" + d(10)
        case "GT":
            return f"{rng.randint(1_000_000, 9_999_999)}-{rng.choice('0123456789K')}"
        case "NI":
            return f"J{rng.choice(('03', '04', '05'))}10000{d(6)}"
        case "CR":
            return f"3-{rng.choice(('004', '002'))}-{d(6)}"
        case "SV":
            return f"{rng.choice(('0614', '0210', '1121', '0407'))}-{d(6)}-{d(3)}-{d(1)}"
        case "PA":
            return f"{rng.randint(1_000_000, 2_999_999)}-1-{d(6)}"
        case "PY":
            return f"{rng.randint(80_000_000, 80_129_999)}-{d(1)}"
        case "CL":
            return f"{rng.randint(65, 76)}.{d(3)}.{d(3)}-{rng.choice('0123456789K')}"
        case "AR":
            return f"30-{rng.randint(50_000_000, 71_999_999)}-{d(1)}"
        case "CU":
            return d(11)
        case "HT":
            return f"{d(3)}-{d(3)}-{d(3)}-{d(1)}"
        case "JM":
            return f"{d(3)}-{d(3)}-{d(3)}"
        case _:
            return d(rng.choice((6, 7, 9)))


def organization_domain(name: str, country_code: str) -> str:
    """A demo web domain for an organization. Reserved `.example` names (RFC 2606): a demo that
    is ever pointed at a real mail server cannot write to real people."""
    words = ascii_slug(name, " ").split()
    heads = {"cooperativa": "coop", "cooperative": "coop", "coop": "coop", "asociacion": "aso", "associacao": "assoc",
             "association": "assoc", "union": "union", "uniao": "union", "central": "central", "comite": "comite",
             "comissao": "comissao", "federacion": "fed", "federation": "fed", "reseau": "reseau"}  # fmt: skip
    head = heads.get(words[0], "org") if words else "org"
    significant = normalize_organization_name(name).split()
    if name_style(country_code) == "en":  # "Castle Bruce Banana Producers Society": the place comes first
        head, significant = "-".join(ascii_slug(w) for w in significant[:2]), ["farmers"]
    tail = "-".join(ascii_slug(w) for w in significant[-2:]) or "org"
    return f"{head}-{tail}.{COUNTRY_PROFILES[country_code].domain}.example"


# --- Organizations ------------------------------------------------------------------------


@dataclass
class OrgPlan:
    """One organization with the facts later steps need (size, products, membership story)."""

    organization: Organization
    products: list[str]
    members: int
    showcase: str = ""
    domain: str = ""
    membership: Membership | None = None
    certification: Certification | None = None
    events: list[MembershipEvent] = field(default_factory=list)
    twin: OrgPlan | None = None  # the record this planted duplicate repeats
    twin_kind: str = ""  # "name" or "tax_id"
    children: list[OrgPlan] = field(default_factory=list)


def _place_name(rng: random.Random, style: str, locality: str, region: str, *, crowded: bool = False) -> str:
    """The place part of a name: the locality, an evocative name, a saint's or a compound.
    `crowded` (a country with many organizations at the large scale) always compounds, which
    multiplies the names available."""
    roll = rng.random()
    if crowded:
        if style == "es":
            return f"{rng.choice(_PLACES_ES + _SAINTS_ES)} de {locality}"
        if style == "en":
            return f"{rng.choice(('Upper', 'Lower', 'North', 'South', 'East', 'West', 'Central'))} {locality}"
        return f"{rng.choice({'pt': _PLACES_PT, 'fr': _PLACES_FR}[style])} de {locality}"
    if style == "es":
        if roll < 0.5:
            return locality
        if roll < 0.72:
            return rng.choice(_PLACES_ES)
        if roll < 0.82:
            return f"{rng.choice(_SAINTS_ES)} de {locality}"
        if roll < 0.9:
            return f"{rng.choice(('Alto', 'Bajo', 'Nuevo'))} {locality}"
        return region
    pool = {"pt": _PLACES_PT, "fr": _PLACES_FR, "en": _PLACES_EN}[style]
    return locality if roll < 0.65 else (rng.choice(pool) if roll < 0.9 else region)


def _spo_name(rng: random.Random, country: str, style: str, product: str, place: str) -> str:
    noun, adj, _plural = _PRODUCT_WORDS.get(style, {}).get(product, ("", "", ""))
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
    noun, _adj, plural = _PRODUCT_WORDS.get(style, {}).get(product, ("", "", ""))
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
    word = rng.choice(_COMPANY_WORDS)
    if crowded:  # family firms: "Flores Restrepo Hermanos"
        word = f"{rng.choice(_ES_SURNAMES)} {rng.choice(('Hermanos', 'e Hijos'))}"
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
    lat = _clamp(lat + rng.gauss(0, 0.04), float(country.min_latitude) + margin, float(country.max_latitude) - margin)
    lon = _clamp(lon + rng.gauss(0, 0.04), float(country.min_longitude) + margin, float(country.max_longitude) - margin)
    return _decimal(lat, "0.000001"), _decimal(lon, "0.000001")


def _pick_region(rng: random.Random, country: str, product: str) -> tuple[str, tuple[str, float, float]]:
    regions = REGIONS[country]
    fitting = [r for r in regions if product in r[1]] or regions
    region = rng.choice(fitting)
    return region[0], rng.choice(region[2])


def _languages(rng: random.Random, country: str) -> list[str]:
    main = COUNTRY_PROFILES[country].language
    if main != "en" and rng.random() < 0.15:
        return [main, "en"]
    if country == "BZ":
        return ["en", "es"]
    return [main]


class _Registry:
    """What must stay unique while planning: FLO IDs, tax ids, names per country, emails, phones."""

    def __init__(self) -> None:
        self.flo_ids: set[str] = set()
        self.tax_ids: set[str] = set()
        self.names: set[tuple[str, str]] = set()
        self.emails: set[str] = set()
        self.phones: set[str] = set()

    def flo_id(self, rng: random.Random, *, old: bool) -> str:
        # Older members have short FLO IDs (FLOCERT numbers them in order); newer ones 5 digits.
        low, high = (100, 9_999) if old else (10_000, 49_999)
        for _ in range(200):
            value = str(rng.randint(low, high))
            if value not in self.flo_ids:
                self.flo_ids.add(value)
                return value
        while True:  # the pool is crowded (large scale): widen it, still 1 to 7 digits
            value = str(rng.randint(50_000, 9_999_999))
            if value not in self.flo_ids:
                self.flo_ids.add(value)
                return value

    def unique(self, bucket: set, value: Any) -> bool:
        if value in bucket:
            return False
        bucket.add(value)
        return True


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
        factor = _clamp((target - fixed) / variable, 0.35, 3.0)
        for i in indexes:
            if not plans[i].showcase:
                plans[i].members = max(8, round(raw[i] * factor))


def plan_organizations(
    rng: random.Random,
    *,
    count: int,
    countries: dict[str, Country],
    today: datetime.date,
    registry: _Registry,
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
    _ensure_expiring(plans, today)
    return plans


def _plan_showcase(rng: random.Random, s: Showcase, country: Country, registry: _Registry, *, scale: int) -> OrgPlan:
    lat, lon = _coordinates(rng, country, s.latitude, s.longitude)
    # The flagship union keeps its 16,000 members at full scale; a small test run shrinks it
    # so one organization does not hold a third of the people.
    members = s.members if s.key != FLAGSHIP_KEY or scale >= SCALES["small"] else max(1500, s.members * scale // 950)
    org = Organization(
        kind=s.kind, name=s.name, legal_name=s.legal_name, country=country, region=s.region, locality=s.locality,
        latitude=lat, longitude=lon, founding_year=s.founding_year, languages=[COUNTRY_PROFILES[s.country].language],
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


def _plan_regular(
    rng: random.Random, kind: str, country: Country, registry: _Registry, today: datetime.date
) -> OrgPlan:
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
                noun = _PRODUCT_WORDS["es"].get(main, ("Productos Agrícolas",))[0]
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
            (f"Calle Principal s/n, {locality}", f"Av. {rng.choice(_SAINTS_ES)} {rng.randint(100, 999)}, {locality}",
             f"Carretera a {locality} km {rng.randint(2, 40)}")
        ) if style == "es" else locality  # fmt: skip
    if rng.random() < 0.25:
        org.description = _description(main, products, kind, style, region)
    return OrgPlan(organization=org, products=products, members=0, domain=domain)


def _description(main: str, products: list[str], kind: str, style: str, region: str) -> str:
    if style != "es":
        return ""
    nouns = [(_PRODUCT_WORDS["es"].get(p) or ("productos agrícolas",))[0].lower() for p in products]
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
    rng: random.Random, plans: list[OrgPlan], count: int, countries: dict[str, Country], registry: _Registry
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


# --- Membership and certification ---------------------------------------------------------


def plan_membership(rng: random.Random, plan: OrgPlan, *, today: datetime.date, registry: _Registry) -> None:
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
    earliest = max(datetime.date(2005, 1, 10), datetime.date(org.founding_year + 1, 3, 1))
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
                d1 = _date_between(rng, joined + datetime.timedelta(days=200), today - datetime.timedelta(days=200))
                d2 = _date_between(rng, d1 + datetime.timedelta(days=30), d1 + datetime.timedelta(days=150))
                events.append((Membership.Status.ACTIVE, Membership.Status.SUSPENDED, d1,
                               f"Cuotas impagas de {d1.year - 2} y {d1.year - 1}."))  # fmt: skip
                events.append((Membership.Status.SUSPENDED, Membership.Status.ACTIVE, d2,
                               "Cuotas regularizadas; el Consejo levanta la suspensión."))  # fmt: skip
            if status == Membership.Status.SUSPENDED:
                when = _date_between(
                    rng, max(joined + datetime.timedelta(days=30), today - datetime.timedelta(days=420)), today
                )
                events.append((Membership.Status.ACTIVE, Membership.Status.SUSPENDED, when, rng.choice(
                    (f"Cuotas impagas de {when.year - 2} y {when.year - 1}.",
                     "Certificado Fairtrade suspendido por FLOCERT; suspensión hasta su reinstauración.",
                     "No presentó los informes anuales de los dos últimos años."))))  # fmt: skip
            elif status == Membership.Status.WITHDRAWN:
                when = _date_between(rng, joined + datetime.timedelta(days=365), today - datetime.timedelta(days=30))
                events.append((Membership.Status.ACTIVE, Membership.Status.WITHDRAWN, when, rng.choice(
                    ("La organización se disolvió por acuerdo de su asamblea.",
                     "Se fusionó con otra cooperativa socia de la red.",
                     "Dejó la certificación Fairtrade y pidió su retiro de la red."))))  # fmt: skip
            elif status == Membership.Status.EXPELLED:
                d1 = _date_between(rng, joined + datetime.timedelta(days=365), today - datetime.timedelta(days=200))
                d2 = min(_date_between(rng, d1 + datetime.timedelta(days=60), d1 + datetime.timedelta(days=180)), today)
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
    _stamp(membership, _at(rng, events[0][2]), _at(rng, last[2]))
    plan.membership = membership
    plan.events = [
        _stamp(
            MembershipEvent(membership=membership, from_status=f, to_status=t, occurred_on=d, reason=r),
            _at(rng, d),
        )
        for f, t, d, r in events
    ]
    if org.flo_id == "" and (plan.twin is None) and not (status == Membership.Status.APPLICANT and rng.random() < 0.4):
        org.flo_id = registry.flo_id(rng, old=org.founding_year < 1995 and rng.random() < 0.5)
    plan.certification = _plan_certification(rng, plan, today)
    _stamp(org, _at(rng, events[0][2]), membership.updated_at)


def _plan_certification(rng: random.Random, plan: OrgPlan, today: datetime.date) -> Certification:
    org = plan.organization
    membership = plan.membership
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
            first_cycle = start.year - 1 <= max(org.founding_year, 2005)
            cert.last_audit_date = start - days(rng.randint(20, 90))
            cert.last_audit_type = Certification.AuditType.INITIAL if first_cycle else Certification.AuditType.RENEWAL
        changed = cert.last_audit_date
        if status in Certification.FLAGGING_STATUSES:
            changed = max(cert.last_audit_date, today - days(rng.randint(10, 120)))
            if status == Certification.Status.DECERTIFIED:
                changed = min(changed, end)
            if rng.random() < 0.5:
                cert.last_audit_date = min(changed, today) - days(rng.randint(10, 40))
                cert.last_audit_type = Certification.AuditType.FOLLOW_UP
            if membership.status in (Membership.Status.ACTIVE, Membership.Status.SUSPENDED):
                # FLOCERT's decision flags the membership; staff decide, the status stays.
                word = "suspendido" if status == Certification.Status.SUSPENDED else "retirado (descertificación)"
                membership.review_requested_at = _at(rng, changed)
                membership.review_reason = (
                    f"Certificado Fairtrade {word} por FLOCERT el {changed.strftime('%d/%m/%Y')}. Revisar la membresía."
                )
        elif membership.status == Membership.Status.SUSPENDED and rng.random() < 0.5:
            changed = today - days(rng.randint(5, 60))
            membership.review_requested_at = _at(rng, changed)
            membership.review_reason = (
                f"Certificado reinstaurado por FLOCERT el {changed.strftime('%d/%m/%Y')}; evaluar la reactivación."
            )
    created = membership.created_at.date()
    _stamp(cert, _at(rng, created), _at(rng, max(created, min(changed, today))))
    return cert


def _ensure_expiring(plans: list[OrgPlan], today: datetime.date) -> None:
    """Even a small run shows a few certificates expiring within 60 days on the dashboard."""
    certified = [p.certification for p in plans if p.certification.status == Certification.Status.CERTIFIED]
    soon = [c for c in certified if c.cycle_end and c.cycle_end <= today + datetime.timedelta(days=60)]
    for offset, cert in enumerate(c for c in certified if c not in soon):
        if len(soon) >= 3:
            break
        cert.cycle_end = today + datetime.timedelta(days=12 + 17 * offset)
        cert.cycle_start = cert.cycle_end - datetime.timedelta(days=3 * 365)
        if cert.last_audit_date and cert.last_audit_date < cert.cycle_start - datetime.timedelta(days=90):
            cert.last_audit_date = cert.cycle_start - datetime.timedelta(days=30)
        soon.append(cert)


# --- People -------------------------------------------------------------------------------


@dataclass
class PeopleBatch:
    people: list[Person] = field(default_factory=list)
    affiliations: list[Affiliation] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    # Legal representatives and people with accented names, for planting duplicates later.
    representatives: dict[int, Person] = field(default_factory=dict)  # id(OrgPlan) → person


@dataclass
class Actors:
    admin: User
    coordinator: User
    me_officer: User
    communications: User
    # showcase key → the portal user who works for it (its manager)
    portal: dict[str, User] = field(default_factory=dict)


def _email_for(rng: random.Random, registry: _Registry, first: str, last: str, domain: str) -> str:
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
    registry: _Registry,
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
    _stamp(person, created, created)
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
        given = _date_between(rng, created, today)
        recorded_by = actors.communications if method in (Consent.Method.PAPER, Consent.Method.VERBAL) else None
        rows.append(
            Consent(person=person, channel=channel, granted=granted, given_at=_at(rng, given), method=method,
                    recorded_by=recorded_by)
        )  # fmt: skip
    return rows


def plan_people(
    rng: random.Random, plans: Sequence[OrgPlan], *, actors: Actors, today: datetime.date, registry: _Registry
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
        org_since = plan.membership.joined_on or org.created_at.date()
        manager: Person | None = None
        for index, role in enumerate(roles):
            women = 0.55 if is_hl and "flowers" in plan.products else 0.32 if index == 0 else 0.4
            gender = Person.Gender.FEMALE if rng.random() < women else Person.Gender.MALE
            if rng.random() < 0.03:
                gender = rng.choice((Person.Gender.UNDISCLOSED, ""))
            start = _date_between(rng, max(org_since - days(3 * 365), datetime.date(2008, 1, 1)), today - days(30))
            if showcase and showcase.username and role == Affiliation.Role.MANAGER:
                user = actors.portal[showcase.key]
                person = _new_person(
                    rng, registry, country=code, gender=showcase.user_gender, domain=plan.domain,
                    created=_at(rng, start), first_last=(user.first_name, user.last_name), email=user.email,
                )  # fmt: skip
                person.preferred_language = showcase.user_language
            else:
                person = _new_person(rng, registry, country=code, gender=gender, domain=plan.domain,
                                     created=_at(rng, start))  # fmt: skip
            batch.people.append(person)
            batch.consents += _consents(rng, person, actors, today)
            aff = Affiliation(person=person, organization=org, role=role, start_date=start, is_primary=index == 0)
            batch.affiliations.append(_stamp(aff, person.created_at, person.created_at))
            if index == 0 or (person.email and not batch.representatives[id(plan)].email):
                # The contact a duplicate record would copy: the representative, or the first
                # person with an email.
                batch.representatives[id(plan)] = person
            if role == Affiliation.Role.MANAGER:
                manager = person
        if not is_hl and rng.random() < 0.05:
            # The previous legal representative, whose term ended when the current one started.
            current_start = batch.affiliations[-count].start_date
            end = current_start - days(1)
            start = end - days(rng.randint(365, 4 * 365))
            person = _new_person(rng, registry, country=code, gender=Person.Gender.MALE, domain=plan.domain,
                                 created=_at(rng, start))  # fmt: skip
            batch.people.append(person)
            aff = Affiliation(person=person, organization=org, role=Affiliation.Role.LEGAL_REPRESENTATIVE,
                              start_date=start, end_date=end)  # fmt: skip
            batch.affiliations.append(_stamp(aff, person.created_at, _at(rng, end)))
        if org.kind == "spo2" and plan.children and (manager is not None or rng.random() < 0.6):
            # The union's manager (or legal representative) is also a delegate of a member coop.
            person = manager or batch.representatives[id(plan)]
            child = plan.children[0]
            start = _date_between(rng, person.created_at.date(), today - days(10))
            aff = Affiliation(person=person, organization=child.organization, role=Affiliation.Role.DELEGATE,
                              start_date=start)  # fmt: skip
            batch.affiliations.append(_stamp(aff, _at(rng, start), _at(rng, start)))
    return batch


def plant_person_duplicates(
    rng: random.Random,
    plans: Sequence[OrgPlan],
    representatives: dict[int, Person],
    candidates: list[tuple[Person, Organization]],
    *,
    registry: _Registry,
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
        _stamp(person, created, created)
        batch.people.append(person)
        aff = Affiliation(person=person, organization=plan.organization, role=Affiliation.Role.LEGAL_REPRESENTATIVE,
                          start_date=created.date(), is_primary=True)  # fmt: skip
        batch.affiliations.append(_stamp(aff, created, created))

    accented = [(p, o) for p, o in candidates if any(ch in p.first_name + p.last_name for ch in "áéíóúÁÉÍÓÚ")]
    with_phone = [(p, o) for p, o in candidates if p.phone and (p, o) not in accented]
    for person, org in rng.sample(accented, min(3, len(accented))):
        first, last = strip_accents(person.first_name), strip_accents(person.last_name)
        twin = Person(first_name=first, last_name=last, preferred_language=person.preferred_language,
                      gender=person.gender, normalized_name=normalize_person_name(first, last))  # fmt: skip
        if rng.random() < 0.5:
            twin.email = _email_for(rng, registry, first, last, "")
        start = _date_between(rng, person.created_at.date(), today - days(5))
        _stamp(twin, _at(rng, start), _at(rng, start))
        batch.people.append(twin)
        aff = Affiliation(person=twin, organization=org, role=Affiliation.Role.BOARD_MEMBER, start_date=start)
        batch.affiliations.append(_stamp(aff, twin.created_at, twin.created_at))
    for person, org in rng.sample(with_phone, min(2, len(with_phone))):
        given = person.first_name.split()
        first = f"{given[0][:2]}. {' '.join(given[1:])}".strip() if len(given) > 1 else given[0]
        last = person.last_name.split()[0] if person.last_name else ""
        twin = Person(first_name=first, last_name=last, phone=person.phone, gender=person.gender,
                      preferred_language=person.preferred_language,
                      normalized_name=normalize_person_name(first, last))  # fmt: skip
        start = _date_between(rng, person.created_at.date(), today - days(5))
        _stamp(twin, _at(rng, start), _at(rng, start))
        batch.people.append(twin)
        aff = Affiliation(person=twin, organization=org, role=Affiliation.Role.DELEGATE, start_date=start)
        batch.affiliations.append(_stamp(aff, twin.created_at, twin.created_at))
    return batch


# --- Yearly reports -----------------------------------------------------------------------


@dataclass
class ReportBatch:
    reports: list[YearlyReport] = field(default_factory=list)
    lines: list[YearlyReportProduct] = field(default_factory=list)
    uses: list[PremiumUse] = field(default_factory=list)
    events: list[YearlyReportEvent] = field(default_factory=list)


def report_years(today: datetime.date) -> list[int]:
    """The last three complete years, oldest first."""
    return [today.year - 3, today.year - 2, today.year - 1]


def _report_status(rng: random.Random, year: int, latest: int) -> str:
    s = YearlyReport.Status
    if year == latest:
        return rng.choices([s.DRAFT, s.SUBMITTED, s.RETURNED, s.APPROVED], [30, 30, 10, 30])[0]
    if year == latest - 1:
        return rng.choices([s.APPROVED, s.SUBMITTED, s.RETURNED, s.DRAFT], [90, 4, 3, 3])[0]
    return rng.choices([s.APPROVED, s.SUBMITTED, s.RETURNED, s.DRAFT], [96, 2, 1, 1])[0]


def _premium_split(rng: random.Random, total: Decimal, kind: str, main: str) -> list[tuple[str, Decimal]]:
    c = PremiumUse.Category
    if kind == Organization.Kind.HL:
        pool = {c.WORKERS: 40, c.COMMUNITY: 25, c.SERVICES_TO_MEMBERS: 20, c.ENVIRONMENT: 5, c.OTHER: 10}
    else:
        pool = {c.PRODUCTIVITY: 35, c.SERVICES_TO_MEMBERS: 20, c.PAYMENTS_TO_MEMBERS: 15, c.ORGANIZATION: 15,
                c.COMMUNITY: 8, c.ENVIRONMENT: 7}  # fmt: skip
    chosen = rng.sample(list(pool), rng.randint(2, min(5, len(pool))))
    if kind != Organization.Kind.HL and main == "coffee" and c.PRODUCTIVITY not in chosen:
        chosen[0] = c.PRODUCTIVITY  # the SPO coffee standard puts ≥ 25 % into productivity and quality
    weights = [pool[k] * rng.uniform(0.5, 1.5) for k in chosen]
    if c.PRODUCTIVITY in chosen and main == "coffee":
        weights[chosen.index(c.PRODUCTIVITY)] = sum(weights) * 0.5
    weight_sum = sum(weights)
    parts: list[tuple[str, Decimal]] = []
    remaining = total
    for k, w in zip(chosen[:-1], weights[:-1], strict=True):
        amount = (total * Decimal(w / weight_sum)).quantize(CENT)
        parts.append((k, amount))
        remaining -= amount
    parts.append((chosen[-1], max(remaining, Decimal(0))))
    return parts


def plan_reports(
    rng: random.Random,
    plans: Sequence[OrgPlan],
    *,
    actors: Actors,
    today: datetime.date,
    products: dict[str, Product],
    eur_year_end: dict[int, Decimal],
) -> ReportBatch:
    """Three years of reports per member: numbers that grow a little each year, consistent
    (women and youth within the total, Fairtrade sales within production), in the workflow
    states of DESIGN §4 with the event log each state implies."""
    batch = ReportBatch()
    years = report_years(today)
    latest = years[-1]
    for plan in plans:
        membership = plan.membership
        if membership.joined_on is None or plan.twin is not None:
            continue
        left = membership.status in (Membership.Status.WITHDRAWN, Membership.Status.EXPELLED)
        org = plan.organization
        is_hl = org.kind == Organization.Kind.HL
        growth = rng.uniform(-0.02, 0.06)
        women_low, women_high = _WOMEN_SHARE.get(plan.products[0], (0.2, 0.4))
        if is_hl:
            women_low, women_high = {"flowers": (0.5, 0.65), "banana": (0.05, 0.15)}.get(plan.products[0], (0.25, 0.45))
        women_share = rng.uniform(women_low, women_high)
        youth_share = rng.uniform(0.2, 0.35) if is_hl else rng.uniform(0.05, 0.2)
        hectares_per_member = {p: rng.uniform(*_AGRONOMY[p][:2]) for p in plan.products}
        yields = {p: rng.uniform(*_AGRONOMY[p][2:4]) for p in plan.products}
        fairtrade_share = rng.uniform(0.2, 0.65)
        currency = "EUR" if rng.random() < (0.6 if "flowers" in plan.products else 0.15) else "USD"
        portal_user = actors.portal.get(plan.showcase) if plan.showcase else None
        language = COUNTRY_PROFILES[org.country_id].language
        for year in years:
            if membership.joined_on.year > year or (left and membership.status_changed_on.year <= year):
                continue
            members = max(5, round(plan.members * (1 + growth) ** (year - latest)))
            status = _report_status(rng, year, latest)
            if plan.showcase and year == latest:
                status = next(s.latest_report for s in SHOWCASES if s.key == plan.showcase)
            elif plan.showcase:
                status = YearlyReport.Status.APPROVED
            report = YearlyReport(organization=org, year=year, status=status, members_total=members,
                                  members_women=round(members * women_share * rng.uniform(0.95, 1.05)),
                                  members_youth=round(members * youth_share * rng.uniform(0.9, 1.1)),
                                  premium_currency=currency)  # fmt: skip
            report.members_women = min(report.members_women, members)
            report.members_youth = min(report.members_youth, members)
            if is_hl:
                report.permanent_workers = round(members * rng.uniform(0.8, 0.95))
                farm_hectares = (
                    members * hectares_per_member[plan.products[0]] * (3 if plan.products[0] == "flowers" else 0.6)
                )
            else:
                report.permanent_workers = max(1, round(members * rng.uniform(0.005, 0.03)) + rng.randint(1, 8))
                farm_hectares = sum(members * h for h in hectares_per_member.values()) / len(plan.products)
            draft = status == YearlyReport.Status.DRAFT
            if not (draft and rng.random() < 0.3):
                report.hectares = _decimal(farm_hectares * rng.uniform(0.97, 1.03))
            premium_usd = Decimal(0)
            lines = []
            for index, code in enumerate(plan.products):
                share = 1.0 if len(plan.products) == 1 else (0.7 if index == 0 else 0.3)
                produced = farm_hectares * share * yields[code] * rng.uniform(0.85, 1.1)
                fairtrade = produced * _clamp(fairtrade_share * rng.uniform(0.85, 1.15), 0.05, 0.95)
                other = (produced - fairtrade) * rng.uniform(0.85, 0.98)
                line = YearlyReportProduct(report=report, product=products[code], volume_produced=_decimal(produced),
                                           volume_sold_fairtrade=_decimal(fairtrade),
                                           volume_sold_other=_decimal(other))  # fmt: skip
                line.volume_sold_fairtrade = min(line.volume_sold_fairtrade, line.volume_produced)
                lines.append(line)
                premium_usd += _decimal(fairtrade * _AGRONOMY[code][4])
            if draft and rng.random() < 0.3:
                lines = lines[:0] if rng.random() < 0.5 else lines
            batch.lines += lines
            if not (draft and rng.random() < 0.4):
                rate = eur_year_end[year] if currency == "EUR" else Decimal(1)
                report.premium_amount = (premium_usd / rate).quantize(CENT)
                batch.uses += [
                    PremiumUse(report=report, category=k, amount=a)
                    for k, a in _premium_split(rng, report.premium_amount, org.kind, plan.products[0])
                ]
                if status == YearlyReport.Status.APPROVED:
                    report.premium_usd = (report.premium_amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)
            batch.events += _report_timeline(rng, report, year, today, actors, portal_user, language)
            batch.reports.append(report)
    return batch


def _report_timeline(
    rng: random.Random,
    report: YearlyReport,
    year: int,
    today: datetime.date,
    actors: Actors,
    portal_user: User | None,
    language: str,
) -> list[YearlyReportEvent]:
    """The log rows the report's state implies, dated inside the following year (and before
    today). Without a portal user, the network coordinator enters the paper form for them."""
    s = YearlyReport.Status
    a = YearlyReportEvent.Action
    author = portal_user or actors.coordinator
    reviewer = actors.me_officer if rng.random() < 0.7 else actors.admin
    steps: list[tuple[str, User, str]] = [
        (a.CREATED, author, "" if portal_user else "Ingresado por CLAC a partir del formulario enviado por correo.")
    ]
    if report.status != s.DRAFT:
        steps.append((a.SUBMITTED, author, ""))
    returned_note = rng.choice(_RETURN_NOTES.get(language, _RETURN_NOTES["es"]))
    if report.status == s.RETURNED:
        steps.append((a.RETURNED, reviewer, returned_note))
    elif report.status == s.APPROVED:
        if rng.random() < 0.15:
            steps += [(a.RETURNED, reviewer, returned_note), (a.SUBMITTED, author, "")]
        steps.append((a.APPROVED, reviewer, rng.choice(_APPROVE_NOTES) if language == "es" else ""))
    start = datetime.date(year + 1, 1, 10)
    end = min(today, datetime.date(year + 1, 11, 30))
    if (end - start).days < len(steps) * 3:
        start = min(start, today - datetime.timedelta(days=len(steps) * 3))
        end = today
    days = _sorted_days(rng, start, end, len(steps))
    events = []
    for (action, actor, note), day in zip(steps, days, strict=True):
        moment = _at(rng, day)
        events.append(_stamp(YearlyReportEvent(report=report, action=action, actor=actor, note=note), moment))
        if action == a.SUBMITTED:
            report.submitted_at, report.submitted_by = moment, actor
        elif action in (a.APPROVED, a.RETURNED):
            report.reviewed_at, report.reviewed_by = moment, actor
    _stamp(report, events[0].created_at, events[-1].created_at)
    return events


# --- Writing ------------------------------------------------------------------------------


def _stamp(obj: models.Model, created: datetime.datetime, updated: datetime.datetime | None = None) -> Any:
    """Set the row's own dates (see _explicit_timestamps) and the date of its first history row."""
    obj.created_at = created
    if hasattr(obj, "updated_at"):
        obj.updated_at = updated or created
    obj._history_date = created
    return obj


@contextmanager
def _explicit_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """bulk_create fills auto_now / auto_now_add fields with the current time, but a demo
    membership joined in 2009 or a report submitted last March needs its real dates. The
    flags are lifted only while the demo rows are inserted, and restored even on error (a
    management command runs in one thread, so nothing else sees the change)."""
    changed = []
    for model_class in model_classes:
        for f in model_class._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                changed.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in changed:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


_STAMPED_MODELS = (
    Organization, Membership, MembershipEvent, Certification, Person, Affiliation, PortalAccess, YearlyReport,
    YearlyReportEvent, OrganizationChangeProposal,
)  # fmt: skip


def _insert(objs: list, model: type[models.Model], admin: User, *, history: bool = True) -> list:
    if not objs:
        return objs
    if history:
        return bulk_create_with_history(
            objs, model, batch_size=BATCH_SIZE, default_user=admin, default_change_reason=CHANGE_REASON
        )
    return model.objects.bulk_create(objs, batch_size=BATCH_SIZE)


@dataclass
class SeedResult:
    organizations: int = 0
    people: int = 0
    reports: int = 0
    staff: list[tuple[str, str]] = field(default_factory=list)  # username, role
    portal: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # username, [(org, role)]
    api_key: str = ""
    partner: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def demo_database_is_empty() -> tuple[bool, str]:
    """Whether seeding may start; otherwise, what is already there."""
    organizations = Organization.objects.count()
    if organizations:
        return False, f"{organizations} organizations"
    usernames = [u for u, *_ in STAFF_USERS] + [s.username for s in SHOWCASES if s.username]
    taken = list(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        return False, "demo users " + ", ".join(sorted(taken))
    from communications.models import ExternalPartner

    if ExternalPartner.objects.filter(name__in=PARTNER_NAMES).exists():
        return False, "the demo partners"
    return True, ""


@transaction.atomic
def demo_flush() -> dict[str, int]:
    """Delete what seed_demo creates: every organization (with its memberships, certificates,
    people's affiliations, reports…), every person, the demo users and partners, the demo
    exchange rates, and their history. Meant for demo and test databases only."""
    from django.apps import apps
    from django.test.utils import override_settings

    from communications.models import ExternalPartner

    deleted: dict[str, int] = {}

    def delete(queryset: models.QuerySet) -> None:
        for label, count in queryset.delete()[1].items():  # per model, cascades included
            deleted[label] = deleted.get(label, 0) + count

    # simple_history would write a "deleted" history row per object; the history tables are
    # emptied below anyway, so it is switched off (also the slow part of a large flush).
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        for model in (
            YearlyReportEvent, PremiumUse, YearlyReportProduct, YearlyReport, OrganizationChangeProposal,
            PortalAccess, Consent, Affiliation, MembershipEvent, Membership, Certification,
        ):  # fmt: skip
            delete(model.objects.all())
        Organization.objects.filter(parent__isnull=False).update(parent=None)
        delete(Organization.objects.all())
        delete(Person.objects.all())
        # History before users: deleting a user would first null history_user on every row.
        for model in (
            Organization, Membership, Certification, Person, Consent, Affiliation, PortalAccess, YearlyReport,
            YearlyReportProduct, PremiumUse,
        ):  # fmt: skip
            apps.get_model(model._meta.app_label, f"Historical{model.__name__}").objects.all().delete()
        ExternalPartner.history.filter(name__in=PARTNER_NAMES).delete()
        usernames = [u for u, *_ in STAFF_USERS] + [s.username for s in SHOWCASES if s.username]
        delete(User.objects.filter(username__in=usernames))
        delete(ExternalPartner.objects.filter(name__in=PARTNER_NAMES))
        delete(ExchangeRate.objects.filter(source=DEMO_SOURCE))
    return deleted


def _create_users(rng: random.Random, today: datetime.date) -> tuple[Actors, list[User], dict[str, User]]:
    # One hash for every demo user: hashing is deliberately slow (~0.3 s each) and these
    # accounts share a published password anyway.
    password = make_password(DEMO_PASSWORD)
    groups = {g.name: g for g in Group.objects.filter(name__in=[r for r, *_ in STAFF_USERS])}
    staff: dict[str, User] = {}
    for role, first, last, language in STAFF_USERS:
        user = User.objects.create(
            username=role, first_name=first, last_name=last, email=f"{role.replace('_', '.')}@clac.example",
            language=language, password=password, is_staff=role == StaffRole.ADMIN,
            is_superuser=role == StaffRole.ADMIN,
        )  # fmt: skip
        if role in groups:
            user.groups.add(groups[role])
        staff[role] = user
    portal: dict[str, User] = {}
    for s in SHOWCASES:
        if not s.username:
            continue
        domain = organization_domain(s.name, s.country)
        email = f"{ascii_slug(s.user_first_name.split()[0])}.{ascii_slug(s.user_last_name.split()[0])}@{domain}"
        portal[s.key] = User.objects.create(
            username=s.username, first_name=s.user_first_name, last_name=s.user_last_name, email=email,
            language=s.user_language, password=password,
        )  # fmt: skip
    actors = Actors(
        admin=staff[StaffRole.ADMIN], coordinator=staff[StaffRole.COORDINATOR], me_officer=staff[StaffRole.ME_OFFICER],
        communications=staff[StaffRole.COMMUNICATIONS], portal=portal,
    )  # fmt: skip
    return actors, list(staff.values()), portal


def _exchange_rates(rng: random.Random, today: datetime.date) -> list[ExchangeRate]:
    """Quarter-end USD values for EUR and the local currencies members are paid in."""
    bases = {"EUR": (1.09, 0.012, 1.07, 1.11), "PEN": (0.266, 0.004, 0.255, 0.28), "COP": (0.000248, 0.000008,
             0.000235, 0.00027), "MXN": (0.055, 0.002, 0.05, 0.06), "BRL": (0.19, 0.008, 0.17, 0.21)}  # fmt: skip
    rows = []
    for year in [*report_years(today), today.year]:
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
            date = datetime.date(year, month, day)
            if date > today:
                continue
            for currency, (base, spread, low, high) in bases.items():
                value = _clamp(rng.gauss(base, spread), low, high)
                rows.append(
                    ExchangeRate(currency=currency, date=date, usd_per_unit=_decimal(value, "0.00000001"),
                                 source=DEMO_SOURCE)
                )  # fmt: skip
    return rows


def _proposals(rng: random.Random, plans: list[OrgPlan], actors: Actors, registry: _Registry, today: datetime.date):
    by_key = {p.showcase: p for p in plans if p.showcase}
    rows = []
    specs = [
        ("pangoa", OrganizationChangeProposal.Field.LEGAL_NAME,
         "Cooperativa Agraria Cafetalera y de Servicios Pangoa Ltda.",
         "Cambio de estatuto aprobado en la Asamblea General Extraordinaria; adjuntamos la partida registral."),
        ("castillo", OrganizationChangeProposal.Field.LEGAL_NAME,
         "Asociación de Productores y Productoras de Cacao de Castillo, Inc.",
         "La asamblea aprobó el nuevo nombre con lenguaje inclusivo."),
        ("baptiste", OrganizationChangeProposal.Field.FLO_ID, None,
         "FLOCERT nous a attribué un nouveau FLO ID après la fusion avec la coopérative voisine."),
        ("norte", OrganizationChangeProposal.Field.FLO_ID, None,
         "FLOCERT unificó nuestros dos registros; el FLO ID vigente es el nuevo."),
    ]  # fmt: skip
    for key, field_name, value, reason in specs:
        plan = by_key.get(key)
        if plan is None:
            continue
        org = plan.organization
        if value is None:
            value = registry.flo_id(rng, old=False)
        current = org.legal_name if field_name == OrganizationChangeProposal.Field.LEGAL_NAME else org.flo_id
        moment = _at(rng, today - datetime.timedelta(days=rng.randint(2, 25)))
        rows.append(
            _stamp(
                OrganizationChangeProposal(organization=org, field=field_name, current_value=current,
                                           proposed_value=value, reason=reason, proposed_by=actors.portal[key]),
                moment,
            )
        )  # fmt: skip
    return rows


def _portal_accesses(plans: list[OrgPlan], actors: Actors, coordinator: User, today: datetime.date):
    by_key = {p.showcase: p for p in plans if p.showcase}
    created = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=90), datetime.time(10)))
    rows = []
    for s in SHOWCASES:
        if s.username and s.key in by_key:
            rows.append(PortalAccess(user=actors.portal[s.key], organization=by_key[s.key].organization,
                                     role=s.portal_role))  # fmt: skip
    flagship = by_key.get(FLAGSHIP_KEY)
    if flagship and flagship.children:
        rows.append(PortalAccess(user=actors.portal[FLAGSHIP_KEY], organization=flagship.children[0].organization,
                                 role=PortalRole.VIEWER))  # fmt: skip
    if COORDINATOR_PORTAL_KEY in by_key:
        rows.append(PortalAccess(user=coordinator, organization=by_key[COORDINATOR_PORTAL_KEY].organization,
                                 role=PortalRole.EDITOR))  # fmt: skip
    return [_stamp(r, created) for r in rows]


@transaction.atomic
def demo_seed(*, seed: int, organizations: int, today: datetime.date | None = None, log=None) -> SeedResult:
    """Fill an empty database with the demo registry. One transaction: a failure leaves
    nothing behind. `log` receives progress lines."""
    from clac.services import api_key_create, external_partner_create

    log = log or (lambda message: None)
    today = today or timezone.localdate()
    rng = random.Random(seed)
    registry = _Registry()
    result = SeedResult()
    countries = {c.code: c for c in Country.objects.all()}
    products = {p.code: p for p in Product.objects.all()}
    missing = set(COUNTRY_PROFILES) - set(countries)
    if missing or not products:
        raise RuntimeError("Reference data missing (countries/products): run `manage.py migrate` first.")

    actors, staff_users, portal_users = _create_users(rng, today)
    admin = actors.admin
    result.staff = [(u.username, u.username) for u in staff_users]

    fi = external_partner_create(
        name=PARTNER_NAMES[0], kind="fi", country="Germany", website="https://www.fairtrade.net/",
        notes="Demo partner with a directory and statistics key.",
    )  # fmt: skip
    external_partner_create(name=PARTNER_NAMES[1], kind="nfo", country="Germany", website="https://www.fairtrade.de/")
    _key, raw_key = api_key_create(partner=fi, name="Demo: directory and statistics", scopes=API_SCOPES,
                                   created_by=admin)  # fmt: skip
    result.api_key, result.partner = raw_key, fi.name

    with _explicit_timestamps(*_STAMPED_MODELS):
        rates = _exchange_rates(rng, today)
        ExchangeRate.objects.bulk_create(rates, batch_size=BATCH_SIZE, ignore_conflicts=True)
        eur_year_end = {
            year: ExchangeRate.objects.filter(currency="EUR", date__lte=datetime.date(year, 12, 31))
            .order_by("-date")
            .values_list("usd_per_unit", flat=True)
            .first()
            for year in report_years(today)
        }

        log(f"Planning {organizations} organizations…")
        plans = plan_organizations(rng, count=organizations, countries=countries, today=today, registry=registry)
        # Unions first: their member cooperatives point at them.
        parents = [p.organization for p in plans if p.organization.parent is None]
        children = [p.organization for p in plans if p.organization.parent is not None]
        _insert(parents, Organization, admin)
        for org in children:
            org.parent_id = org.parent.pk
        _insert(children, Organization, admin)
        through = Organization.products.through
        through.objects.bulk_create(
            [through(organization_id=p.organization.pk, product_id=products[code].pk)
             for p in plans for code in p.products],
            batch_size=BATCH_SIZE,
        )  # fmt: skip
        _insert([p.membership for p in plans], Membership, admin)
        for p in plans:
            for event in p.events:
                event.actor = admin
        _insert([e for p in plans for e in p.events], MembershipEvent, admin, history=False)
        _insert([p.certification for p in plans], Certification, admin)
        log(f"  {len(plans)} organizations with memberships and certifications")

        representatives: dict[int, Person] = {}
        candidates: list[tuple[Person, Organization]] = []
        people = reports = 0
        for start in range(0, len(plans), CHUNK_SIZE):
            chunk = plans[start : start + CHUNK_SIZE]
            batch = plan_people(rng, chunk, actors=actors, today=today, registry=registry)
            _insert(batch.people, Person, admin)
            _insert(batch.consents, Consent, admin)
            _insert(batch.affiliations, Affiliation, admin)
            representatives.update(batch.representatives)
            if not candidates:
                # People of the first chunk, except the portal users' own records.
                portal_emails = {u.email for u in portal_users.values()}
                candidates = [
                    (a.person, a.organization)
                    for a in batch.affiliations
                    if a.end_date is None and a.person.email not in portal_emails
                ]
            people += len(batch.people)
            report_batch = plan_reports(
                rng, chunk, actors=actors, today=today, products=products, eur_year_end=eur_year_end
            )
            _insert(report_batch.reports, YearlyReport, admin)
            _insert(report_batch.lines, YearlyReportProduct, admin)
            _insert(report_batch.uses, PremiumUse, admin)
            _insert(report_batch.events, YearlyReportEvent, admin, history=False)
            reports += len(report_batch.reports)
            log(f"  organizations {start + 1} to {start + len(chunk)}: people and yearly reports")

        planted = plant_person_duplicates(rng, plans, representatives, candidates, registry=registry, today=today)
        _insert(planted.people, Person, admin)
        _insert(planted.affiliations, Affiliation, admin)
        people += len(planted.people)

        _insert(_portal_accesses(plans, actors, actors.coordinator, today), PortalAccess, admin)
        OrganizationChangeProposal.objects.bulk_create(_proposals(rng, plans, actors, registry, today))

    by_key = {p.showcase: p.organization for p in plans if p.showcase}
    flagship = next((p for p in plans if p.showcase == FLAGSHIP_KEY), None)
    for s in SHOWCASES:
        if not s.username:
            continue
        orgs = [(by_key[s.key].name, s.portal_role)]
        if s.key == FLAGSHIP_KEY and flagship and flagship.children:
            orgs.append((flagship.children[0].organization.name, PortalRole.VIEWER))
        result.portal.append((s.username, orgs))
    result.portal.append((actors.coordinator.username, [(by_key[COORDINATOR_PORTAL_KEY].name, PortalRole.EDITOR)]))
    result.organizations, result.people, result.reports = len(plans), people, reports
    result.counts = {
        "organizations": len(plans),
        "people": people,
        "affiliations": Affiliation.objects.count(),
        "yearly reports": reports,
        "membership events": MembershipEvent.objects.count(),
        "exchange rates": ExchangeRate.objects.filter(source=DEMO_SOURCE).count(),
    }
    return result
