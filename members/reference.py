"""Reference data loaded by migrations: CLAC's 24 countries and the Fairtrade product
categories. Names are English and marked for translation, so `str(country)` is localized."""

from django.utils.translation import gettext_noop as _

# code, name, subregion, (min_lat, max_lat, min_lng, max_lng): a generous bounding box used
# only to catch swapped or mistyped coordinates.
COUNTRIES: list[tuple[str, str, str, tuple[float, float, float, float]]] = [
    ("MX", _("Mexico"), "north_america", (14.5, 32.8, -118.5, -86.7)),
    ("GT", _("Guatemala"), "central_america_caribbean", (13.7, 17.9, -92.3, -88.2)),
    ("BZ", _("Belize"), "central_america_caribbean", (15.8, 18.5, -89.3, -87.4)),
    ("HN", _("Honduras"), "central_america_caribbean", (12.9, 17.5, -89.4, -83.1)),
    ("SV", _("El Salvador"), "central_america_caribbean", (13.1, 14.5, -90.2, -87.6)),
    ("NI", _("Nicaragua"), "central_america_caribbean", (10.7, 15.1, -87.7, -82.6)),
    ("CR", _("Costa Rica"), "central_america_caribbean", (5.4, 11.3, -87.2, -82.5)),
    ("PA", _("Panama"), "central_america_caribbean", (7.1, 9.7, -83.1, -77.1)),
    ("CU", _("Cuba"), "caribbean", (19.8, 23.3, -85.0, -74.1)),
    ("DO", _("Dominican Republic"), "caribbean", (17.5, 20.0, -72.1, -68.3)),
    ("HT", _("Haiti"), "caribbean", (18.0, 20.1, -74.5, -71.6)),
    ("JM", _("Jamaica"), "caribbean", (17.7, 18.6, -78.4, -76.2)),
    ("DM", _("Dominica"), "caribbean", (15.2, 15.7, -61.5, -61.2)),
    ("LC", _("Saint Lucia"), "caribbean", (13.7, 14.2, -61.1, -60.8)),
    ("VC", _("Saint Vincent and the Grenadines"), "caribbean", (12.5, 13.4, -61.5, -61.1)),
    ("GD", _("Grenada"), "caribbean", (11.9, 12.6, -61.9, -61.4)),
    ("CO", _("Colombia"), "andean", (-4.3, 13.5, -82.0, -66.8)),
    ("EC", _("Ecuador"), "andean", (-5.1, 1.7, -92.1, -75.1)),
    ("PE", _("Peru"), "andean", (-18.4, 0.0, -81.4, -68.6)),
    ("BO", _("Bolivia"), "andean", (-22.9, -9.6, -69.7, -57.4)),
    ("BR", _("Brazil"), "south_america", (-33.8, 5.3, -74.0, -28.8)),
    ("PY", _("Paraguay"), "south_america", (-27.7, -19.2, -62.7, -54.2)),
    ("CL", _("Chile"), "south_america", (-56.0, -17.4, -109.5, -66.4)),
    ("AR", _("Argentina"), "south_america", (-55.1, -21.7, -73.6, -53.6)),
]

# code, name, unit of trade, product network
PRODUCTS: list[tuple[str, str, str, str]] = [
    ("coffee", _("Coffee"), "lb", "coffee"),
    ("cocoa", _("Cocoa"), "t", "cocoa"),
    ("banana", _("Banana"), "box", "banana"),
    ("cane-sugar", _("Cane sugar"), "t", "sugar"),
    ("fresh-fruit", _("Fresh fruit"), "kg", "juices_fruit"),
    ("fruit-juices", _("Fruit juices"), "kg", "juices_fruit"),
    ("dried-fruit", _("Dried fruit"), "kg", "juices_fruit"),
    ("honey", _("Honey"), "kg", "honey"),
    ("quinoa", _("Quinoa"), "kg", "quinoa"),
    ("herbs-spices", _("Herbs, herbal teas and spices"), "kg", "other"),
    ("nuts", _("Nuts"), "kg", "other"),
    ("vegetables", _("Vegetables"), "kg", "other"),
    ("cereals", _("Cereals"), "kg", "other"),
    ("flowers", _("Flowers and plants"), "box", "other"),
    ("wine-grapes", _("Wine grapes"), "kg", "other"),
]
