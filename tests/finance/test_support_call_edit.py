"""Editing a funding call: a draft changes everything, an open call only its texts, a later close
date and a budget no lower than what is approved, a closed or decided call nothing; every refusal
explains itself and leaves the row as it was. The page is for finance and administrators only."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from clac.roles import PortalRole, StaffRole
from finance import chart
from finance.models import Fund, FundingCall, ScoringCriterion
from finance.selectors.support import approved_total
from finance.services import support as services
from tests.factories import PortalAccessFactory, UserFactory
from tests.finance.support_factories import member, open_call, submitted, today

pytestmark = pytest.mark.django_db
MANAGERS = {StaffRole.ADMIN, StaffRole.FINANCE}
DAY = datetime.timedelta(days=1)


def draft_call() -> FundingCall:
    return services.call_create(
        actor=None,
        title="Borrador",
        fund=chart.fund(chart.STRENGTHENING_FUND),
        budget=Decimal("1000.00"),
        opens_on=today() + 5 * DAY,
        closes_on=today() + 30 * DAY,
        criteria=[("Impacto", Decimal("2"), 5)],
    )


def snapshot(call: FundingCall) -> tuple:
    call.refresh_from_db()
    criteria = list(call.criteria.values_list("name", "weight", "max_score"))
    return (
        call.title,
        call.description,
        call.fund_id,
        call.budget,
        call.opens_on,
        call.closes_on,
        call.eligible_kinds,
        call.eligible_countries,
        call.status,
        criteria,
        call.history.count(),
    )


def approve(call: FundingCall, amount: str) -> None:
    application = submitted(call, member(name=f"Aprobada {amount}"), amount=amount)
    services.application_approve(actor=None, application=application, amount_usd=Decimal(amount), notify=False)


# --- The service --------------------------------------------------------------------------------


def test_a_draft_changes_every_field_including_eligibility_and_criteria():
    call = draft_call()
    user = UserFactory(roles=[StaffRole.FINANCE])
    solidarity = chart.fund(chart.SOLIDARITY_FUND)
    services.call_update(
        actor=user,
        call=call,
        title="  Fondo de Solidaridad  ",
        description="Sequía 2027",
        fund=solidarity,
        budget=Decimal("2500.00"),
        opens_on=today() + 10 * DAY,
        closes_on=today() + 40 * DAY,
        eligible_kinds=["hl"],
        eligible_countries=["PE"],
        eligible_product_networks=["banana"],
        eligible_membership_statuses=["active"],
        criteria=[("Urgencia", Decimal("3"), 10), ("Alcance", Decimal("1.5"), 5)],
    )
    call.refresh_from_db()
    assert (call.title, call.fund_id, call.budget, call.eligible_kinds, call.eligible_countries) == (
        "Fondo de Solidaridad",
        solidarity.pk,
        Decimal("2500.00"),
        ["hl"],
        ["PE"],
    )
    assert list(call.criteria.values_list("name", "weight", "max_score")) == [
        ("Urgencia", Decimal("3.00"), 10),
        ("Alcance", Decimal("1.50"), 5),
    ]
    assert call.history.first().history_user == user


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "Give the call a title"),
        ({"budget": Decimal("0")}, "greater than zero"),
        ({"closes_on": today() + 2 * DAY}, "close on or after"),
        ({"criteria": [("Impacto", Decimal("0"), 5)]}, "weight above zero"),
    ],
    ids=["title", "budget", "dates", "criteria"],
)
def test_a_bad_draft_change_is_refused_and_nothing_changes(fields, message):
    call = draft_call()
    before = snapshot(call)
    with pytest.raises(ValidationError, match=message):
        services.call_update(actor=None, call=call, **fields)
    assert snapshot(call) == before


def test_a_draft_cannot_move_to_a_closed_fund():
    call = draft_call()
    closed = Fund.objects.create(code="OLD", name="Fondo cerrado", kind=Fund.Kind.OPERATING, active=False)
    before = snapshot(call)
    with pytest.raises(ValidationError, match="fund is closed"):
        services.call_update(actor=None, call=call, fund=closed)
    assert snapshot(call) == before


def test_an_open_call_changes_its_texts_a_later_close_date_and_its_budget():
    call = open_call(budget="5000.00")
    services.call_update(
        actor=None,
        call=call,
        title="Nuevo título",
        description="Más detalles",
        closes_on=call.closes_on + 10 * DAY,
        budget=Decimal("8000.00"),
    )
    after = FundingCall.objects.get(pk=call.pk)
    assert (after.title, after.description, after.closes_on, after.budget, after.status) == (
        "Nuevo título",
        "Más detalles",
        call.closes_on + 10 * DAY,
        Decimal("8000.00"),
        FundingCall.Status.OPEN,
    )


@pytest.mark.parametrize(
    "field",
    ["fund", "opens_on", "eligible_kinds", "eligible_countries", "eligible_product_networks", "criteria"],
)
def test_an_open_call_keeps_its_fund_window_start_eligibility_and_criteria(field):
    call = open_call()
    values = {
        "fund": chart.fund(chart.SOLIDARITY_FUND),
        "opens_on": call.opens_on - DAY,
        "eligible_kinds": ["hl"],
        "eligible_countries": ["CO"],
        "eligible_product_networks": ["banana"],
        "criteria": [("Otro", Decimal("1"), 5)],
    }
    before = snapshot(call)
    with pytest.raises(ValidationError) as raised:
        services.call_update(actor=None, call=call, title="Cambiado", **{field: values[field]})
    assert "only while the call is a draft" in raised.value.message_dict[field][0]
    assert snapshot(call) == before


def test_an_open_call_accepts_its_fixed_fields_sent_unchanged():
    call = open_call()
    services.call_update(
        actor=None,
        call=call,
        title="Cambiado",
        fund=call.fund,
        opens_on=call.opens_on,
        eligible_kinds=[],
        criteria=[("Impacto", Decimal("2"), 5), ("Viabilidad", Decimal("1"), 10)],
    )
    call.refresh_from_db()
    assert call.title == "Cambiado" and call.criteria.count() == 2


def test_an_open_calls_close_date_never_moves_earlier_nor_before_today():
    call = open_call()
    before = snapshot(call)
    with pytest.raises(ValidationError, match="only move later"):
        services.call_update(actor=None, call=call, closes_on=call.closes_on - DAY)
    assert snapshot(call) == before
    # A call whose close date has passed (not closed yet) may be extended, but not into the past.
    FundingCall.objects.filter(pk=call.pk).update(closes_on=today() - 5 * DAY)
    before = snapshot(call)
    with pytest.raises(ValidationError, match="before today"):
        services.call_update(actor=None, call=call, closes_on=today() - DAY)
    assert snapshot(call) == before
    services.call_update(actor=None, call=call, closes_on=today())
    call.refresh_from_db()
    assert call.closes_on == today()


def test_an_open_calls_budget_never_goes_below_what_is_approved():
    call = open_call(budget="10000.00")
    approve(call, "3000.00")
    approve(call, "2500.00")
    before = snapshot(call)
    with pytest.raises(ValidationError, match=r"5500\.00 USD already approved"):
        services.call_update(actor=None, call=call, budget=Decimal("5499.99"))
    assert snapshot(call) == before
    services.call_update(actor=None, call=call, budget=Decimal("5500.00"))
    call.refresh_from_db()
    assert call.budget == Decimal("5500.00")


@pytest.mark.parametrize("status", [FundingCall.Status.CLOSED, FundingCall.Status.DECIDED])
def test_a_closed_or_decided_call_cannot_be_edited(status):
    call = open_call()
    services.call_advance(actor=None, call=call, to_status=FundingCall.Status.CLOSED)
    if status == FundingCall.Status.DECIDED:
        services.call_advance(actor=None, call=call, to_status=FundingCall.Status.DECIDED)
    before = snapshot(call)
    with pytest.raises(ValidationError, match="can no longer be edited"):
        services.call_update(actor=None, call=call, title="Tarde")
    assert snapshot(call) == before


# --- The page -----------------------------------------------------------------------------------


@pytest.fixture
def users(db):
    result = {role: UserFactory(username=f"e-{role}", roles=[role], language="en") for role in StaffRole}
    result["portal"] = UserFactory(username="e-portal", language="en")
    PortalAccessFactory(user=result["portal"], organization=member(name="Portal"), role=PortalRole.ADMIN)
    return result


def form_data(call: FundingCall, **changes) -> dict:
    data = {
        "title": call.title,
        "description": call.description,
        "fund": call.fund_id,
        "budget": str(call.budget),
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "criteria": "\n".join(f"{c.name} | {c.weight} | {c.max_score}" for c in call.criteria.all()),
    }
    data.update(changes)
    return data


def test_the_edit_page_is_for_finance_and_administrators_only(client, users):
    call = open_call()
    url = reverse("finance:support_call_edit", kwargs={"pk": call.pk})
    before = snapshot(call)
    for role in StaffRole:
        client.force_login(users[role])
        assert client.get(url).status_code == (200 if role in MANAGERS else 403), role
        if role not in MANAGERS:
            assert client.post(url, form_data(call, title="Intruso")).status_code == 403, role
    client.force_login(users["portal"])
    assert client.get(url).status_code == 403
    assert client.post(url, form_data(call, title="Intruso")).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    assert client.post(url, form_data(call, title="Intruso")).status_code == 302
    assert snapshot(call) == before


@pytest.mark.parametrize("role", sorted(MANAGERS))
def test_a_manager_edits_an_open_call_from_its_page(client, users, role):
    call = open_call(budget="5000.00")
    client.force_login(users[role])
    page = client.get(reverse("finance:support_call_detail", kwargs={"pk": call.pk})).content.decode()
    url = reverse("finance:support_call_edit", kwargs={"pk": call.pk})
    assert url in page
    # The disabled fields are ignored even if a crafted request sends them.
    data = form_data(call, title="Fondo ampliado", budget="7500", eligible_kinds=["hl"], criteria="X | 1 | 5")
    assert client.post(url, data).status_code == 302
    call.refresh_from_db()
    assert (call.title, call.budget, call.eligible_kinds) == ("Fondo ampliado", Decimal("7500.00"), [])
    assert list(call.criteria.values_list("name", flat=True)) == ["Impacto", "Viabilidad"]


def test_a_budget_below_the_approved_total_is_explained_on_the_page_and_nothing_changes(client, users):
    call = open_call(budget="5000.00")
    approve(call, "4000.00")
    client.force_login(users[StaffRole.FINANCE])
    before = snapshot(call)
    url = reverse("finance:support_call_edit", kwargs={"pk": call.pk})
    response = client.post(url, form_data(call, title="Recortado", budget="3999.99"))
    assert response.status_code == 400
    assert "4000.00 USD already approved" in response.content.decode()
    assert 'value="Recortado"' in response.content.decode()
    assert snapshot(call) == before


def test_a_draft_is_edited_with_its_criteria_on_the_page(client, users):
    call = draft_call()
    client.force_login(users[StaffRole.ADMIN])
    url = reverse("finance:support_call_edit", kwargs={"pk": call.pk})
    assert "Impacto | 2 | 5" in client.get(url).content.decode()
    data = form_data(call, eligible_countries=["PE"], criteria="Impacto | 2 | 5\nGénero | 1 | 3")
    assert client.post(url, data).status_code == 302
    call.refresh_from_db()
    assert call.eligible_countries == ["PE"]
    assert list(ScoringCriterion.objects.filter(call=call).values_list("name", "max_score")) == [
        ("Impacto", 5),
        ("Género", 3),
    ]
    before = snapshot(call)
    assert client.post(url, form_data(call, criteria="sin columnas")).status_code == 400
    assert snapshot(call) == before


def test_a_closed_call_has_no_edit_link_and_its_edit_page_sends_back(client, users):
    call = open_call()
    services.call_advance(actor=None, call=call, to_status=FundingCall.Status.CLOSED)
    client.force_login(users[StaffRole.FINANCE])
    url = reverse("finance:support_call_edit", kwargs={"pk": call.pk})
    assert url not in client.get(reverse("finance:support_call_detail", kwargs={"pk": call.pk})).content.decode()
    before = snapshot(call)
    response = client.post(url, form_data(call, title="Tarde"), follow=True)
    assert "can no longer be edited" in response.content.decode()
    assert snapshot(call) == before


@pytest.mark.integration
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_budget_cut_and_an_approval_at_the_same_moment_never_leave_more_approved_than_budgeted():
    call = open_call(budget="10000.00")
    approve(call, "4000.00")
    application = submitted(call, member(name="Concurrente"), amount="5000.00")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name: str, work) -> None:
        try:
            barrier.wait()
            work()
            outcomes[name] = "done"
        except ValidationError:
            outcomes[name] = "refused"
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run,
            args=(
                "approve",
                lambda: services.application_approve(
                    actor=None, application=application, amount_usd=Decimal("5000.00"), notify=False
                ),
            ),
        ),
        threading.Thread(
            target=run,
            args=("cut", lambda: services.call_update(actor=None, call=call, budget=Decimal("6000.00"))),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Whichever takes the call's lock first wins; the other sees its result and is refused.
    assert sorted(outcomes.values()) == ["done", "refused"]
    call.refresh_from_db()
    assert approved_total(call=call) <= call.budget
