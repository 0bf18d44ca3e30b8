"""Demo data of the networks area: CLAC's 17 country networks over its 24 countries (some
binational, the small Caribbean producers in one shared network), the 8 product networks and
the workers network (2015). Memberships come from the registry through the same
reconciliation the nightly task runs, dated from each organization's joining; then a few
changes by hand (additions and an organization kept out). The demo coordinator coordinates the
Peruvian and coffee networks.

Leaves ctx.shared["networks"] = {"country": {iso code → Network}, "product": {category →
Network}, "workers": Network}."""

import datetime
import random
from typing import Any

from django.db.models import DateField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from simple_history.utils import bulk_create_with_history

from clac.plugins import DemoContext
from clac.roles import StaffRole
from members.models import Membership, Organization, ProductNetwork
from networks.models import Network, NetworkMembership
from networks.services.networks import (
    network_membership_add,
    network_membership_end,
    network_memberships_reconcile,
)

# (name, ISO codes, founded). Every member country is in exactly one network.
COUNTRY_NETWORKS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("Coordinadora Nacional de Comercio Justo del Perú", ("PE",), 2006),
    ("Coordinadora Nacional de Comercio Justo de Colombia", ("CO",), 2005),
    ("Coordinadora Mexicana de Pequeños Productores de Comercio Justo", ("MX",), 2004),
    ("Coordinadora Ecuatoriana de Comercio Justo", ("EC",), 2007),
    ("Coordinadora Dominicana de Comercio Justo", ("DO",), 2007),
    ("Coordinadora Hondureña de Pequeños Productores de Comercio Justo", ("HN",), 2006),
    ("Coordinadora Guatemalteca de Comercio Justo", ("GT",), 2006),
    ("Coordinadora Nicaragüense de Pequeños Productores de Comercio Justo", ("NI",), 2005),
    ("Associação das Organizações de Produtores Fairtrade do Brasil", ("BR",), 2008),
    ("Coordinadora Boliviana de Comercio Justo", ("BO",), 2006),
    ("Coordinadora de Comercio Justo de Costa Rica y Panamá", ("CR", "PA"), 2008),
    ("Coordinadora Paraguaya de Comercio Justo", ("PY",), 2009),
    ("Coordinadora de Comercio Justo del Cono Sur (Chile y Argentina)", ("CL", "AR"), 2010),
    ("Coordination Nationale du Commerce Équitable d'Haïti", ("HT",), 2010),
    ("Coordinadora Salvadoreña de Comercio Justo", ("SV",), 2008),
    ("Coordinadora Cubana de Comercio Justo", ("CU",), 2014),
    ("Red del Caribe de Comercio Justo (Islas de Barlovento, Jamaica y Belice)",
     ("DM", "LC", "VC", "GD", "JM", "BZ"), 2009),
)  # fmt: skip

PRODUCT_NETWORKS: dict[str, tuple[str, int]] = {
    ProductNetwork.COFFEE: ("Red de Café", 2010),
    ProductNetwork.COCOA: ("Red de Cacao", 2011),
    ProductNetwork.BANANA: ("Red de Banano", 2011),
    ProductNetwork.SUGAR: ("Red de Azúcar", 2012),
    ProductNetwork.JUICES_FRUIT: ("Red de Jugos y Frutas", 2013),
    ProductNetwork.HONEY: ("Red de Miel", 2012),
    ProductNetwork.QUINOA: ("Red de Quinua", 2013),
    ProductNetwork.OTHER: ("Red de Otros Productos", 2014),
}
WORKERS_NETWORK = ("Red de Trabajadores y Trabajadoras de Comercio Justo de Latinoamérica y el Caribe", 2015)

DESCRIPTIONS = {
    Network.Kind.COUNTRY: "Espacio de articulación de las organizaciones de pequeños productores del país: "
    "fortalecimiento organizativo, estrategias de sostenibilidad e incidencia ante el Estado.",
    Network.Kind.PRODUCT: "Comité técnico del producto: estrategia de producto, conexión con mercados, "
    "estudios de costos de producción y revisiones de precios y estándares.",
    Network.Kind.WORKERS: "Red de los comités de trabajadores de las plantaciones certificadas, con un comité "
    "nacional por país y un comité coordinador de dos personas por subregión.",
}


