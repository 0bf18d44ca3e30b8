# A partner's country becomes an ISO 3166 code (django-countries), so pages name it in the
# reader's language. Stored free text is mapped first: a code ("DE", "deu"), an English name
# from django-countries ("Germany", "germany"), a name from the members' Country table, or a
# name in one of the site's other languages ("Alemania"), compared without case or accents.
# A value that matches nothing, or more than one country, becomes blank and is printed in the
# migration's output (and logged) so that staff can set it again on the partner's page. The
# history rows are mapped the same way (their column shrinks to two characters too).

import logging
import sys
import unicodedata

import django_countries.fields
from django.db import migrations
from django.utils import translation
from django_countries import countries

logger = logging.getLogger("communications.migrations")

OTHER_LANGUAGES = ("es", "pt-br", "fr")


def normalized(value: str) -> str:
    """Lower case, no accents, single spaces: 'Côte  d’Ivoire' → "cote d'ivoire"."""
    text = unicodedata.normalize("NFKD", value.replace("’", "'"))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.casefold().split())


def name_index(member_country_names: list[tuple[str, str]]) -> dict[str, str]:
    """Normalized country name → ISO code. English names (and django-countries' old names)
    first; the members' Country names and the translated names only where they add a name.
    A translated name that means two different countries is left out."""
    index: dict[str, str] = {}
    with translation.override("en"):
        for code, name in countries:
            index[normalized(str(name))] = code
        for code, names in countries.OLD_NAMES.items():
            for name in names:
                index.setdefault(normalized(str(name)), code)
    for code, name in member_country_names:
        if countries.alpha2(code):
            index.setdefault(normalized(name), countries.alpha2(code))
    ambiguous: set[str] = set()
    translated: dict[str, str] = {}
    for language in OTHER_LANGUAGES:
        with translation.override(language):
            for code, name in countries:
                key = normalized(str(name))
                if translated.get(key, code) != code:
                    ambiguous.add(key)
                translated[key] = code
    for key, code in translated.items():
        if key not in ambiguous:
            index.setdefault(key, code)
    # Everyday names that differ from the ISO short names.
    for name, code in COMMON_NAMES.items():
        index.setdefault(normalized(name), code)
    return index


COMMON_NAMES = {
    "United States": "US",
    "USA": "US",
    "U.S.A.": "US",
    "UK": "GB",
    "Great Britain": "GB",
    "England": "GB",
    "Holland": "NL",
    "The Netherlands": "NL",
    "South Korea": "KR",
    "Russia": "RU",
    "Bolivia": "BO",
    "Venezuela": "VE",
}


def country_code(value: str, index: dict[str, str]) -> str:
    """The ISO code a stored value means, or "" when it means none."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) in (2, 3) and countries.alpha2(text.upper()):
        return countries.alpha2(text.upper())
    return index.get(normalized(text), "")


def map_countries(apps, schema_editor):
    ExternalPartner = apps.get_model("communications", "ExternalPartner")
    HistoricalExternalPartner = apps.get_model("communications", "HistoricalExternalPartner")
    Country = apps.get_model("members", "Country")
    index = name_index(list(Country.objects.values_list("code", "name")))
    for model in (ExternalPartner, HistoricalExternalPartner):
        for row in model.objects.exclude(country="").only("pk", "country", "name"):
            code = country_code(row.country, index)
            if code == row.country:
                continue
            if not code and model is ExternalPartner:
                message = f"Partner {row.name!r} (id {row.pk}): country {row.country!r} matches no country; left blank.\n"
                sys.stdout.write(message)
                logger.warning(message.strip())
            model.objects.filter(pk=row.pk).update(country=code)


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0002_apikey"),
        ("members", "0002_reference_data"),
    ]

    operations = [
        migrations.RunPython(map_countries, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="externalpartner",
            name="country",
            field=django_countries.fields.CountryField(blank=True, max_length=2, verbose_name="country"),
        ),
        migrations.AlterField(
            model_name="historicalexternalpartner",
            name="country",
            field=django_countries.fields.CountryField(blank=True, max_length=2, verbose_name="country"),
        ),
    ]
