"""The fixed cast of the demo: staff users, and the hand-written organizations the portal
logins point at (always present, whatever the seed)."""

from dataclasses import dataclass

from clac.roles import PortalRole, StaffRole
from members.models import Person, YearlyReport

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
