"""An organization's dues account (invoices, payments, adjustments, balance, credit), a payment
recorded on it with no invoice chosen (oldest first, the rest or all of it kept as credit), and
the list of every payment with its filters. Access by role is walked in test_dues_access."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from clac.roles import StaffRole
from communications.services import api_key_create
from finance.models import DuesAllocation, DuesInvoice, DuesPayment, DuesPolicy
from finance.services.dues import dues_invoice_adjust, dues_payment_record
from members.models import ExchangeRate
from tests.factories import ExternalPartnerFactory, UserFactory
from tests.finance.dues_factories import invoice, member, policy_with_rules
from tests.finance.test_dues_access import fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(client):
    client.force_login(UserFactory(username="a-finance", roles=[StaffRole.FINANCE], language="en"))
    return client


def _pay(organization, amount: str, on: datetime.date, currency: str = "USD", reference: str = "") -> DuesPayment:
    return dues_payment_record(
        organization=organization,
        received_on=on,
        amount=Decimal(amount),
        currency=currency,
        reference=reference,
        actor=None,
    )


# --- The account page ---------------------------------------------------------------------------


def test_the_account_shows_invoices_payments_adjustments_balance_and_credit(finance):
    organization = member("Cooperativa Norte").organization
    other = member("Cooperativa Sur").organization
    old = invoice(policy_with_rules(2024, datetime.date(2024, 3, 31)), organization, "300.00")
    new = invoice(policy_with_rules(), organization, "500.00")
    foreign = invoice(DuesPolicy.objects.get(year=2025), other)
    _pay(organization, "350.00", datetime.date(2025, 2, 1), reference="T-77")
    dues_invoice_adjust(invoice=new, kind="waiver", amount=Decimal("100.00"), reason="Huracán", actor=None)
    response = finance.get(reverse("finance:dues_account", kwargs={"org_pk": organization.pk}))
    assert response.status_code == 200
    body = response.content.decode()
    assert old.number in body and new.number in body and foreign.number not in body
    assert "T-77" in body and "Huracán" in body
    # 350 paid 300 of 2024 and 50 of 2025; 100 waived: 350 open, no credit.
    assert response.context["balance"] == Decimal("350.00")
    assert response.context["credit"] == Decimal("0")
    assert "Cooperativa Sur" not in body


def test_the_invoice_list_and_page_link_to_the_account(finance):
    organization = member("Cooperativa Norte").organization
    issued = invoice(policy_with_rules(), organization)
    url = reverse("finance:dues_account", kwargs={"org_pk": organization.pk})
    assert url in finance.get(reverse("finance:dues_invoice_list")).content.decode()
    assert url in finance.get(reverse("finance:dues_invoice_detail", kwargs={"pk": issued.pk})).content.decode()


def test_an_unknown_organization_is_a_404(finance):
    assert finance.get(reverse("finance:dues_account", kwargs={"org_pk": 999999})).status_code == 404
    assert finance.get(reverse("finance:dues_account_payment", kwargs={"org_pk": 999999})).status_code == 404


def test_the_account_costs_a_constant_number_of_queries(finance, django_assert_max_num_queries):
    organization = member("Cooperativa Norte").organization
    for year in range(2000, 2030):
        issued = invoice(policy_with_rules(year, datetime.date(year, 3, 31)), organization, "100.00")
        dues_invoice_adjust(invoice=issued, kind="write_off", amount=Decimal("10.00"), reason="Viejo", actor=None)
    for day in range(1, 29):
        _pay(organization, "50.00", datetime.date(2025, 2, day), reference=f"R-{day}")
    url = reverse("finance:dues_account", kwargs={"org_pk": organization.pk})
    with django_assert_max_num_queries(12):
        response = finance.get(url)
    assert response.status_code == 200
    assert len(response.context["invoices"]) == 30 and len(response.context["payments"]) == 28
    assert len(response.context["adjustments"]) == 30


# --- Recording a payment on the account -----------------------------------------------------


def test_a_payment_on_the_account_settles_the_oldest_invoice_first(finance):
    organization = member("Cooperativa Norte").organization
    old = invoice(policy_with_rules(2024, datetime.date(2024, 3, 31)), organization, "300.00")
    new = invoice(policy_with_rules(), organization, "500.00")
    url = reverse("finance:dues_account_payment", kwargs={"org_pk": organization.pk})
    response = finance.post(url, {"received_on": "2025-02-02", "amount": "400", "currency": "usd", "reference": "B"})
    assert response.status_code == 302
    assert response["Location"] == reverse("finance:dues_account", kwargs={"org_pk": organization.pk})
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, old.paid) == (DuesInvoice.Status.PAID, Decimal("300.00"))
    assert (new.status, new.paid) == (DuesInvoice.Status.PARTIAL, Decimal("100.00"))
    payment = organization.dues_payments.get()
    assert (payment.currency, payment.credit, payment.created_by.username) == ("USD", Decimal("0.00"), "a-finance")


def test_a_payment_with_nothing_open_becomes_credit_for_the_next_invoice(finance):
    organization = member("Cooperativa Norte").organization
    ExchangeRate.objects.create(currency="PEN", date=datetime.date(2025, 2, 1), usd_per_unit=Decimal("0.25"))
    url = reverse("finance:dues_account_payment", kwargs={"org_pk": organization.pk})
    response = finance.post(url, {"received_on": "2025-02-02", "amount": "1200", "currency": "PEN"})
    assert response.status_code == 302
    payment = organization.dues_payments.get()
    assert (payment.amount_usd, payment.credit) == (Decimal("300.00"), Decimal("300.00"))
    assert not DuesAllocation.objects.exists()
    page = finance.get(reverse("finance:dues_account", kwargs={"org_pk": organization.pk}))
    assert page.context["credit"] == Decimal("300.00")
    assert "300.00 USD is kept as credit" in page.content.decode()


def test_bad_payment_input_keeps_what_was_typed_and_writes_nothing(finance):
    organization = member("Cooperativa Norte").organization
    invoice(policy_with_rules(), organization)
    url = reverse("finance:dues_account_payment", kwargs={"org_pk": organization.pk})
    before = fingerprint()
    # Form errors: not a number, not a date.
    response = finance.post(url, {"received_on": "mañana", "amount": "abc", "currency": "USD", "reference": "Ref-9"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"received_on", "amount"}
    assert 'value="Ref-9"' in response.content.decode()
    # Service errors: a payment from the future, a currency without an exchange rate, zero.
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    response = finance.post(url, {"received_on": future, "amount": "10", "currency": "XYZ", "reference": "Ref-9"})
    assert response.status_code == 400
    assert "received_on" in response.context["form"].errors
    assert 'value="Ref-9"' in response.content.decode() and 'value="XYZ"' in response.content.decode()
    response = finance.post(url, {"received_on": "2025-02-02", "amount": "10", "currency": "EUR"})
    assert response.status_code == 400 and "currency" in response.context["form"].errors
    response = finance.post(url, {"received_on": "2025-02-02", "amount": "0", "currency": "USD"})
    assert response.status_code == 400 and "amount" in response.context["form"].errors
    assert fingerprint() == before
    assert DuesPayment.objects.count() == 0


def test_payment_errors_are_in_the_users_language(client):
    organization = member("Cooperativa Norte").organization
    client.force_login(UserFactory(username="a-es", roles=[StaffRole.FINANCE], language="es"))
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    url = reverse("finance:dues_account_payment", kwargs={"org_pk": organization.pk})
    response = client.post(url, {"received_on": future, "amount": "10", "currency": "USD"})
    assert response.status_code == 400
    assert "Un pago no puede recibirse en el futuro." in response.content.decode()
    assert DuesPayment.objects.count() == 0


def test_a_partner_key_opens_no_dashboard_page_of_the_area(client):
    organization = member("Cooperativa Norte").organization
    _key, raw = api_key_create(partner=ExternalPartnerFactory(name="Partner A"), name="a", scopes=["stats:read"])
    for name, kwargs in (
        ("finance:dues_payment_list", {}),
        ("finance:dues_account", {"org_pk": organization.pk}),
        ("finance:dues_account_payment", {"org_pk": organization.pk}),
    ):
        url = reverse(name, kwargs=kwargs)
        assert client.get(url, headers={"authorization": f"Api-Key {raw}"}).status_code == 302
        data = {"received_on": "2025-02-02", "amount": "10", "currency": "USD"}
        assert client.post(url, data, headers={"authorization": f"Api-Key {raw}"}).status_code == 302
    assert DuesPayment.objects.count() == 0


# --- The payments list -------------------------------------------------------------------------


def test_the_payments_list_is_newest_first_and_filters(finance):
    norte = member("Cooperativa Café Norte").organization
    sur = member("Asociación Sur").organization
    ExchangeRate.objects.create(currency="PEN", date=datetime.date(2025, 1, 1), usd_per_unit=Decimal("0.25"))
    first = _pay(norte, "10.00", datetime.date(2025, 1, 5), reference="P-1")
    second = _pay(sur, "40.00", datetime.date(2025, 2, 5), currency="PEN", reference="P-2")
    third = _pay(norte, "30.00", datetime.date(2025, 3, 5), reference="P-3")
    url = reverse("finance:dues_payment_list")

    def listed(**params) -> list[int]:
        response = finance.get(url, params)
        assert response.status_code == 200
        return [payment.pk for payment in response.context["page_obj"]]

    assert listed() == [third.pk, second.pk, first.pk]
    assert listed(received_from="2025-02-01") == [third.pk, second.pk]
    assert listed(received_from="2025-02-01", received_to="2025-02-28") == [second.pk]
    assert listed(currency="pen") == [second.pk]
    # Accents and case ignored, every word must be found.
    assert listed(organization="cafe NORTE") == [third.pk, first.pk]
    assert listed(organization="sur norte") == []
    body = finance.get(url).content.decode()
    assert reverse("finance:dues_account", kwargs={"org_pk": sur.pk}) in body


@pytest.mark.parametrize(
    "params, field",
    [
        ({"received_from": "2025-13-01"}, "received_from"),
        ({"received_from": "2025-03-01", "received_to": "2025-02-01"}, "received_to"),
        ({"currency": "DOLLARS"}, "currency"),
        ({"currency": "U1D"}, "currency"),
        ({"organization": "x" * 101}, "organization"),
    ],
)
def test_an_invalid_payment_filter_is_a_400_with_the_forms_errors(finance, params, field):
    response = finance.get(reverse("finance:dues_payment_list"), params)
    assert response.status_code == 400
    assert field in response.context["filter_form"].errors
    assert list(response.context["page_obj"]) == []


def test_the_payments_list_costs_a_constant_number_of_queries(finance, django_assert_max_num_queries):
    for number in range(60):
        _pay(member(f"Org {number}").organization, "25.00", datetime.date(2025, 2, 1 + number % 28))
    url = reverse("finance:dues_payment_list")
    with django_assert_max_num_queries(10):
        response = finance.get(url)
    assert response.status_code == 200 and len(response.context["page_obj"]) == 50
    with django_assert_max_num_queries(10):
        assert len(finance.get(url, {"page": 2}).context["page_obj"]) == 10


def test_the_dashboard_navigation_links_to_the_payments_list(finance):
    body = finance.get(reverse("finance:dues_invoice_list")).content.decode()
    assert reverse("finance:dues_payment_list") in body


def test_the_account_shows_the_latest_hundred_payments_and_says_there_are_more(finance):
    from finance.selectors.dues import ACCOUNT_PAYMENTS_SHOWN

    organization = member("Cooperativa Norte").organization
    for number in range(ACCOUNT_PAYMENTS_SHOWN + 1):
        _pay(organization, "1.00", datetime.date(2025, 1, 1) + datetime.timedelta(days=number), reference=f"N{number}")
    response = finance.get(reverse("finance:dues_account", kwargs={"org_pk": organization.pk}))
    payments = response.context["payments"]
    assert len(payments) == ACCOUNT_PAYMENTS_SHOWN and response.context["more_payments"]
    assert payments[0].reference == f"N{ACCOUNT_PAYMENTS_SHOWN}" and payments[-1].reference == "N1"
    assert "the list of payments has them all" in response.content.decode()
    assert response.context["credit"] == Decimal("101.00")
