"""Writes of product strategies, needs and SPO sustainability strategies.
`<entity>_<action>(*, actor, ...)`, keyword-only, typed, atomic; every error is reported at once
as a ValidationError dict keyed by field, in the user's language; nothing is written then.

Who may write (networks.selectors.strategies): a product strategy, administrators and the
product network's coordinators; a need, administrators and the coordinators whose networks
reach it (the organization's admins and editors raise their own in the portal); a
sustainability strategy, administrators and the coordinators of the supporting country
network. A refusal is a PermissionDenied (403)."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.models import User
from members.models import Organization
from members.selectors.access import organization_can_change
from members.services._common import set_history_user
from networks.models import (
    MarketTarget,
    Need,
    NeedEvent,
    Network,
    ProductStrategy,
    StrategicLine,
    SustainabilityArea,
    SustainabilityStrategy,
)
from networks.selectors.networks import network_can_change
from networks.selectors.strategies import SPO_KINDS, need_can_change, need_can_record_for

__all__ = [
    "MarketTargetData",
    "need_answer",
    "need_raise_in_portal",
    "need_record",
    "need_set_status",
    "need_update",
    "product_strategy_create",
    "product_strategy_set_status",
    "product_strategy_update",
    "sustainability_strategy_record",
]

YEAR_MIN, YEAR_MAX = 2000, 2100
# A strategy period is a plan, not a vision: the Assembly's plans run three years; ten at most.
PERIOD_MAX_YEARS = 10
TEXT_MAX = 5000

PRODUCT_STRATEGY_TRANSITIONS: dict[str, frozenset[str]] = {
    ProductStrategy.Status.DRAFT: frozenset({"approved"}),
    ProductStrategy.Status.APPROVED: frozenset({"draft", "closed"}),
    ProductStrategy.Status.CLOSED: frozenset(),
}
# Status changes by hand. "Answered" is reached only by answering (need_answer), so an answered
# need always carries a response; a closed need is final (a new need is raised instead).
NEED_TRANSITIONS: dict[str, frozenset[str]] = {
    Need.Status.OPEN: frozenset({"in_progress", "closed"}),
    Need.Status.IN_PROGRESS: frozenset({"open", "closed"}),
    Need.Status.ANSWERED: frozenset({"in_progress", "closed"}),
    Need.Status.CLOSED: frozenset(),
}
NEED_ANSWERABLE = (Need.Status.OPEN, Need.Status.IN_PROGRESS, Need.Status.ANSWERED)


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _text(value: str | None, field: str, errors: dict[str, list[str]], *, required: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        _add(errors, field, required)
    elif len(text) > limit:
        _add(errors, field, _("Keep this under %(limit)s characters.") % {"limit": limit})
    return text


# --- Product strategies -----------------------------------------------------------------------


@dataclass(frozen=True)
class MarketTargetData:
    market: str
    target_value: Decimal
    unit: str
    year: int


def _require_strategy_change(actor: User | None, network: Network) -> None:
    if actor is None or not network_can_change(actor, network):
        raise PermissionDenied(_("You cannot change the strategies of this network."))


def _validate_strategy(
    *,
    network: Network,
    title: str,
    start_year: int | None,
    end_year: int | None,
    strategic_lines: Iterable[str],
    market_targets: Sequence[MarketTargetData] | None,
    exclude_pk: int | None,
    errors: dict[str, list[str]],
) -> tuple[str, list[str]]:
    if network.kind != Network.Kind.PRODUCT:
        _add(errors, "network", _("A product strategy belongs to a product network."))
    title = _text(title, "title", errors, required=_("Give the strategy a title."), limit=200)
    period_ok = True
    for field, year in (("start_year", start_year), ("end_year", end_year)):
        if year is None or not YEAR_MIN <= year <= YEAR_MAX:
            _add(errors, field, _("Give a year between %(min)s and %(max)s.") % {"min": YEAR_MIN, "max": YEAR_MAX})
            period_ok = False
    if period_ok:
        assert start_year is not None and end_year is not None
        if end_year < start_year:
            _add(errors, "end_year", _("The last year cannot come before the first."))
            period_ok = False
        elif end_year - start_year + 1 > PERIOD_MAX_YEARS:
            _add(errors, "end_year", _("A strategy covers at most %(years)s years.") % {"years": PERIOD_MAX_YEARS})
        elif (
            ProductStrategy.objects.filter(network=network, start_year=start_year, end_year=end_year)
            .exclude(pk=exclude_pk or 0)
            .exists()
        ):
            _add(errors, "start_year", _("This network already has a strategy for this period."))
    lines = list(dict.fromkeys(strategic_lines))
    if any(code not in StrategicLine.values for code in lines):
        _add(errors, "strategic_lines", _("Choose strategic lines from the list."))
    for index, target in enumerate(market_targets or (), start=1):
        line = {"line": index}
        if not (target.market or "").strip():
            _add(errors, "market_targets", _("Target %(line)s: name the market.") % line)
        elif len(target.market.strip()) > 150:
            _add(errors, "market_targets", _("Target %(line)s: keep the market under 150 characters.") % line)
        if target.unit not in MarketTarget.Unit.values:
            _add(errors, "market_targets", _("Target %(line)s: choose a unit from the list.") % line)
        if target.target_value is None or target.target_value <= 0:
            _add(errors, "market_targets", _("Target %(line)s: the target must be more than zero.") % line)
        elif target.unit == MarketTarget.Unit.PERCENT and target.target_value > 100:
            _add(errors, "market_targets", _("Target %(line)s: a share cannot exceed 100 %%.") % line)
        elif target.target_value >= Decimal("1e12"):
            _add(errors, "market_targets", _("Target %(line)s: the target is too large.") % line)
        if period_ok and not (start_year or 0) <= target.year <= (end_year or 0):
            message = _("Target %(line)s: the year must fall within the strategy's period.")
            _add(errors, "market_targets", message % line)
    return title, lines


def _replace_targets(strategy: ProductStrategy, targets: Sequence[MarketTargetData], actor: User | None) -> None:
    # A handful of rows, saved one by one so each leaves its history row.
    for old in list(strategy.market_targets.all()):
        set_history_user(old, actor)
        old.delete()
    for target in targets:
        row = MarketTarget(
            strategy=strategy,
            market=target.market.strip(),
            target_value=target.target_value,
            unit=target.unit,
            year=target.year,
        )
        set_history_user(row, actor)
        row.save()


@transaction.atomic
def product_strategy_create(
    *,
    actor: User | None,
    network: Network,
    title: str,
    start_year: int,
    end_year: int,
    goals: str = "",
    strategic_lines: Iterable[str] = (),
    market_targets: Sequence[MarketTargetData] = (),
) -> ProductStrategy:
    """Draft a product network's strategy for a period, with its goals and market targets."""
    _require_strategy_change(actor, network)
    errors: dict[str, list[str]] = {}
    title, lines = _validate_strategy(
        network=network,
        title=title,
        start_year=start_year,
        end_year=end_year,
        strategic_lines=strategic_lines,
        market_targets=market_targets,
        exclude_pk=None,
        errors=errors,
    )
    goals = (goals or "").strip()
    if len(goals) > TEXT_MAX:
        _add(errors, "goals", _("Keep this under %(limit)s characters.") % {"limit": TEXT_MAX})
    if errors:
        raise ValidationError(errors)
    strategy = ProductStrategy(
        network=network,
        title=title,
        start_year=start_year,
        end_year=end_year,
        goals=goals,
        strategic_lines=lines,
        created_by=actor,
    )
    set_history_user(strategy, actor)
    strategy.save()
    _replace_targets(strategy, market_targets, actor)
    return strategy


