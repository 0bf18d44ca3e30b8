from members.models import Country, Product


def test_reference_data_loads_24_countries_and_products(db):
    assert Country.objects.count() == 24
    assert Product.objects.filter(code="coffee", unit="lb").exists()
