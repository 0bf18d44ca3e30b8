from decimal import Decimal

from django.db import migrations

from members.reference import COUNTRIES, PRODUCTS


def load(apps, schema_editor):
    Country = apps.get_model("members", "Country")
    Product = apps.get_model("members", "Product")
    for code, name, subregion, (min_lat, max_lat, min_lng, max_lng) in COUNTRIES:
        Country.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "subregion": subregion,
                "min_latitude": Decimal(str(min_lat)),
                "max_latitude": Decimal(str(max_lat)),
                "min_longitude": Decimal(str(min_lng)),
                "max_longitude": Decimal(str(max_lng)),
            },
        )
    for code, name, unit, network in PRODUCTS:
        Product.objects.update_or_create(code=code, defaults={"name": name, "unit": unit, "network": network})


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