@transaction.atomic
def product_strategy_update(
    *,
    actor: User | None,
    strategy: ProductStrategy,
    title: str,
    start_year: int,
    end_year: int,
    goals: str = "",
    strategic_lines: Iterable[str] = (),
    market_targets: Sequence[MarketTargetData] | None = None,
) -> ProductStrategy:
    """Change a draft or approved strategy (a closed one is a record of the past). The market
    targets, when given, replace the previous ones."""
    _require_strategy_change(actor, strategy.network)
    locked = ProductStrategy.objects.select_for_update().select_related("network").get(pk=strategy.pk)
    errors: dict[str, list[str]] = {}
    if locked.status == ProductStrategy.Status.CLOSED:
        raise ValidationError({"status": _("This strategy is closed; it can no longer be changed.")})
    title, lines = _validate_strategy(
        network=locked.network,
        title=title,
        start_year=start_year,
        end_year=end_year,
        strategic_lines=strategic_lines,
        market_targets=market_targets,
        exclude_pk=locked.pk,
        errors=errors,
    )
    goals = (goals or "").strip()
    if len(goals) > TEXT_MAX:
        _add(errors, "goals", _("Keep this under %(limit)s characters.") % {"limit": TEXT_MAX})
    if market_targets is None and not errors:
        # The period moved: the targets already recorded must still fall within it.
        outside = locked.market_targets.exclude(year__gte=start_year, year__lte=end_year)
        if outside.exists():
            _add(errors, "end_year", _("Some market targets fall outside this period; change them first."))
    if errors:
        raise ValidationError(errors)
    locked.title, locked.start_year, locked.end_year = title, start_year, end_year
    locked.goals, locked.strategic_lines = goals, lines
    set_history_user(locked, actor)
    locked.save(update_fields=["title", "start_year", "end_year", "goals", "strategic_lines", "updated_at"])
    if market_targets is not None:
        _replace_targets(locked, market_targets, actor)
    return locked


