"""Dashboard pages of product strategies, needs and SPO sustainability strategies (issue #8
items 4 and 5).

- Product strategies: every staff role reads; administrators and the coordinators of the
  product network create, edit, approve and close them.
- Needs: administrators, M&E officers and viewers read every need; a coordinator the needs of
  their networks and of their networks' members; finance and communications get 403.
  Administrators and those coordinators record, answer and move them along.
- Sustainability strategies: every staff role reads; administrators and the coordinators of
  the supporting country network record and update them.

Access to one record goes through networks.selectors.strategies' helpers. `urlpatterns` are
mounted by networks/urls.py; `NAV`, `HISTORY` and `ACCESS` are gathered by networks/plugin.py."""

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.pagination import ReversiblePaginator
from clac.plugins import ACCESS_STAFF, ACCESS_STAFF_ROLES, HistoryModel, NavEntry
from clac.roles import StaffRole, user_has_any_role
from networks.models import Need, Network, ProductStrategy, SustainabilityStrategy
from networks.selectors import strategies as selectors
from networks.selectors.networks import (
    network_can_change,
    network_get_for_user,
    networks_changeable_by,
)
from networks.services import strategies as services
from networks.views.strategies_forms import (
    MarketTargetFormSet,
    NeedAnswerForm,
    NeedFilterForm,
    NeedForm,
    NeedStatusForm,
    ProductStrategyFilterForm,
    ProductStrategyForm,
    ProductStrategyStatusForm,
    SustainabilityFilterForm,
    SustainabilityStrategyForm,
    market_targets_data,
    market_targets_initial,
)

PAGE_SIZE = 50
WRITERS = (StaffRole.ADMIN, StaffRole.COORDINATOR)
# Roles that read needs at all (a coordinator only within their networks: the selectors decide).
NEED_READERS = (StaffRole.ADMIN, StaffRole.COORDINATOR, StaffRole.ME_OFFICER, StaffRole.VIEWER)


def _can_write_somewhere(request: HttpRequest) -> bool:
    return user_has_any_role(request.user, [StaffRole.ADMIN]) or networks_changeable_by(request.user).exists()


def _flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- Product strategies -----------------------------------------------------------------------


@staff_required()
def product_strategy_list(request: HttpRequest) -> HttpResponse:
    form = ProductStrategyFilterForm(request.GET)
    status_code = 200
    if form.is_valid():
        strategies = selectors.product_strategy_list(
            network=form.cleaned_data.get("network"), status=form.cleaned_data.get("status") or ""
        )
    else:
        strategies = ProductStrategy.objects.none()
        status_code = 400
    page_obj = ReversiblePaginator(strategies, PAGE_SIZE, ids_first=True).get_page(request.GET.get("page"))
    return render(
        request,
        "networks/strategies/list.html",
        {"filter_form": form, "page_obj": page_obj, "can_create": _can_write_somewhere(request)},
        status=status_code,
    )


@staff_required()
def product_strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = selectors.product_strategy_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "networks/strategies/detail.html",
        {
            "strategy": strategy,
            "targets": list(strategy.market_targets.all()),
            "can_change": network_can_change(request.user, strategy.network),
            "transitions": sorted(services.PRODUCT_STRATEGY_TRANSITIONS[strategy.status]),
        },
    )


