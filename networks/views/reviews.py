"""Dashboard pages of the reviews area: the reviews list, a review's page (stages with their
dated moves, documents by stage, rounds with their response rates, price references), the
forms that open and move a review, file documents, plan rounds, invite organizations and
record prices, a round's results (figures in USD per unit, XLSX export) and the price history
of a product (table and chart).

Administrators, M&E officers, coordinators and viewers read; administrators and M&E officers
manage every review, coordinators their networks' (networks.selectors.reviews); finance and
communications are refused (403). One organization's answers are shown only to the review's
managers (the export); everyone else sees aggregated figures, small groups hidden.

`urlpatterns` are mounted by networks/urls.py, `NAV`, `HISTORY` and `ACCESS` are gathered by
networks/plugin.py."""

import tempfile
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import ModelChoiceField
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.plugins import ACCESS_STAFF_ROLES, HistoryModel, NavEntry
from members.models import Product
from networks.models import PriceReference, Review
from networks.models.reviews import COST_CATEGORIES
from networks.selectors import reviews as selectors
from networks.services import reviews as services
from networks.views.reviews_forms import (
    InviteForm,
    PriceReferenceFilterForm,
    PriceReferenceForm,
    ReviewDocumentForm,
    ReviewFilterForm,
    ReviewForm,
    ReviewMoveForm,
    RoundForm,
)

PAGE_SIZE = 50
READERS = tuple(sorted(selectors.REVIEW_READER_ROLES))
# Roles that may write at all; the review's network then decides (403 otherwise).
WRITERS = tuple(sorted({*selectors.REVIEW_MANAGER_ROLES, "coordinator"}))
CATEGORY_LABELS = {
    "labour": gettext_lazy("Labour"),
    "inputs": gettext_lazy("Inputs"),
    "certification": gettext_lazy("Certification"),
    "processing": gettext_lazy("Processing"),
    "transport": gettext_lazy("Transport"),
    "administration": gettext_lazy("Administration"),
}


def _stage_moves(review: Review) -> list[tuple[str, Any]]:
    allowed = services.STAGE_MOVES[review.stage]
    return [(value, label) for value, label in Review.Stage.choices if value in allowed]


# --- Reviews --------------------------------------------------------------------------------