@transaction.atomic
def product_strategy_set_status(*, actor: User | None, strategy: ProductStrategy, status: str) -> ProductStrategy:
    """Approve a draft (dated today), send an approved strategy back to draft, or close it."""
    _require_strategy_change(actor, strategy.network)
    locked = ProductStrategy.objects.select_for_update().get(pk=strategy.pk)
    if status not in PRODUCT_STRATEGY_TRANSITIONS.get(locked.status, frozenset()):
        raise ValidationError(
            {
                "status": _("A strategy that is %(current)s cannot become %(new)s.")
                % {
                    "current": ProductStrategy.Status(locked.status).label,
                    "new": ProductStrategy.Status(status).label if status in ProductStrategy.Status.values else status,
                }
            }
        )
    if status == ProductStrategy.Status.APPROVED and not locked.goal_list:
        raise ValidationError({"goals": _("Write the strategy's goals before approving it.")})
    locked.status = status
    if status == ProductStrategy.Status.APPROVED:
        locked.approved_on = timezone.localdate()
    elif status == ProductStrategy.Status.DRAFT:
        locked.approved_on = None
    set_history_user(locked, actor)
    locked.save(update_fields=["status", "approved_on", "updated_at"])
    return locked


# --- Needs --------------------------------------------------------------------------------------


def _validate_need(
    *, title: str, category: str, priority: str, description: str, errors: dict[str, list[str]]
) -> tuple[str, str]:
    title = _text(title, "title", errors, required=_("Give the need a short title."), limit=200)
    description = _text(
        description, "description", errors, required=_("Describe what the organization needs."), limit=TEXT_MAX
    )
    if category not in Need.Category.values:
        _add(errors, "category", _("Choose a category from the list."))
    if priority not in Need.Priority.values:
        _add(errors, "priority", _("Choose a priority from the list."))
    return title, description


def _event(need: Need, *, from_status: str, actor: User | None, note: str = "") -> None:
    NeedEvent.objects.create(
        need=need, from_status=from_status, to_status=need.status, at=timezone.now(), actor=actor, note=note[:500]
    )


