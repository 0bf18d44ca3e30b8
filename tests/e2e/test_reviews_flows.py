"""A cocoa cooperative answers a price consultation on a phone (390 by 844): the questionnaire
with a decimal comma, a draft, a missing currency marked, then the submission; and the staff
results page with its price chart raises no Content-Security-Policy violation."""

import datetime
import re
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from clac.roles import PortalRole, StaffRole
from networks.models import ConsultationResponse
from tests.factories import OrganizationFactory, PortalAccessFactory, UserFactory, staff_user
from tests.networks.factories_reviews import PriceReferenceFactory, ReviewFactory, RoundFactory, invite


def test_portal_editor_on_a_phone_answers_a_consultation_and_staff_see_the_price_history(pages, sign_in):
    today = timezone.localdate()
    review = ReviewFactory(title="Revisión del cacao")
    round_ = RoundFactory(
        review=review,
        title="Consulta de costos del cacao",
        opens_on=today - datetime.timedelta(days=2),
        closes_on=today + datetime.timedelta(days=5),
        open_questions=["¿Qué costo subió más?"],
    )
    organization = OrganizationFactory(name="Cooperativa Cacaotera")
    invite(round_, organization)
    PortalAccessFactory(
        user=UserFactory(username="rosa-portal", language="en"), organization=organization, role=PortalRole.EDITOR
    )
    page = pages.new(phone=True)
    sign_in(page, "rosa-portal")
    page.get_by_role("link", name="Consultations").click()
    page.get_by_role("link", name="Consulta de costos del cacao").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("Labour", exact=True).fill("1,25")
    page.get_by_label("Inputs", exact=True).fill("0,5")
    page.get_by_label("¿Qué costo subió más?").fill("Los fertilizantes")
    page.get_by_role("button", name="Submit the answer").click()
    expect(page.locator(".field-invalid")).to_contain_text("Say which currency the costs are in.")
    expect(page.get_by_label("Labour", exact=True)).to_have_value(re.compile(r"1[,.]25"))
    page.get_by_label("Currency of the costs").fill("usd")
    page.get_by_role("button", name="Submit the answer").click()
    expect(page.locator(".messages")).to_contain_text("Your answer was submitted")

    answer = ConsultationResponse.objects.get(round=round_, organization=organization)
    assert (answer.status, answer.currency, answer.cost_total) == ("submitted", "USD", Decimal("1.75"))
    assert answer.open_answers == ["Los fertilizantes"]

    PriceReferenceFactory()
    PriceReferenceFactory(effective_from=datetime.date(2023, 8, 1), minimum_price=Decimal("1.80"))
    staff_user(StaffRole.ME_OFFICER, username="rv-me", language="en")
    staff = pages.new()
    sign_in(staff, "rv-me")
    staff.goto(f"/dashboard/networks/reviews/rounds/{round_.pk}/")
    expect(staff.get_by_role("heading", name="Results")).to_be_visible()
    staff.goto(f"/dashboard/networks/reviews/prices/?product={review.product_id}")
    expect(staff.locator("svg.price-svg polyline")).to_have_count(2)
    assert pages.csp_violations() == []
