"""Dashboard pages of the platform itself: the home page (the panels every app's plugin gives)
and the audit history of a record (of the models the plugins declare). Mounted at
/dashboard/ by clac.dashboard_urls (app "dashboard")."""

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from clac import plugins
from clac.access import require_staff_roles, staff_required
from clac.roles import user_staff_roles

HISTORY_PAGE_SIZE = 50

HISTORY_TYPE_LABELS = {
    "+": _("Created"),
    "~": _("Changed"),
    "-": _("Deleted"),
}


# --- Home -----------------------------------------------------------------------------------


def dashboard_home_panels(request: HttpRequest) -> list[SafeString]:
    """The home's panels the user may see, rendered in order (every app's plugin gives its
    panels; each costs a constant number of queries)."""
    roles = user_staff_roles(request.user)
    return [
        render_to_string(panel.template, panel.context(request), request=request)
        for panel in plugins.dashboard_panels()
        if panel.roles is None or panel.roles & roles
    ]


@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html", {"panels": dashboard_home_panels(request)})


# --- History --------------------------------------------------------------------------------


@dataclass
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


@dataclass
class HistoryEntry:
    record: Any
    type_label: str
    changes: list[FieldChange] = field(default_factory=list)


def history_model_get(*, user, slug: str) -> type[models.Model]:
    """The model behind a history slug, for a staff member allowed to read it (404 for an
    unknown slug, 403 for a record whose pages the user's roles do not open)."""
    entry = plugins.history_models().get(slug)
    if entry is None:
        raise Http404
    if entry.roles is not None:
        require_staff_roles(user, entry.roles)
    return apps.get_model(entry.model)


def _choice_labels(model_field: models.Field) -> dict[Any, Any]:
    """Labels of a field's choices, or of its items' choices (an ArrayField's base field)."""
    if model_field.choices:
        return dict(model_field.flatchoices)
    base_field = getattr(model_field, "base_field", None)
    if base_field is not None and base_field.choices:
        return dict(base_field.flatchoices)
    return {}


def _item_label(model_field: models.Field, labels: dict[Any, Any], item: Any) -> str:
    # Items of a JSON list may be mappings or lists themselves (e.g. rules stored as objects).
    if isinstance(item, dict):
        return "; ".join(f"{key}: {_item_label(model_field, labels, value)}" for key, value in item.items())
    if isinstance(item, list | tuple):
        return ", ".join(_item_label(model_field, labels, value) for value in item)
    if isinstance(item, Hashable) and item in labels:
        return str(labels[item])
    # Language codes (a person's or an organization's languages): Django's translated name.
    if isinstance(item, str) and "language" in model_field.name:
        try:
            return str(translation.get_language_info(item)["name_translated"])
        except KeyError:
            return item
    if isinstance(item, bool):
        return str(_("Yes") if item else _("No"))
    return str(item)


def _display_value(model_field: models.Field, value: Any, related: dict[str, dict[Any, Any]]) -> Any:
    """What a history page shows for a stored value: labels, not codes; a list as its labels
    joined ("Spanish, Quechua"), not a Python repr (`['es', 'qu']`); a mapping as "key: value"."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if model_field.is_relation and model_field.many_to_one:
        return related.get(model_field.name, {}).get(value, value)
    if isinstance(model_field, models.ManyToManyField) and isinstance(value, list):
        target = model_field.m2m_reverse_field_name()
        names = related.get(model_field.name, {})
        items = (row.get(target) if isinstance(row, dict) else row for row in value)
        return ", ".join(str(names.get(item, item)) for item in items)
    # A field may say how its stored value reads (e.g. a list of codes as translated names).
    if callable(display := getattr(model_field, "display_value", None)):
        return display(value)
    labels = _choice_labels(model_field)
    if isinstance(value, list | tuple | set):
        return ", ".join(_item_label(model_field, labels, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_item_label(model_field, labels, item)}" for key, item in value.items())
    if labels or isinstance(value, bool):
        return _item_label(model_field, labels, value)
    return value


def history_entries(*, model: type[models.Model], records: list, older: Any) -> list[HistoryEntry]:
    """Entries for a page of history records (newest first). Each record is compared with the
    next older one in memory (`older` is the record just past the page), so the page costs no
    query per record; related objects named in the changes are loaded once per field."""
    pairs = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else older
        delta = record.diff_against(previous) if previous is not None and record.history_type != "-" else None
        pairs.append((record, delta.changes if delta else []))

    # Batch the related objects of foreign keys that changed: one query per field.
    wanted: dict[str, set] = {}
    for _record, changes in pairs:
        for change in changes:
            model_field = model._meta.get_field(change.field)
            if model_field.is_relation and model_field.many_to_one:
                wanted.setdefault(change.field, set()).update(v for v in (change.old, change.new) if v is not None)
            elif isinstance(model_field, models.ManyToManyField):
                # A many-to-many field's history holds rows of its through table: the target's
                # ids are named after the through table's field that points at it.
                target = model_field.m2m_reverse_field_name()
                for value in (change.old, change.new):
                    ids = {row.get(target) for row in value or [] if isinstance(row, dict)} - {None}
                    wanted.setdefault(change.field, set()).update(ids)
    related: dict[str, dict[Any, Any]] = {}
    for field_name, ids in wanted.items():
        related_model = model._meta.get_field(field_name).related_model
        assert isinstance(related_model, type)  # a foreign key's target, never "self" by now
        related[field_name] = related_model._base_manager.in_bulk(ids)

    entries = []
    for record, changes in pairs:
        field_changes = []
        for change in changes:
            model_field = model._meta.get_field(change.field)
            assert isinstance(model_field, models.Field)  # a diff names concrete fields only
            field_changes.append(
                FieldChange(
                    field=change.field,
                    label=str(model_field.verbose_name),
                    old=_display_value(model_field, change.old, related),
                    new=_display_value(model_field, change.new, related),
                )
            )
        entries.append(
            HistoryEntry(
                record=record,
                type_label=str(HISTORY_TYPE_LABELS.get(record.history_type, record.history_type)),
                changes=field_changes,
            )
        )
    return entries


@staff_required()
def history(request: HttpRequest, model: str, pk: int) -> HttpResponse:
    """Who changed what and when on one record; a deleted record's history stays readable."""
    model_class = history_model_get(user=request.user, slug=model)
    historical_model = model_class.history.model  # type: ignore[attr-defined]  # simple_history's manager
    records_qs = (
        historical_model.objects.filter(**{model_class._meta.pk.attname: pk})
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
    paginator = Paginator(records_qs, HISTORY_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    records = list(page_obj.object_list)
    if not records:
        raise Http404
    # One record past the page, to compare the page's oldest record with.
    offset = page_obj.end_index()
    older = records_qs[offset] if page_obj.has_next() else None

    current = model_class._base_manager.filter(pk=pk).first()
    subject = current if current is not None else records[0].instance
    return render(
        request,
        "dashboard/history.html",
        {
            "subject": subject,
            "subject_deleted": current is None,
            "model_verbose_name": model_class._meta.verbose_name,
            "entries": history_entries(model=model_class, records=records, older=older),
            "page_obj": page_obj,
        },
    )


urlpatterns = [
    path("", home, name="home"),
    path("history/<str:model>/<int:pk>/", history, name="history"),
]