def _strategy_form_page(request: HttpRequest, strategy: ProductStrategy | None) -> HttpResponse:
    networks = networks_changeable_by(request.user)
    initial = {}
    network_param = request.GET.get("network", "")
    if strategy is None and network_param.isascii() and network_param.isdigit() and len(network_param) < 18:
        initial["network"] = int(network_param)
    form = ProductStrategyForm(request.POST or None, networks=networks, strategy=strategy, initial=initial or None)
    formset = MarketTargetFormSet(
        request.POST or None,
        prefix="targets",
        initial=market_targets_initial(strategy) if strategy is not None else None,
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "start_year": data["start_year"],
            "end_year": data["end_year"],
            "goals": data["goals"],
            "strategic_lines": data["strategic_lines"],
            "market_targets": market_targets_data(formset),
        }
        try:
            if strategy is None:
                strategy = services.product_strategy_create(
                    actor=request_user(request), network=data["network"], **fields
                )
                messages.success(request, _("The strategy was created as a draft."))
            else:
                services.product_strategy_update(actor=request_user(request), strategy=strategy, **fields)
                messages.success(request, _("The changes were saved."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("networks:product_strategy_detail", pk=strategy.pk)
    return render(request, "networks/strategies/form.html", {"form": form, "formset": formset, "strategy": strategy})


@staff_required(*WRITERS)
def product_strategy_create(request: HttpRequest) -> HttpResponse:
    if not _can_write_somewhere(request):
        raise PermissionDenied
    return _strategy_form_page(request, None)


@staff_required(*WRITERS)
def product_strategy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = selectors.product_strategy_get_for_user(user=request.user, pk=pk, for_change=True)
    if strategy.status == ProductStrategy.Status.CLOSED:
        messages.error(request, _("This strategy is closed; it can no longer be changed."))
        return redirect("networks:product_strategy_detail", pk=strategy.pk)
    return _strategy_form_page(request, strategy)


@require_POST
@staff_required(*WRITERS)
def product_strategy_status(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = selectors.product_strategy_get_for_user(user=request.user, pk=pk, for_change=True)
    form = ProductStrategyStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status from the list."))
    else:
        try:
            services.product_strategy_set_status(
                actor=request_user(request), strategy=strategy, status=form.cleaned_data["status"]
            )
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            label = ProductStrategy.Status(form.cleaned_data["status"]).label
            messages.success(request, _("The strategy is now %(status)s.") % {"status": label})
    return redirect("networks:product_strategy_detail", pk=strategy.pk)


# --- Needs ------------------------------------------------------------------------------------


def _need_list_page(request: HttpRequest, network: Network | None) -> HttpResponse:
    form = NeedFilterForm(request.GET)
    status_code = 200
    if form.is_valid():
        needs = selectors.need_list_for_user(user=request.user, filters=form.filters(network=network))
    else:
        needs = selectors.need_list_for_user(user=request.user).none()
        status_code = 400
    page_obj = ReversiblePaginator(needs, PAGE_SIZE, ids_first=True).get_page(request.GET.get("page"))
    return render(
        request,
        "networks/strategies/needs_list.html",
        {
            "filter_form": form,
            "page_obj": page_obj,
            "network": network,
            "can_record": _can_write_somewhere(request),
        },
        status=status_code,
    )


@staff_required(*NEED_READERS)
def need_list(request: HttpRequest) -> HttpResponse:
    return _need_list_page(request, None)


@staff_required(*NEED_READERS)
def network_needs(request: HttpRequest, pk: int) -> HttpResponse:
    """One network's needs: its own and its member organizations'. A coordinator sees the
    networks they coordinate (403 for another one)."""
    network = network_get_for_user(user=request.user, pk=pk)
    if not selectors.network_needs_readable(request.user, network):
        raise PermissionDenied
    return _need_list_page(request, network)


@staff_required(*NEED_READERS)
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_user(user=request.user, pk=pk)
    can_change = selectors.need_can_change(request.user, need)
    transitions = sorted(services.NEED_TRANSITIONS[need.status])
    status_form = NeedStatusForm()
    status_field = cast(forms.ChoiceField, status_form.fields["status"])
    status_field.choices = [(code, Need.Status(code).label) for code in transitions]
    return render(
        request,
        "networks/strategies/need_detail.html",
        {
            "need": need,
            "events": selectors.need_events(need=need),
            "can_change": can_change,
            "answer_form": NeedAnswerForm(initial={"response": need.response}),
            "status_form": status_form,
            "can_answer": need.status in services.NEED_ANSWERABLE,
            "transitions": transitions,
        },
    )


@staff_required(*WRITERS)
def need_create(request: HttpRequest) -> HttpResponse:
    if not _can_write_somewhere(request):
        raise PermissionDenied
    form = NeedForm(request.POST or None, networks=networks_changeable_by(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            need = services.need_record(
                actor=request_user(request),
                organization=data.get("organization"),
                network=data.get("network"),
                title=data["title"],
                category=data["category"],
                priority=data["priority"],
                description=data["description"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You cannot record needs for this organization or network."))
        else:
            messages.success(request, _("The need was recorded."))
            return redirect("networks:need_detail", pk=need.pk)
    return render(request, "networks/strategies/need_form.html", {"form": form, "need": None})


@staff_required(*WRITERS)
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_user(user=request.user, pk=pk, for_change=True)
    initial = {
        "title": need.title,
        "category": need.category,
        "priority": need.priority,
        "description": need.description,
    }
    form = NeedForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_update(actor=request_user(request), need=need, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("networks:need_detail", pk=need.pk)
    return render(request, "networks/strategies/need_form.html", {"form": form, "need": need})


@require_POST
@staff_required(*WRITERS)
def need_answer(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_user(user=request.user, pk=pk, for_change=True)
    form = NeedAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the response."))
    else:
        try:
            services.need_answer(actor=request_user(request), need=need, response=form.cleaned_data["response"])
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, _("The response was saved; the organization sees it in the portal."))
    return redirect("networks:need_detail", pk=need.pk)


@require_POST
@staff_required(*WRITERS)
def need_status(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_user(user=request.user, pk=pk, for_change=True)
    form = NeedStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status from the list."))
    else:
        try:
            services.need_set_status(actor=request_user(request), need=need, **form.cleaned_data)
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            label = Need.Status(form.cleaned_data["status"]).label
            messages.success(request, _("The need is now %(status)s.") % {"status": label})
    return redirect("networks:need_detail", pk=need.pk)


# --- Sustainability strategies ----------------------------------------------------------------


@staff_required()
def sustainability_list(request: HttpRequest) -> HttpResponse:
    form = SustainabilityFilterForm(request.GET)
    status_code = 200
    if form.is_valid():
        data = form.cleaned_data
        strategies = selectors.sustainability_strategy_list(
            status=data.get("status") or "",
            country=data.get("country"),
            network=data.get("network"),
            area=data.get("area") or "",
        )
    else:
        strategies = SustainabilityStrategy.objects.none()
        status_code = 400
    page_obj = ReversiblePaginator(strategies, PAGE_SIZE, ids_first=True).get_page(request.GET.get("page"))
    return render(
        request,
        "networks/strategies/sustainability_list.html",
        {"filter_form": form, "page_obj": page_obj, "can_record": _can_write_somewhere(request)},
        status=status_code,
    )


@staff_required()
def sustainability_detail(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = selectors.sustainability_strategy_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "networks/strategies/sustainability_detail.html",
        {
            "strategy": strategy,
            "can_change": network_can_change(request.user, strategy.supporting_network),
            "history": selectors.sustainability_strategy_history(strategy=strategy),
        },
    )


def _sustainability_form_page(request: HttpRequest, strategy: SustainabilityStrategy | None) -> HttpResponse:
    form = SustainabilityStrategyForm(
        request.POST or None, networks=networks_changeable_by(request.user), strategy=strategy
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = strategy.organization if strategy is not None else data["organization"]
        try:
            recorded = services.sustainability_strategy_record(
                actor=request_user(request),
                organization=organization,
                status=data["status"],
                supporting_network=data["supporting_network"],
                areas=data["areas"],
                adopted_on=data.get("adopted_on"),
                notes=data.get("notes") or "",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You cannot change the strategies of this network."))
        else:
            messages.success(request, _("The sustainability strategy was saved."))
            return redirect("networks:sustainability_detail", pk=recorded.pk)
    return render(request, "networks/strategies/sustainability_form.html", {"form": form, "strategy": strategy})


@staff_required(*WRITERS)
def sustainability_create(request: HttpRequest) -> HttpResponse:
    if not _can_write_somewhere(request):
        raise PermissionDenied
    return _sustainability_form_page(request, None)


@staff_required(*WRITERS)
def sustainability_edit(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = selectors.sustainability_strategy_get_for_user(user=request.user, pk=pk, for_change=True)
    return _sustainability_form_page(request, strategy)


NAV: tuple[NavEntry, ...] = (
    NavEntry(gettext_lazy("Product strategies"), "networks:product_strategy_list", icon="networks", order=26),
    NavEntry(
        gettext_lazy("Needs"),
        "networks:need_list",
        icon="networks",
        order=27,
        roles=frozenset(NEED_READERS),
    ),
    NavEntry(gettext_lazy("Sustainability strategies"), "networks:sustainability_list", icon="networks", order=28),
)
HISTORY: tuple[HistoryModel, ...] = tuple(
    HistoryModel(model.lower(), f"networks.{model}")
    for model in ("ProductStrategy", "MarketTarget", "Need", "SustainabilityStrategy")
)
urlpatterns = [
    path("strategies/", product_strategy_list, name="product_strategy_list"),
    path("strategies/new/", product_strategy_create, name="product_strategy_create"),
    path("strategies/<int:pk>/", product_strategy_detail, name="product_strategy_detail"),
    path("strategies/<int:pk>/edit/", product_strategy_edit, name="product_strategy_edit"),
    path("strategies/<int:pk>/status/", product_strategy_status, name="product_strategy_status"),
    path("needs/", need_list, name="need_list"),
    path("needs/new/", need_create, name="need_create"),
    path("needs/<int:pk>/", need_detail, name="need_detail"),
    path("needs/<int:pk>/edit/", need_edit, name="need_edit"),
    path("needs/<int:pk>/answer/", need_answer, name="need_answer"),
    path("needs/<int:pk>/status/", need_status, name="need_status"),
    path("<int:pk>/needs/", network_needs, name="network_needs"),
    path("sustainability/", sustainability_list, name="sustainability_list"),
    path("sustainability/new/", sustainability_create, name="sustainability_create"),
    path("sustainability/<int:pk>/", sustainability_detail, name="sustainability_detail"),
    path("sustainability/<int:pk>/edit/", sustainability_edit, name="sustainability_edit"),
]
ACCESS: dict[str, str] = {
    "networks:product_strategy_list": ACCESS_STAFF,
    "networks:product_strategy_detail": ACCESS_STAFF,
    "networks:sustainability_list": ACCESS_STAFF,
    "networks:sustainability_detail": ACCESS_STAFF,
    **{
        f"networks:{name}": ACCESS_STAFF_ROLES
        for name in (
            "product_strategy_create",
            "product_strategy_edit",
            "product_strategy_status",
            "need_list",
            "need_create",
            "need_detail",
            "need_edit",
            "need_answer",
            "need_status",
            "network_needs",
            "sustainability_create",
            "sustainability_edit",
        )
    },
}
