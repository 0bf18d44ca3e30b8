"""Item 4: exchange rates on the dashboard (list, add, CSV import) for finance, M&E and
admins; a report in another currency shows the missing rate at the top with a link to add it."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clac.roles import StaffRole
from members.models import ExchangeRate, YearlyReport
from members.services import yearly_report_save, yearly_report_submit
from tests.factories import UserFactory, product, staff_user

pytestmark = pytest.mark.django_db

LIST = reverse("members:exchange_rate_list")
ADD = reverse("members:exchange_rate_create")
IMPORT = reverse("members:exchange_rate_import")
YEAR = datetime.date.today().year - 1


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("rates.csv", text.encode(), content_type="text/csv")


@pytest.mark.parametrize("role", [StaffRole.FINANCE, StaffRole.ME_OFFICER, StaffRole.ADMIN])
def test_finance_and_me_officer_list_add_and_import_rates(client, role):
    client.force_login(staff_user(role))
    assert client.get(LIST).status_code == 200

    response = client.post(ADD, {"currency": "pen", "date": f"{YEAR}-12-31", "usd_per_unit": "0,2667"})

    assert response.status_code == 302
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.date, rate.usd_per_unit) == ("PEN", datetime.date(YEAR, 12, 31), Decimal("0.2667"))
    response = client.post(IMPORT, {"file": _csv(f"currency,date,usd_per_unit\nCOP,{YEAR}-12-31,0.000245\n")})
    assert response.status_code == 302
    assert ExchangeRate.objects.count() == 2


@pytest.mark.parametrize("role", [StaffRole.VIEWER, StaffRole.COORDINATOR, StaffRole.COMMUNICATIONS])
def test_other_roles_are_refused_and_nothing_is_written(client, role):
    client.force_login(staff_user(role))
    assert client.get(LIST).status_code == 403
    assert client.post(ADD, {"currency": "PEN", "date": f"{YEAR}-12-31", "usd_per_unit": "0.27"}).status_code == 403
    assert (
        client.post(IMPORT, {"file": _csv(f"currency,date,usd_per_unit\nPEN,{YEAR}-12-31,0.27\n")}).status_code == 403
    )
    assert not ExchangeRate.objects.exists()


def test_portal_user_is_refused(client, portal_editor):
    client.force_login(portal_editor)
    assert client.get(LIST).status_code == 403


def test_list_filters_by_currency_and_dates_in_constant_queries(client, django_assert_max_num_queries):
    for day in range(1, 29):
        ExchangeRate.objects.create(currency="PEN", date=datetime.date(YEAR, 2, day), usd_per_unit=Decimal("0.27"))
        ExchangeRate.objects.create(currency="COP", date=datetime.date(YEAR, 2, day), usd_per_unit=Decimal("0.0002"))
    client.force_login(staff_user(StaffRole.FINANCE))

    with django_assert_max_num_queries(12):
        response = client.get(LIST, {"currency": "PEN", "date_from": f"{YEAR}-02-10", "date_to": f"{YEAR}-02-19"})

    rates = list(response.context["page_obj"].object_list)
    assert len(rates) == 10
    assert {rate.currency for rate in rates} == {"PEN"}


def test_bad_rate_is_refused_with_the_input_kept(client):
    client.force_login(staff_user(StaffRole.FINANCE))
    ExchangeRate.objects.create(currency="PEN", date=datetime.date(YEAR, 12, 31), usd_per_unit=Decimal("0.27"))

    response = client.post(ADD, {"currency": "PEN", "date": f"{YEAR}-12-31", "usd_per_unit": "-1"})

    assert response.status_code == 200
    assert "more than zero" in response.content.decode()
    response = client.post(ADD, {"currency": "PEN", "date": f"{YEAR}-12-31", "usd_per_unit": "0.28"})
    assert "There is already a PEN rate" in response.content.decode()
    assert 'value="0.28"' in response.content.decode()
    assert ExchangeRate.objects.count() == 1


def test_import_is_all_or_nothing_with_every_mistake_by_row_and_column(client):
    client.force_login(staff_user(StaffRole.ME_OFFICER))
    ExchangeRate.objects.create(currency="PEN", date=datetime.date(YEAR, 12, 31), usd_per_unit=Decimal("0.27"))
    ExchangeRate.objects.create(currency="BOB", date=datetime.date(YEAR, 12, 31), usd_per_unit=Decimal("0.145"))
    text = (
        "currency;date;usd_per_unit;source\n"
        f"COP;{YEAR}-12-31;0,000245;BanRep\n"  # fine
        f"BOB;{YEAR}-12-31;0,145;\n"  # identical to the stored rate: unchanged
        f"PEN;{YEAR}-12-31;0.30;\n"  # differs from the stored rate
        f"XX;{YEAR}-13-01;abc;\n"  # three mistakes
        f"COP;{YEAR}-12-31;0.000246;\n"  # repeats row 2
    )

    response = client.post(IMPORT, {"file": _csv(text)})

    assert response.status_code == 200
    errors = [(e.row, e.column) for e in response.context["result"].errors]
    assert errors == [(4, "usd_per_unit"), (5, "currency"), (5, "date"), (5, "usd_per_unit"), (6, "date")]
    assert "Nothing was saved: 5 mistakes to correct" in response.content.decode()
    assert ExchangeRate.objects.count() == 2


def test_import_refuses_a_file_without_the_columns(client):
    client.force_login(staff_user(StaffRole.FINANCE))
    response = client.post(IMPORT, {"file": _csv("moneda,fecha\nPEN,2025-12-31\n")})
    assert "missing: currency, date, usd_per_unit" in response.content.decode()
    assert not ExchangeRate.objects.exists()


# --- The approval dead end ------------------------------------------------------------------


@pytest.fixture
def pen_report(organization):
    report = yearly_report_save(
        actor=UserFactory(),
        organization=organization,
        year=YEAR,
        data={"members_total": 100, "premium_amount": Decimal("50000"), "premium_currency": "PEN"},
        product_lines=[
            {"product": product("coffee"), "volume_produced": Decimal(1000), "volume_sold_fairtrade": Decimal(400)}
        ],
        premium_uses=[],
    )
    return yearly_report_submit(actor=None, report=report)


def test_failed_approval_shows_the_missing_rate_at_the_top_with_a_prefilled_link(client, pen_report):
    me_officer = staff_user(StaffRole.ME_OFFICER)
    client.force_login(me_officer)

    response = client.post(reverse("members:report_approve", args=[pen_report.pk]), follow=True)

    content = response.content.decode()
    assert "This report cannot be approved yet" in content
    assert content.index("This report cannot be approved yet") < content.index("report-summary")
    link = f"{ADD}?currency=PEN&amp;date={YEAR}-12-31&amp;next="
    assert link in content
    pen_report.refresh_from_db()
    assert pen_report.status == YearlyReport.Status.SUBMITTED

    # The link opens the form prefilled; saving goes back to the report, which can now be approved.
    form_page = client.get(ADD, {"currency": "PEN", "date": f"{YEAR}-12-31"})
    assert form_page.context["form"].initial == {"currency": "PEN", "date": f"{YEAR}-12-31"}
    detail = reverse("members:report_detail", args=[pen_report.pk])
    response = client.post(ADD, {"currency": "PEN", "date": f"{YEAR}-12-31", "usd_per_unit": "0.27", "next": detail})
    assert response.status_code == 302 and response["Location"] == detail
    client.post(reverse("members:report_approve", args=[pen_report.pk]))
    pen_report.refresh_from_db()
    assert pen_report.status == YearlyReport.Status.APPROVED
    assert pen_report.premium_usd == Decimal("13500.00")


def test_coordinator_sees_the_missing_rate_without_a_link_they_cannot_use(client, pen_report):
    client.force_login(staff_user(StaffRole.COORDINATOR))
    content = client.get(reverse("members:report_detail", args=[pen_report.pk])).content.decode()
    assert "This report cannot be approved yet" in content
    assert ADD not in content
    assert "Ask the finance team" in content


def test_next_must_stay_on_the_site(client):
    client.force_login(staff_user(StaffRole.FINANCE))
    response = client.post(
        ADD, {"currency": "PEN", "date": f"{YEAR}-12-31", "usd_per_unit": "0.27", "next": "https://evil.example/"}
    )
    assert response["Location"] == LIST
