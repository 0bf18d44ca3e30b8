"""Item 20: every bulk write of an audited model leaves history (one row per object written),
or is a documented exception (docs/decisions/0007-bulk-writer.md)."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps

from members.models import PremiumUse, YearlyReportProduct
from members.services import yearly_report_save
from tests.factories import OrganizationFactory, UserFactory, product

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

DATA = {"members_total": 100, "premium_amount": Decimal("1000"), "premium_currency": "USD"}


def _save(actor, organization, lines, uses):
    return yearly_report_save(
        actor=actor, organization=organization, year=2025, data=DATA, product_lines=lines, premium_uses=uses
    )


def test_report_lines_and_premium_uses_leave_one_history_row_each_attributed_to_the_actor():
    actor = UserFactory()
    organization = OrganizationFactory()
    lines = [
        {"product": product("coffee"), "volume_produced": Decimal("100"), "volume_sold_fairtrade": Decimal("50")},
        {"product": product("cocoa"), "volume_produced": Decimal("10"), "volume_sold_fairtrade": Decimal("5")},
    ]
    uses = [
        {"category": "productivity", "amount": Decimal("300")},
        {"category": "community", "amount": Decimal("200")},
    ]

    report = _save(actor, organization, lines, uses)

    line_history = YearlyReportProduct.history.filter(report_id=report.pk)
    use_history = PremiumUse.history.filter(report_id=report.pk)
    assert line_history.filter(history_type="+").count() == 2
    assert use_history.filter(history_type="+").count() == 2
    assert set(line_history.values_list("history_user", flat=True)) == {actor.pk}
    assert set(use_history.values_list("history_user", flat=True)) == {actor.pk}


def test_replacing_report_lines_records_the_removed_and_the_new_lines():
    actor = UserFactory()
    organization = OrganizationFactory()
    first = [{"product": product("coffee"), "volume_produced": Decimal("100")}]
    report = _save(actor, organization, first, [{"category": "productivity", "amount": Decimal("300")}])

    _save(actor, organization, [{"product": product("cocoa"), "volume_produced": Decimal("10")}], [])

    line_history = YearlyReportProduct.history.filter(report_id=report.pk)
    assert line_history.filter(history_type="+").count() == 2
    assert line_history.filter(history_type="-").count() == 1
    assert PremiumUse.history.filter(report_id=report.pk, history_type="-").count() == 1
    assert set(line_history.values_list("history_user", flat=True)) == {actor.pk}


# --- Every bulk write in the code is historized or a documented exception -----------------

# file → why its plain bulk writes are allowed (each is documented in docs/decisions/0007).
DOCUMENTED_EXCEPTIONS = {
    "members/services/merge.py": "merge: moves rows with history written by the merge itself (ADR 0007)",
    "members/importing/writer.py": "import: clac.db bulk store copies history rows (ADR 0007)",
    "clac/db/bulk.py": "the bulk store itself writes history rows by COPY / INSERT … SELECT",
    "members/demo/": "demo seeding: history reset and written in bulk by the seeder (ADR 0007)",
    "networks/demo/": "demo seeding (ADR 0007)",
    "communications/demo/": "demo seeding (ADR 0007)",
}
BULK_METHODS = {"bulk_create", "bulk_update"}
HISTORY_FOLLOWERS = {"bulk_history_create"}


def _python_files():
    for app in ("members", "networks", "communications", "clac"):
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            if any(relative.startswith(prefix) for prefix in DOCUMENTED_EXCEPTIONS):
                continue
            yield relative, path


def _audited_model_names() -> set[str]:
    return {model.__name__ for model in apps.get_models() if hasattr(model._meta, "simple_history_manager_attribute")}


def _unaudited_model_names() -> set[str]:
    return {model.__name__ for model in apps.get_models()} - _audited_model_names()


def _model_name(call: ast.Call) -> str | None:
    """`Model.objects.bulk_create(...)` → "Model"; None when the model is not written out."""
    manager = call.func.value  # type: ignore[attr-defined]
    if isinstance(manager, ast.Attribute) and isinstance(manager.value, ast.Name):
        return manager.value.id
    return None


def test_no_plain_bulk_write_outside_the_documented_exceptions():
    """A plain bulk_create / bulk_update of an audited model must be followed, in the same
    function, by `<Model>.history.bulk_history_create`; otherwise use simple_history's
    *_with_history. Models without history (exchange rates, jobs…) are outside the rule; a
    bulk write whose model is not written out counts as audited."""
    unaudited = _unaudited_model_names()
    offenders = []
    for relative, path in _python_files():
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            calls = [n for n in ast.walk(function) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
            names = {call.func.attr for call in calls}  # type: ignore[union-attr]
            for call in calls:
                if call.func.attr not in BULK_METHODS or names & HISTORY_FOLLOWERS:  # type: ignore[union-attr]
                    continue
                if _model_name(call) in unaudited:
                    continue
                offenders.append(f"{relative}:{call.lineno} {function.name}")
    assert offenders == []
