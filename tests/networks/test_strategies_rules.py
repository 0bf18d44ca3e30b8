"""The rules of product strategies, needs and sustainability strategies, through their services:
periods and market targets, status transitions (dated and attributed), who may write, the
adoption date, and that a refused write leaves nothing behind."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clac.roles import PortalRole, StaffRole
from members.models import Organization
from networks.models import Need, ProductStrategy, SustainabilityStrategy
from networks.selectors.strategies import NeedFilters, need_list_for_user
from networks.services import strategies as services
from networks.services.strategies import MarketTargetData
from tests.factories import OrganizationFactory, PortalAccessFactory, UserFactory, staff_user
from tests.networks.factories import CountryNetworkFactory, NetworkMembershipFactory, ProductNetworkFactory
from tests.networks.factories_strategies import NeedFactory, ProductStrategyFactory, SustainabilityStrategyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return staff_user(StaffRole.ADMIN, username="rules-admin")


@pytest.fixture
def coffee():
    return ProductNetworkFactory(name="Red de Café")


@pytest.fixture
def peru():
    return CountryNetworkFactory(name="Red Perú")


def _errors(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- Product strategies -----------------------------------------------------------------------


def test_strategy_with_its_targets_is_created_with_history(admin, coffee):
    strategy = services.product_strategy_create(
        actor=admin,
        network=coffee,
        title="  Café 2024-2026 ",
        start_year=2024,
        end_year=2026,
        goals="Precio\n\nMercados\n",
        strategic_lines=["product_networks", "product_networks", "financial"],
        market_targets=[MarketTargetData("Alemania", Decimal("12000"), "lb", 2025)],
    )
    assert strategy.title == "Café 2024-2026"
    assert strategy.goal_list == ["Precio", "Mercados"]
    assert strategy.strategic_lines == ["product_networks", "financial"]
    assert strategy.market_targets.get().year == 2025
    assert strategy.history.get().history_user == admin


def test_strategy_rules_are_reported_at_once_and_nothing_is_written(admin, peru):
    with pytest.raises(ValidationError) as exc:
        services.product_strategy_create(
            actor=admin,
            network=peru,
            title="",
            start_year=2026,
            end_year=2024,
            strategic_lines=["weather"],
            market_targets=[MarketTargetData("", Decimal("150"), "percent", 2025)],
        )
    errors = _errors(exc)
    assert set(errors) == {"network", "title", "end_year", "strategic_lines", "market_targets"}
    assert "Target 1: name the market." in errors["market_targets"]
    assert "Target 1: a share cannot exceed 100 %." in errors["market_targets"]
    assert not ProductStrategy.objects.exists()


def test_a_target_outside_the_period_and_a_second_strategy_for_a_period_are_refused(admin, coffee):
    ProductStrategyFactory(network=coffee, start_year=2024, end_year=2026)
    with pytest.raises(ValidationError) as exc:
        services.product_strategy_create(
            actor=admin,
            network=coffee,
            title="Otra",
            start_year=2024,
            end_year=2026,
            market_targets=[MarketTargetData("Japón", Decimal("5"), "t", 2030)],
        )
    assert _errors(exc)["start_year"] == ["This network already has a strategy for this period."]
    assert "Target 1: the year must fall within the strategy's period." in _errors(exc)["market_targets"]
    assert ProductStrategy.objects.count() == 1


def test_only_the_networks_coordinators_and_admins_write_its_strategies(coffee):
    mine = UserFactory(roles=[StaffRole.COORDINATOR])
    coffee.coordinators.add(mine)
    other = UserFactory(roles=[StaffRole.COORDINATOR])
    viewer = staff_user(StaffRole.VIEWER)
    for actor in (other, viewer, None):
        with pytest.raises(PermissionDenied):
            services.product_strategy_create(actor=actor, network=coffee, title="x", start_year=2030, end_year=2031)
    assert services.product_strategy_create(actor=mine, network=coffee, title="x", start_year=2030, end_year=2031)


def test_strategy_status_moves_draft_approved_closed_and_not_back_from_closed(admin, coffee):
    strategy = ProductStrategyFactory(network=coffee, goals="")
    with pytest.raises(ValidationError) as exc:
        services.product_strategy_set_status(actor=admin, strategy=strategy, status="approved")
    assert _errors(exc)["goals"] == ["Write the strategy's goals before approving it."]
    ProductStrategy.objects.filter(pk=strategy.pk).update(goals="Precio justo")
    approved = services.product_strategy_set_status(actor=admin, strategy=strategy, status="approved")
    assert approved.approved_on == timezone.localdate()
    closed = services.product_strategy_set_status(actor=admin, strategy=strategy, status="closed")
    assert closed.status == ProductStrategy.Status.CLOSED
    with pytest.raises(ValidationError) as exc:
        services.product_strategy_set_status(actor=admin, strategy=strategy, status="approved")
    assert _errors(exc)["status"] == ["A strategy that is Closed cannot become Approved."]
    with pytest.raises(ValidationError):
        services.product_strategy_update(actor=admin, strategy=strategy, title="x", start_year=2024, end_year=2026)
    strategy.refresh_from_db()
    assert strategy.status == ProductStrategy.Status.CLOSED
    assert [row.status for row in strategy.history.order_by("history_id")][-2:] == ["approved", "closed"]


def test_moving_a_period_away_from_its_targets_is_refused(admin, coffee):
    strategy = services.product_strategy_create(
        actor=admin,
        network=coffee,
        title="Café",
        start_year=2024,
        end_year=2026,
        market_targets=[MarketTargetData("Alemania", Decimal("1"), "kg", 2026)],
    )
    with pytest.raises(ValidationError) as exc:
        services.product_strategy_update(actor=admin, strategy=strategy, title="Café", start_year=2024, end_year=2025)
    assert "end_year" in _errors(exc)
    strategy.refresh_from_db()
    assert strategy.end_year == 2026


# --- Needs --------------------------------------------------------------------------------------


def test_portal_editors_raise_needs_and_viewers_cannot():
    organization = OrganizationFactory()
    editor, viewer = UserFactory(), UserFactory()
    PortalAccessFactory(user=editor, organization=organization, role=PortalRole.EDITOR)
    PortalAccessFactory(user=viewer, organization=organization, role=PortalRole.VIEWER)
    with pytest.raises(PermissionDenied):
        services.need_raise_in_portal(
            actor=viewer, organization=organization, title="x", category="finance", priority="low", description="x"
        )
    need = services.need_raise_in_portal(
        actor=editor, organization=organization, title="Crédito", category="finance", priority="urgent", description="x"
    )
    assert (need.status, need.priority_rank, need.source) == ("open", 0, "portal")
    event = need.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", "open", editor)


def test_staff_record_needs_within_their_reach(coffee, peru):
    member, outsider = OrganizationFactory(), OrganizationFactory()
    NetworkMembershipFactory(network=peru, organization=member)
    coordinator = UserFactory(roles=[StaffRole.COORDINATOR])
    peru.coordinators.add(coordinator)
    need = services.need_record(
        actor=coordinator, organization=member, title="x", category="climate", priority="high", description="x"
    )
    assert need.source == Need.Source.STAFF and need.raised_by == coordinator
    for kwargs in ({"organization": outsider}, {"network": coffee}, {"organization": member, "network": coffee}):
        with pytest.raises(PermissionDenied):
            services.need_record(
                actor=coordinator, title="x", category="climate", priority="high", description="x", **kwargs
            )
    with pytest.raises(ValidationError):
        services.need_record(actor=coordinator, title="x", category="climate", priority="high", description="x")
    assert Need.objects.count() == 1


def test_need_moves_along_each_step_dated_and_attributed(admin):
    need = NeedFactory()
    services.need_set_status(actor=admin, need=need, status="in_progress", note="Visita programada")
    services.need_answer(actor=admin, need=need, response="  Les apoyamos con un taller.  ")
    services.need_set_status(actor=admin, need=need, status="closed")
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED
    assert need.response == "Les apoyamos con un taller."
    assert need.answered_by == admin and need.answered_at is not None
    events = list(need.events.order_by("id").values_list("from_status", "to_status", "actor", "note"))
    assert events == [
        ("open", "in_progress", admin.pk, "Visita programada"),
        ("in_progress", "answered", admin.pk, ""),
        ("answered", "closed", admin.pk, ""),
    ]
    assert need.history.count() == 4


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        ("open", "answered", "Write the response to mark the need as answered."),
        ("closed", "open", "A need that is Closed cannot become Open."),
        ("answered", "open", "A need that is Answered cannot become Open."),
        ("open", "banana", "A need that is Open cannot become banana."),
    ],
)
def test_transitions_not_allowed_are_refused_and_change_nothing(admin, start, to, message):
    need = NeedFactory(status=start, response="Respuesta" if start != "open" else "")
    with pytest.raises(ValidationError) as exc:
        services.need_set_status(actor=admin, need=need, status=to)
    assert _errors(exc)["status"] == [message]
    need.refresh_from_db()
    assert need.status == start
    assert not need.events.exists()


def test_a_closed_need_cannot_be_answered_nor_an_answer_be_empty(admin):
    closed = NeedFactory(status="closed", response="Antes")
    with pytest.raises(ValidationError) as exc:
        services.need_answer(actor=admin, need=closed, response="Otra")
    assert "status" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.need_answer(actor=admin, need=NeedFactory(), response="   ")
    assert _errors(exc)["response"] == ["Write the response."]
    closed.refresh_from_db()
    assert closed.response == "Antes"


def test_coordinator_cannot_answer_needs_outside_their_networks(peru):
    coordinator = UserFactory(roles=[StaffRole.COORDINATOR])
    peru.coordinators.add(coordinator)
    outsider_need = NeedFactory()
    with pytest.raises(PermissionDenied):
        services.need_answer(actor=coordinator, need=outsider_need, response="x")
    network_need = NeedFactory(organization=None, network=peru)
    assert services.need_answer(actor=coordinator, need=network_need, response="x").status == "answered"


def test_need_filters_combine(admin, coffee, peru):
    member = OrganizationFactory()
    NetworkMembershipFactory(network=coffee, organization=member)
    urgent = NeedFactory(organization=member, priority="urgent", priority_rank=0, category="climate")
    NeedFactory(organization=member, category="finance")
    network_need = NeedFactory(organization=None, network=coffee, category="climate")
    NeedFactory(organization=OrganizationFactory(country_id="CO"), category="climate")
    found = need_list_for_user(user=admin, filters=NeedFilters(category="climate", network=coffee))
    assert list(found) == [urgent, network_need]
    assert list(need_list_for_user(user=admin, filters=NeedFilters(priority="urgent"))) == [urgent]


# --- Sustainability strategies ------------------------------------------------------------------


def _spo():
    return OrganizationFactory(kind=Organization.Kind.SPO)


def test_an_adopted_strategy_needs_a_past_date_and_areas(admin, peru):
    organization = _spo()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for adopted_on, field in ((None, "adopted_on"), (tomorrow, "adopted_on")):
        with pytest.raises(ValidationError) as exc:
            services.sustainability_strategy_record(
                actor=admin, organization=organization, status="adopted", supporting_network=peru, adopted_on=adopted_on
            )
        assert field in _errors(exc) and "areas" in _errors(exc)
    assert "The adoption date cannot be in the future." in exc.value.message_dict["adopted_on"]
    assert not SustainabilityStrategy.objects.exists()


def test_strategy_is_recorded_then_updated_with_its_history(admin, peru):
    organization = _spo()
    strategy = services.sustainability_strategy_record(
        actor=admin,
        organization=organization,
        status="adopted",
        supporting_network=peru,
        areas=["gender", "climate_adaptation"],
        adopted_on=datetime.date(2024, 3, 1),
    )
    assert strategy.area_labels == ["Gender equity", "Climate adaptation"]
    again = services.sustainability_strategy_record(
        actor=admin,
        organization=organization,
        status="drafting",
        supporting_network=peru,
        areas=["gender"],
        adopted_on=datetime.date(2024, 3, 1),
    )
    assert again.pk == strategy.pk
    # Not adopted (a new version is being drafted): the adoption date goes.
    assert again.adopted_on is None
    history = list(again.history.order_by("history_id").values_list("status", "history_user"))
    assert history == [("adopted", admin.pk), ("drafting", admin.pk)]


def test_only_spos_of_the_networks_country_and_its_coordinators(peru):
    colombia = CountryNetworkFactory(countries=["CO"])
    coordinator = UserFactory(roles=[StaffRole.COORDINATOR])
    peru.coordinators.add(coordinator)
    with pytest.raises(ValidationError) as exc:
        services.sustainability_strategy_record(
            actor=staff_user(StaffRole.ADMIN),
            organization=OrganizationFactory(kind=Organization.Kind.HL),
            status="drafting",
            supporting_network=colombia,
        )
    assert set(_errors(exc)) == {"organization", "supporting_network"}
    with pytest.raises(PermissionDenied):
        services.sustainability_strategy_record(
            actor=coordinator, organization=_spo(), status="drafting", supporting_network=colombia
        )
    existing = SustainabilityStrategyFactory(
        organization=OrganizationFactory(country_id="CO"), supporting_network=colombia
    )
    with pytest.raises(PermissionDenied):
        # Moving another network's record to their own network is not theirs to decide.
        services.sustainability_strategy_record(
            actor=coordinator, organization=existing.organization, status="none", supporting_network=peru
        )
    existing.refresh_from_db()
    assert existing.supporting_network == colombia


def test_merging_duplicates_moves_needs_and_keeps_one_sustainability_strategy(admin, peru):
    from members.services.merge import organization_merge

    survivor, merged = _spo(), _spo()
    kept = SustainabilityStrategyFactory(organization=survivor, supporting_network=peru)
    SustainabilityStrategyFactory(organization=merged, supporting_network=peru, status="drafting", adopted_on=None)
    need = NeedFactory(organization=merged)

    organization_merge(actor=admin, survivor=survivor, merged=merged)

    need.refresh_from_db()
    assert need.organization == survivor
    assert list(SustainabilityStrategy.objects.filter(organization=survivor)) == [kept]