def _create_need(
    *,
    actor: User | None,
    organization: Organization | None,
    network: Network | None,
    title: str,
    category: str,
    priority: str,
    description: str,
    source: str,
    errors: dict[str, list[str]],
) -> Need:
    title, description = _validate_need(
        title=title, category=category, priority=priority, description=description, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    need = Need(
        organization=organization,
        network=network,
        title=title,
        category=category,
        priority=priority,
        priority_rank=Need.PRIORITY_RANK[priority],
        description=description,
        source=source,
        raised_by=actor,
    )
    set_history_user(need, actor)
    need.save()
    _event(need, from_status="", actor=actor)
    return need


@transaction.atomic
def need_raise_in_portal(
    *, actor: User | None, organization: Organization, title: str, category: str, priority: str, description: str
) -> Need:
    """An organization's admin or editor raises a need of their organization in the portal."""
    if actor is None or not organization_can_change(actor, organization, portal=True):
        raise PermissionDenied(_("Only the organization's administrators and editors raise needs."))
    return _create_need(
        actor=actor,
        organization=organization,
        network=None,
        title=title,
        category=category,
        priority=priority,
        description=description,
        source=Need.Source.PORTAL,
        errors={},
    )


@transaction.atomic
def need_record(
    *,
    actor: User | None,
    title: str,
    category: str,
    priority: str,
    description: str,
    organization: Organization | None = None,
    network: Network | None = None,
) -> Need:
    """Staff record a need for an organization, a network, or an organization within a
    network (heard at a meeting, a visit, a call)."""
    errors: dict[str, list[str]] = {}
    if organization is None and network is None:
        raise ValidationError({"organization": _("Choose the organization or the network that has this need.")})
    if actor is None or not need_can_record_for(actor, organization=organization, network=network):
        raise PermissionDenied(_("You cannot record needs for this organization or network."))
    return _create_need(
        actor=actor,
        organization=organization,
        network=network,
        title=title,
        category=category,
        priority=priority,
        description=description,
        source=Need.Source.STAFF,
        errors=errors,
    )


def _lock_need(need: Need) -> Need:
    return Need.objects.select_for_update().get(pk=need.pk)


def _require_need_change(actor: User | None, need: Need) -> None:
    if actor is None or not need_can_change(actor, need):
        raise PermissionDenied(_("You cannot change this need."))


@transaction.atomic
def need_update(*, actor: User | None, need: Need, title: str, category: str, priority: str, description: str) -> Need:
    """Staff correct a need's title, category, priority or description (not once closed)."""
    _require_need_change(actor, need)
    locked = _lock_need(need)
    errors: dict[str, list[str]] = {}
    if locked.status == Need.Status.CLOSED:
        raise ValidationError({"status": _("This need is closed; it can no longer be changed.")})
    title, description = _validate_need(
        title=title, category=category, priority=priority, description=description, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    locked.title, locked.category, locked.priority, locked.description = title, category, priority, description
    locked.priority_rank = Need.PRIORITY_RANK[priority]
    set_history_user(locked, actor)
    locked.save(update_fields=["title", "category", "priority", "priority_rank", "description", "updated_at"])
    return locked


@transaction.atomic
def need_set_status(*, actor: User | None, need: Need, status: str, note: str = "") -> Need:
    """Move a need along (see NEED_TRANSITIONS); the change is dated and attributed."""
    _require_need_change(actor, need)
    locked = _lock_need(need)
    allowed = NEED_TRANSITIONS.get(locked.status, frozenset())
    if status not in allowed:
        if status == Need.Status.ANSWERED and locked.status in NEED_ANSWERABLE:
            message = _("Write the response to mark the need as answered.")
        else:
            message = _("A need that is %(current)s cannot become %(new)s.") % {
                "current": Need.Status(locked.status).label,
                "new": Need.Status(status).label if status in Need.Status.values else status,
            }
        raise ValidationError({"status": message})
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": _("Keep this under %(limit)s characters.") % {"limit": 500}})
    previous = locked.status
    locked.status = status
    set_history_user(locked, actor)
    locked.save(update_fields=["status", "updated_at"])
    _event(locked, from_status=previous, actor=actor, note=note)
    return locked


@transaction.atomic
def need_answer(*, actor: User | None, need: Need, response: str) -> Need:
    """Write (or rewrite) the staff response the organization reads in the portal; the need
    becomes answered, dated and attributed."""
    _require_need_change(actor, need)
    locked = _lock_need(need)
    errors: dict[str, list[str]] = {}
    if locked.status not in NEED_ANSWERABLE:
        _add(errors, "status", _("This need is closed; it can no longer be answered."))
    response = _text(response, "response", errors, required=_("Write the response."), limit=TEXT_MAX)
    if errors:
        raise ValidationError(errors)
    previous = locked.status
    locked.status = Need.Status.ANSWERED
    locked.response = response
    locked.answered_at = timezone.now()
    locked.answered_by = actor
    set_history_user(locked, actor)
    locked.save(update_fields=["status", "response", "answered_at", "answered_by", "updated_at"])
    _event(locked, from_status=previous, actor=actor)
    return locked


# --- Sustainability strategies ------------------------------------------------------------------


@transaction.atomic
def sustainability_strategy_record(
    *,
    actor: User | None,
    organization: Organization,
    status: str,
    supporting_network: Network,
    areas: Iterable[str] = (),
    adopted_on: datetime.date | None = None,
    notes: str = "",
) -> SustainabilityStrategy:
    """Record or update where an SPO stands with its sustainability strategy. An adopted one
    names at least one area and the date it was adopted (not in the future); the date is
    dropped when the strategy is not adopted. The supporting network is a country network of
    the organization's country. Each change leaves a history row."""
    _require_strategy_change(actor, supporting_network)
    existing = SustainabilityStrategy.objects.select_for_update().filter(organization=organization).first()
    if existing is not None and existing.supporting_network_id != supporting_network.pk:
        # Moving a strategy to another network: the current network's coordinators decide too.
        _require_strategy_change(actor, existing.supporting_network)
    errors: dict[str, list[str]] = {}
    if organization.kind not in SPO_KINDS:
        _add(errors, "organization", _("Sustainability strategies are kept for small producer organizations."))
    if supporting_network.kind != Network.Kind.COUNTRY:
        _add(errors, "supporting_network", _("Choose a country network."))
    elif not supporting_network.countries.filter(pk=organization.country_id).exists():
        _add(errors, "supporting_network", _("Choose the country network of the organization's country."))
    if status not in SustainabilityStrategy.Status.values:
        _add(errors, "status", _("Choose a status from the list."))
    chosen = list(dict.fromkeys(areas))
    if any(code not in SustainabilityArea.values for code in chosen):
        _add(errors, "areas", _("Choose areas from the list."))
    if status == SustainabilityStrategy.Status.ADOPTED:
        if adopted_on is None:
            _add(errors, "adopted_on", _("Give the date the strategy was adopted."))
        elif adopted_on > timezone.localdate():
            _add(errors, "adopted_on", _("The adoption date cannot be in the future."))
        elif adopted_on.year < YEAR_MIN:
            _add(errors, "adopted_on", _("Give a date from %(year)s on.") % {"year": YEAR_MIN})
        if not chosen:
            _add(errors, "areas", _("Choose the areas the adopted strategy covers."))
    else:
        adopted_on = None
    notes = (notes or "").strip()
    if len(notes) > TEXT_MAX:
        _add(errors, "notes", _("Keep this under %(limit)s characters.") % {"limit": TEXT_MAX})
    if errors:
        raise ValidationError(errors)
    strategy = existing or SustainabilityStrategy(organization=organization)
    strategy.status = status
    strategy.areas = chosen
    strategy.adopted_on = adopted_on
    strategy.supporting_network = supporting_network
    strategy.notes = notes
    strategy.updated_by = actor
    set_history_user(strategy, actor)
    if existing is None:
        strategy.save()
    else:
        strategy.save(
            update_fields=["status", "areas", "adopted_on", "supporting_network", "notes", "updated_by", "updated_at"]
        )
    return strategy