def _create_networks(ctx: DemoContext, admin) -> dict:
    networks: list[Network] = []
    country_codes: list[tuple[str, ...]] = []
    for name, codes, founded in COUNTRY_NETWORKS:
        networks.append(
            Network(
                kind=Network.Kind.COUNTRY,
                name=name,
                founded_year=founded,
                description=DESCRIPTIONS[Network.Kind.COUNTRY],
            )
        )
        country_codes.append(codes)
    for category, (name, founded) in PRODUCT_NETWORKS.items():
        networks.append(
            Network(
                kind=Network.Kind.PRODUCT,
                name=name,
                product_network=category,
                founded_year=founded,
                description=DESCRIPTIONS[Network.Kind.PRODUCT],
            )
        )
    networks.append(
        Network(
            kind=Network.Kind.WORKERS,
            name=WORKERS_NETWORK[0],
            founded_year=WORKERS_NETWORK[1],
            description=DESCRIPTIONS[Network.Kind.WORKERS],
        )
    )
    # A few dozen rows: written with their history in one go rather than network by network
    # through network_create, which would sync the registry once per network.
    networks = bulk_create_with_history(networks, Network, default_user=admin, default_change_reason="demo")
    if any(network.pk is None for network in networks):  # databases without RETURNING
        by_name = {n.name: n for n in Network.objects.all()}
        networks = [by_name[n.name] for n in networks]
    through = Network.countries.through
    through.objects.bulk_create(
        [
            through(network_id=network.pk, country_id=code)
            for network, codes in zip(networks, country_codes, strict=False)
            for code in codes
        ]
    )
    shared: dict[str, Any] = {
        "country": {code: network for network, codes in zip(networks, country_codes, strict=False) for code in codes},
        "product": {network.product_network: network for network in networks if network.kind == Network.Kind.PRODUCT},
        "workers": networks[-1],
    }
    coordinator = (ctx.shared.get("staff_users") or {}).get(StaffRole.COORDINATOR)
    if coordinator is not None:
        # The demo coordinator: the Peruvian network and the coffee network.
        shared["country"]["PE"].coordinators.add(coordinator)
        shared["product"][ProductNetwork.COFFEE].coordinators.add(coordinator)
    return shared


def _date_from_joining(today: datetime.date) -> None:
    """The sync dates what it opens today; in the demo, members have been in their networks
    since they joined CLAC, or since the network was founded if that came later. Set-based,
    on the rows and on their history rows alike (one UPDATE each per founding year)."""
    joined = Coalesce(
        Subquery(Membership.objects.filter(organization=OuterRef("organization_id")).values("joined_on")[:1]),
        Value(today),
        output_field=DateField(),
    )
    by_year: dict[int, list[int]] = {}
    for pk, year in Network.objects.values_list("pk", "founded_year"):
        by_year.setdefault(year or 2004, []).append(pk)
    for model in (NetworkMembership, NetworkMembership.history.model):
        for year, network_ids in by_year.items():
            founded = Value(datetime.date(year, 1, 1), output_field=DateField())
            model.objects.filter(
                source=NetworkMembership.Source.AUTOMATIC, until__isnull=True, network_id__in=network_ids
            ).update(since=Greatest(joined, founded))


def seed(ctx: DemoContext, rng: random.Random) -> dict[str, int]:
    admin = ctx.shared.get("admin")
    shared = _create_networks(ctx, admin)
    ctx.shared["networks"] = shared
    result = network_memberships_reconcile(today=ctx.today)
    _date_from_joining(ctx.today)
    manual = _manual_changes(ctx, rng, shared, admin)
    return {
        "networks": Network.objects.count(),
        "network memberships": result["opened"] + manual,
    }


def _manual_changes(ctx: DemoContext, rng: random.Random, shared: dict, admin) -> int:
    """A few changes by hand, as staff make them: organizations added to a network the registry
    does not put them in, and one kept out of the coffee network at its request."""
    today = ctx.today
    active = Organization.objects.filter(membership__status=Membership.Status.ACTIVE)
    changes = 0
    quinoa = shared["product"][ProductNetwork.QUINOA]
    guests = list(
        active.filter(country_id__in=["PE", "BO"]).exclude(network_memberships__network=quinoa).order_by("pk")[:40]
    )
    for organization in rng.sample(guests, min(2, len(guests))):
        network_membership_add(
            actor=admin,
            network=quinoa,
            organization=organization,
            since=today - datetime.timedelta(days=rng.randint(200, 700)),
            reason="Participa en el comité técnico de quinua: diversifica hacia granos andinos.",
        )
        changes += 1
    caribbean = shared["country"]["JM"]
    neighbours = list(active.filter(country_id="DO").order_by("pk")[:20])
    if neighbours:
        network_membership_add(
            actor=admin,
            network=caribbean,
            organization=rng.choice(neighbours),
            since=today - datetime.timedelta(days=rng.randint(100, 400)),
            reason="Invitada por la red del Caribe para el intercambio sobre banano orgánico.",
        )
        changes += 1
    coffee = shared["product"][ProductNetwork.COFFEE]
    leaving = list(
        NetworkMembership.objects.filter(network=coffee, until__isnull=True, excluded=False, since__lt=today)
        .select_related("organization")
        .order_by("pk")[:50]
    )
    if leaving:
        membership = rng.choice(leaving)
        network_membership_end(
            actor=admin,
            membership=membership,
            until=today - datetime.timedelta(days=rng.randint(1, max(1, min(90, (today - membership.since).days)))),
            reason="Pidió retirarse de la red de café: su café se vende sólo en el mercado nacional.",
            keep_out=True,
        )
        changes += 1
    return changes
