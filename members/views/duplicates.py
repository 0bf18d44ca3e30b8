"""Staff pages for duplicates: the list of likely duplicate organizations and people, a
side-by-side comparison of a pair, merging it (the chosen survivor keeps its history and
receives every relation) or dismissing it. Registry editors only (admin, coordinator, M&E
officer)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from clac.access import request_user, staff_required
from clac.auth.reauth import reauth_required
from clac.roles import REGISTRY_EDITORS
from members.duplicates import duplicate_groups, duplicate_groups_fill, duplicate_pair_get, relation_counts
from members.merge_notes import merge_note_text
from members.models import DuplicateKind, MergeRecord
from members.selectors.access import organization_can_change, person_can_change
from members.selectors.merges import merge_record_merged_name, merge_record_survivor_exists
from members.services.merge import duplicate_dismiss, merge_preview, organization_merge, person_merge

GROUPS_PER_PAGE = 25
ORGANIZATION_FIELDS = (
    "name", "legal_name", "kind", "country", "flo_id", "tax_id", "region", "locality", "address", "latitude",
    "longitude", "parent", "founding_year", "website", "email", "phone", "languages", "created_at",
)  # fmt: skip
PERSON_FIELDS = (
    "first_name", "last_name", "email", "email_secondary", "phone", "preferred_language", "gender", "birth_year",
    "notes", "created_at",
)  # fmt: skip


class MergeForm(forms.Form):
    # Set by the confirmation page: a merge happens only after its preview was shown.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    survivor = forms.TypedChoiceField(
        label=gettext_lazy("Which record stays"),
        help_text=gettext_lazy(
            "The record that stays keeps its id and history, receives every relation of the other one and "
            "takes the other's values where its own are empty. The other record is deleted; a snapshot of it "
            "is kept with the merge."
        ),
        coerce=int,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, pair: tuple, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        survivor = self.fields["survivor"]
        assert isinstance(survivor, forms.TypedChoiceField)
        survivor.choices = [(record.pk, f"#{record.pk} · {record}") for record in pair]


def _kind_or_404(kind: str) -> str:
    if kind not in DuplicateKind.values:
        raise Http404
    return kind


def _model_field(record: models.Model, name: str) -> models.Field:
    # The compared names are the models' own fields, never reverse relations.
    field = record._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _display(record: models.Model, name: str) -> str:
    field = _model_field(record, name)
    value = getattr(record, name)
    if value in (None, "", [], {}):
        return ""
    if field.choices:
        return str(getattr(record, f"get_{name}_display")())
    if callable(display := getattr(field, "display_value", None)):
        return str(display(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(field, models.DateTimeField):
        return date_format(localtime(value), "SHORT_DATETIME_FORMAT")
    return str(value)


def _comparison(kind: str, first: models.Model, second: models.Model) -> list[dict]:
    names = ORGANIZATION_FIELDS if kind == DuplicateKind.ORGANIZATION else PERSON_FIELDS
    rows: list[dict[str, Any]] = []
    for name in names:
        left, right = _display(first, name), _display(second, name)
        rows.append(
            {
                "label": _model_field(first, name).verbose_name,
                "values": (left, right),
                "differs": bool(left and right and left != right),
            }
        )
    if kind == DuplicateKind.ORGANIZATION:
        statuses = []
        for record in (first, second):
            # A missing one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
            membership = getattr(record, "membership", None)
            statuses.append(membership.get_status_display() if membership else "")
        rows.append({"label": _("Membership"), "values": tuple(statuses), "differs": statuses[0] != statuses[1]})
    return rows


def _render_compare(request: HttpRequest, kind: str, first, second, form: MergeForm, *, status: int = 200):
    relations = relation_counts([first, second])
    return render(
        request,
        "members/duplicates/compare.html",
        {
            "kind": kind,
            "first": first,
            "second": second,
            "rows": _comparison(kind, first, second),
            "relations": relations,
            "form": form,
            "detail_url_name": (
                "members:organization_detail" if kind == DuplicateKind.ORGANIZATION else "members:person_detail"
            ),
        },
        status=status,
    )


@staff_required(*REGISTRY_EDITORS)
@require_GET
def duplicate_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or DuplicateKind.ORGANIZATION
    _kind_or_404(kind)
    groups = duplicate_groups(kind)
    page_obj = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    duplicate_groups_fill(list(page_obj.object_list))
    return render(
        request,
        "members/duplicates/list.html",
        {"kind": kind, "kinds": DuplicateKind.choices, "page_obj": page_obj, "total": len(groups)},
    )


@staff_required(*REGISTRY_EDITORS)
@require_GET
def duplicate_compare(request: HttpRequest, kind: str, a: int, b: int) -> HttpResponse:
    first, second = duplicate_pair_get(kind=_kind_or_404(kind), first_id=a, second_id=b)
    relations = relation_counts([first, second])
    # Suggest keeping the record with more attached rows (less to move), else the older one.
    totals = [sum(counts[i] for _label, counts in relations) for i in range(2)]
    suggested = second if totals[1] > totals[0] else first
    form = MergeForm(pair=(first, second), initial={"survivor": suggested.pk})
    return _render_compare(request, kind, first, second, form)


def _require_change_both(request: HttpRequest, kind: str, first: models.Model, second: models.Model) -> None:
    """A merge changes both records: a coordinator merges only records within their scope."""
    # Either check takes the pair's records (organizations or people, by kind).
    allowed: Callable[[Any, Any], bool] = (
        organization_can_change if kind == DuplicateKind.ORGANIZATION else person_can_change
    )
    if not (allowed(request.user, first) and allowed(request.user, second)):
        raise PermissionDenied


@staff_required(*REGISTRY_EDITORS)
@require_POST
@reauth_required
def duplicate_merge(request: HttpRequest, kind: str, a: int, b: int) -> HttpResponse:
    """First POST (from the comparison): the confirmation page, showing what the merge will do
    (moved rows, rows not moved, fields filled, primary contacts demoted), from a rolled-back
    run of the merge. Second POST (confirmed): the merge, then the record of what it did."""
    first, second = duplicate_pair_get(kind=_kind_or_404(kind), first_id=a, second_id=b)
    _require_change_both(request, kind, first, second)
    form = MergeForm(request.POST, pair=(first, second))
    if not form.is_valid():
        return _render_compare(request, kind, first, second, form, status=400)
    survivor, merged = (first, second) if form.cleaned_data["survivor"] == first.pk else (second, first)
    list_url = f"{reverse('members:duplicate_list')}?kind={kind}"
    if not form.cleaned_data["confirmed"]:
        try:
            preview = merge_preview(actor=request_user(request), survivor=survivor, merged=merged)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(list_url)
        return render(
            request,
            "members/duplicates/confirm.html",
            {
                "kind": kind,
                "first": first,
                "second": second,
                "survivor": survivor,
                "merged": merged,
                "notes": [merge_note_text(note) for note in preview.notes],
                "form": MergeForm(pair=(first, second), initial={"survivor": survivor.pk, "confirmed": True}),
                "detail_url_name": _detail_url_name(kind),
            },
        )
    merge = organization_merge if kind == DuplicateKind.ORGANIZATION else person_merge
    try:
        record = merge(actor=request_user(request), survivor=survivor, merged=merged)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(list_url)
    messages.success(
        request,
        _("#%(merged)d was merged into %(survivor)s: %(moved)d related records moved.")
        % {"merged": record.merged_id, "survivor": survivor, "moved": sum(record.moved.values())},
    )
    return redirect("members:merge_record_detail", pk=record.pk)


@staff_required(*REGISTRY_EDITORS)
@require_GET
def merge_record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What a merge did, in the reader's language (the notes are stored as codes)."""
    record = get_object_or_404(MergeRecord.objects.select_related("actor"), pk=pk)
    return render(
        request,
        "members/duplicates/merge_record.html",
        {
            "record": record,
            "notes": [merge_note_text(note) for note in record.notes],
            "merged_name": merge_record_merged_name(record),
            "survivor_exists": merge_record_survivor_exists(record),
            "detail_url_name": _detail_url_name(record.kind),
        },
    )


