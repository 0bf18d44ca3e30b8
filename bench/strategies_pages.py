"""Benchmark pages of product strategies, needs and SPO sustainability strategies (issue #8),
measured with the networks module's pages (bench/networks_pages.py adds them to its list, so
they share its seeding, clients, timing and report): the needs list (first and last page, as
the administrator and as the coordinator), one network's needs, the largest product strategy,
the country network page with the SPO sustainability figure, the sustainability list, the
portal's needs, and the staff API lists."""

from __future__ import annotations

from bench.networks_pages import LAST_PAGE, Page


def pages() -> list[Page]:
    from django.db.models import Count

    from networks.models import Network, ProductStrategy

    strategy = (
        ProductStrategy.objects.annotate(_n=Count("market_targets"))
        .order_by("-_n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    country_network = (
        Network.objects.filter(kind=Network.Kind.COUNTRY)
        .annotate(_n=Count("supported_strategies"))
        .order_by("-_n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    d = "/dashboard/networks/"
    a = "/api/v1/"
    last = f"page={LAST_PAGE}"
    result = [
        Page("dashboard: needs", f"{d}needs/", "admin", f"{d}needs/?{last}"),
        Page("dashboard: needs, coordinator", f"{d}needs/", "coordinator", f"{d}needs/?{last}"),
        Page("dashboard: needs (any status)", f"{d}needs/?status=all", "admin", f"{d}needs/?status=all&{last}"),
        Page("dashboard: product strategies", f"{d}strategies/", "admin", f"{d}strategies/?{last}"),
        Page(
            "dashboard: sustainability strategies",
            f"{d}sustainability/",
            "admin",
            f"{d}sustainability/?{last}",
        ),
        Page("portal: needs", "/portal/networks/needs/", "portal"),
        Page("portal: sustainability strategy", "/portal/networks/sustainability/", "portal"),
        Page("api: needs", f"{a}needs/", "admin", "cursor"),
        Page("api: product-strategies", f"{a}product-strategies/", "admin", "cursor"),
        Page("api: sustainability-strategies", f"{a}sustainability-strategies/", "admin", "cursor"),
    ]
    if strategy is not None:
        result.append(Page("dashboard: product strategy", f"{d}strategies/{strategy}/", "admin"))
    if country_network is not None:
        result += [
            Page("dashboard: country network (SPO sustainability figure)", f"{d}{country_network}/", "admin"),
            Page(
                "dashboard: network needs",
                f"{d}{country_network}/needs/",
                "admin",
                f"{d}{country_network}/needs/?{last}",
            ),
        ]
    return result