@require_GET
@staff_required(*READERS)
def review_list(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET)
    status = 200
    if form.is_valid():
        reviews = selectors.review_list(filters=form.cleaned_data)
    else:
        reviews = Review.objects.none()
        status = 400
    page_obj = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    rounds = selectors.review_list_prefetch_rounds(list(page_obj))
    rows = [{"review": review, "rounds": rounds.get(review.pk, [])} for review in page_obj]
    return render(
        request,
        "networks/reviews/list.html",
        {
            "filter_form": form,
            "page_obj": page_obj,
            "rows": rows,
            "can_create": selectors.review_can_create(request.user),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_required(*WRITERS)
def review_create(request: HttpRequest) -> HttpResponse:
    form = ReviewForm(request.POST or None)
    product_field = form.fields["product"]
    assert isinstance(product_field, ModelChoiceField)
    product_field.queryset = selectors.products_managed_by(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_create(actor=request_user(request), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The review was opened."))
            return redirect("networks:review_detail", pk=review.pk)
    return render(request, "networks/reviews/form.html", {"form": form, "review": None})


@require_GET
@staff_required(*READERS)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get_for_user(user=request.user, pk=pk)
    can_change = selectors.review_can_change(request.user, review)
    stages = _stage_moves(review)
    return render(
        request,
        "networks/reviews/detail.html",
        {
            **selectors.review_detail_context(review=review),
            "review": review,
            "can_change": can_change,
            "can_plan_round": can_change and review.stage in services.ROUND_STAGES,
            "move_form": ReviewMoveForm(stages=stages, initial={"effective_on": timezone.localdate()})
            if stages
            else None,
            "stages": Review.Stage.choices,
        },
    )


@require_POST
@staff_required(*WRITERS)
def review_move(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get_for_user(user=request.user, pk=pk, for_change=True)
    form = ReviewMoveForm(request.POST)
    if form.is_valid():
        try:
            services.review_move(actor=request_user(request), review=review, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The review moved to its next stage."))
    else:
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, str(error))
    return redirect("networks:review_detail", pk=review.pk)


@require_http_methods(["GET", "POST"])
@staff_required(*WRITERS)
def review_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get_for_user(user=request.user, pk=pk, for_change=True)
    form = ReviewDocumentForm(request.POST or None, request.FILES or None, initial={"stage": review.stage})
    if request.method == "POST" and form.is_valid():
        try:
            services.review_document_add(actor=request_user(request), review=review, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The document was filed."))
            return redirect("networks:review_detail", pk=review.pk)
    return render(
        request,
        "networks/reviews/subform.html",
        {"form": form, "review": review, "title": _("File a document"), "multipart": True},
    )


@require_GET
@staff_required(*READERS)
def review_document_download(request: HttpRequest, pk: int) -> FileResponse:
    document = selectors.review_document_get_for_user(user=request.user, pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=(document.file.name or "document").rsplit("/", 1)[-1])


# --- Rounds ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(*WRITERS)
def round_create(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get_for_user(user=request.user, pk=pk, for_change=True)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.consultation_round_create(
                actor=request_user(request), review=review, **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The round was planned. Invite the organizations next."))
            return redirect("networks:round_detail", pk=round_.pk)
    return render(
        request,
        "networks/reviews/subform.html",
        {"form": form, "review": review, "title": _("Plan a consultation round"), "multipart": False},
    )


@require_GET
@staff_required(*READERS)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.consultation_round_get_for_user(user=request.user, pk=pk)
    can_change = selectors.review_can_change(request.user, round_.review)
    results = selectors.round_results(round_)
    if not can_change:
        results = results.without_small_groups()
    results = selectors.results_with_country_names(results)
    return render(
        request,
        "networks/reviews/round.html",
        {
            "round": round_,
            "review": round_.review,
            "results": results,
            "can_change": can_change,
            "invite_form": InviteForm() if can_change and round_.closes_on >= timezone.localdate() else None,
            "figure_rows": [results.overall, *results.by_country],
            "category_rows": [
                (CATEGORY_LABELS[name], results.overall.category_medians.get(name)) for name in COST_CATEGORIES
            ],
            "min_group": selectors.MIN_GROUP_ANSWERS,
        },
    )


@require_POST
@staff_required(*WRITERS)
def round_invite(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.consultation_round_get_for_user(user=request.user, pk=pk, for_change=True)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose countries from the list."))
        return redirect("networks:round_detail", pk=round_.pk)
    try:
        added = services.consultation_invite(
            actor=request_user(request), round_=round_, countries=list(form.cleaned_data["countries"])
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(count)s organizations newly invited.") % {"count": added})
    return redirect("networks:round_detail", pk=round_.pk)


def _cell(sheet: Any, value: Any, number_format: str = "") -> Any:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[:1] in ("=", "+", "-", "@"):
            value = "'" + value
    if not number_format or value is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _sheet(workbook: Workbook, title: str, headers: list[tuple[str, int]], rows: Iterable[list[Any]]) -> None:
    sheet = workbook.create_sheet(title=title[:31])
    for index, (_header, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([header for header, _width in headers])
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, v, "0.0000" if isinstance(v, Decimal) else "") for v in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"


@require_GET
@staff_required(*WRITERS)
def round_export(request: HttpRequest, pk: int) -> FileResponse:
    """The round's figures and its answers, one row each (managers only: it names the
    organizations)."""
    round_ = selectors.consultation_round_get_for_user(user=request.user, pk=pk, for_change=True)
    results = selectors.round_results(round_)
    answers = selectors.round_answers(round_=round_, fences=(results.outlier_low, results.outlier_high))
    workbook = Workbook(write_only=True)
    figure_rows = [
        [
            figures.country or _("All countries"),
            figures.count,
            figures.q1,
            figures.median,
            figures.q3,
            figures.weighted_count,
            figures.weighted_q1,
            figures.weighted_median,
            figures.weighted_q3,
            figures.outliers,
        ]
        for figures in [results.overall, *results.by_country]
    ]
    _sheet(
        workbook,
        _("Figures (USD per unit)"),
        [
            (_("Country"), 16),
            (_("Answers"), 10),
            (_("Q1"), 10),
            (_("Median"), 10),
            (_("Q3"), 10),
            (_("Answers with volume"), 12),
            (_("Weighted Q1"), 12),
            (_("Weighted median"), 12),
            (_("Weighted Q3"), 12),
            (_("Outliers"), 10),
        ],
        figure_rows,
    )
    answer_rows = [
        [
            row["organization_name"],
            row["country"],
            row["currency"],
            Decimal(str(row["rate"])) if row["rate"] is not None else None,
            Decimal(str(row["usd_total"])) if row["usd_total"] is not None else None,
            *(Decimal(str(row[f"usd_{n}"])) if row[f"usd_{n}"] is not None else None for n in COST_CATEGORIES),
            row["volume"],
            _("yes") if row["outlier"] else "",
            _("no rate") if row["no_rate"] else "",
        ]
        for row in answers
    ]
    _sheet(
        workbook,
        _("Answers"),
        [
            (_("Organization"), 40),
            (_("Country"), 8),
            (_("Currency"), 8),
            (_("USD per unit of currency"), 12),
            (_("Total cost (USD per unit)"), 14),
            *((str(CATEGORY_LABELS[n]), 12) for n in COST_CATEGORIES),
            (_("Volume"), 12),
            (_("Outlier"), 8),
            (_("Conversion"), 10),
        ],
        answer_rows,
    )
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 -- closed by FileResponse
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"consultation-{round_.pk}-{timezone.localdate().isoformat()}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- Price references -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(*WRITERS)
def price_reference_create(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get_for_user(user=request.user, pk=pk, for_change=True)
    form = PriceReferenceForm(
        request.POST or None,
        initial={"unit": review.product.unit, "currency": "USD", "kind": PriceReference.Kind.POSITION},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.price_reference_record(actor=request_user(request), review=review, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The price reference was recorded."))
            return redirect("networks:review_detail", pk=review.pk)
    return render(
        request,
        "networks/reviews/subform.html",
        {"form": form, "review": review, "title": _("Record a position or a decision"), "multipart": False},
    )


@require_GET
@staff_required(*READERS)
def price_reference_list(request: HttpRequest) -> HttpResponse:
    form = PriceReferenceFilterForm(request.GET)
    status = 200
    product: Product | None = None
    if form.is_valid():
        product = form.cleaned_data.get("product")
    else:
        status = 400
    references = list(selectors.price_reference_list(product=product)) if status == 200 else []
    chart = None
    if product is not None:
        chart = selectors.price_reference_chart(
            references, labels={"minimum_price": _("Minimum price"), "premium": _("Fairtrade premium")}
        )
    return render(
        request,
        "networks/reviews/prices.html",
        {"filter_form": form, "references": references, "chart": chart, "product": product},
        status=status,
    )


NAV: tuple[NavEntry, ...] = (
    NavEntry(gettext_lazy("Reviews"), "networks:review_list", icon="reviews", order=24, roles=frozenset(READERS)),
)
HISTORY: tuple[HistoryModel, ...] = tuple(
    HistoryModel(model.lower(), f"networks.{model}")
    for model in ("Review", "ReviewDocument", "ConsultationRound", "PriceReference")
)
urlpatterns = [
    path("reviews/", review_list, name="review_list"),
    path("reviews/new/", review_create, name="review_create"),
    path("reviews/prices/", price_reference_list, name="price_reference_list"),
    path("reviews/<int:pk>/", review_detail, name="review_detail"),
    path("reviews/<int:pk>/move/", review_move, name="review_move"),
    path("reviews/<int:pk>/documents/new/", review_document_add, name="review_document_add"),
    path("reviews/documents/<int:pk>/", review_document_download, name="review_document_download"),
    path("reviews/<int:pk>/rounds/new/", round_create, name="round_create"),
    path("reviews/<int:pk>/prices/new/", price_reference_create, name="price_reference_create"),
    path("reviews/rounds/<int:pk>/", round_detail, name="round_detail"),
    path("reviews/rounds/<int:pk>/invite/", round_invite, name="round_invite"),
    path("reviews/rounds/<int:pk>/export.xlsx", round_export, name="round_export"),
]
ACCESS: dict[str, str] = {
    f"networks:{name}": ACCESS_STAFF_ROLES
    for name in (
        "review_list",
        "review_create",
        "price_reference_list",
        "review_detail",
        "review_move",
        "review_document_add",
        "review_document_download",
        "round_create",
        "price_reference_create",
        "round_detail",
        "round_invite",
        "round_export",
    )
}