def _detail_url_name(kind: str) -> str:
    return "members:organization_detail" if kind == DuplicateKind.ORGANIZATION else "members:person_detail"


@staff_required(*REGISTRY_EDITORS)
@require_POST
def duplicate_dismiss_view(request: HttpRequest, kind: str, a: int, b: int) -> HttpResponse:
    first, second = duplicate_pair_get(kind=_kind_or_404(kind), first_id=a, second_id=b)
    duplicate_dismiss(actor=request_user(request), kind=kind, first_id=first.pk, second_id=second.pk)
    messages.success(
        request,
        _("%(first)s and %(second)s are marked as different; they will not be proposed again.")
        % {"first": first, "second": second},
    )
    return redirect(f"{reverse('members:duplicate_list')}?kind={kind}")


urlpatterns = [
    path("duplicates/", duplicate_list, name="duplicate_list"),
    path("duplicates/<str:kind>/<int:a>/<int:b>/", duplicate_compare, name="duplicate_compare"),
    path("duplicates/<str:kind>/<int:a>/<int:b>/merge/", duplicate_merge, name="duplicate_merge"),
    path("duplicates/<str:kind>/<int:a>/<int:b>/dismiss/", duplicate_dismiss_view, name="duplicate_dismiss"),
    path("duplicates/merges/<int:pk>/", merge_record_detail, name="merge_record_detail"),
]
