"""Dashboard pages of the networks area: the list of networks, a network's page (its members
counted by country, kind and size, the member list, then the other areas' sections), create and
edit, manual membership changes and the membership history. Every staff role reads;
administrators change every network, a coordinator only the networks they coordinate (and only
their description: the structure is the administrators'). `urlpatterns` are mounted by
networks/urls.py, `NAV` and `ACCESS` gathered by networks/plugin.py."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.models import User
from clac.plugins import ACCESS_STAFF, ACCESS_STAFF_ROLES, NavEntry
from clac.roles import StaffRole, user_has_any_role
from members.forms.pickers import OrganizationPickerField
from members.models import Country, ProductNetwork
from networks.models import Network
from networks.selectors.networks import (
    NETWORK_ADMIN_ROLES,
    network_can_change,
    network_get_for_user,
    network_ids_coordinated_by,
    network_list,
    network_member_figures,
    network_members_page,
    network_membership_get_for_user,
    network_membership_history_page,
)
from networks.services.networks import (
    network_create,
    network_membership_add,
    network_membership_end,
    network_update,
)
from networks.views.sections import network_sections

PAGE_SIZE = 50
CHANGE_ROLES = (StaffRole.ADMIN, StaffRole.COORDINATOR)

# --- Forms ----------------------------------------------------------------------------------


class NetworkFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=[("", gettext_lazy("All kinds")), *Network.Kind.choices], required=False
    )
    mine = forms.BooleanField(label=gettext_lazy("My networks"), required=False)


class NetworkForm(forms.Form):
    """Everything about a network (administrators)."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Network.Kind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    countries = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Countries"),
        queryset=Country.objects.order_by("name"),
        required=False,
        help_text=gettext_lazy("Country networks only; a binational network covers two."),
    )
    product_network = forms.ChoiceField(
        label=gettext_lazy("Product category"),
        choices=[("", "—"), *ProductNetwork.choices],
        required=False,
        help_text=gettext_lazy("Product networks only."),
    )
    coordinators = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Coordinators"),
        queryset=User.objects.filter(groups__name=StaffRole.COORDINATOR).order_by("first_name", "last_name", "id"),
        required=False,
    )
    founded_year = forms.IntegerField(label=gettext_lazy("Founded"), min_value=1990, max_value=2100, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The kind decides memberships and bodies: it is fixed once the network exists.
            del self.fields["kind"]


class NetworkDescriptionForm(forms.Form):
    """What a coordinator changes on their own network."""

    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )


class MembershipAddForm(forms.Form):
    organization = OrganizationPickerField(label=gettext_lazy("Organization"))
    since = forms.DateField(label=gettext_lazy("Member since"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class MembershipEndForm(forms.Form):
    until = forms.DateField(label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)
    keep_out = forms.BooleanField(
        label=gettext_lazy("Keep it out of this network"),
        required=False,
        help_text=gettext_lazy(
            "The registry sync will not add it back, even if its country, products or kind put it here, "
            "until someone adds it again by hand."
        ),
    )


# --- Pages ----------------------------------------------------------------------------------


@staff_required()
@require_GET
def network_list_view(request: HttpRequest) -> HttpResponse:
    form = NetworkFilterForm(request.GET or None)
    kind, mine = "", False
    status = 200
    if form.is_bound:
        if form.is_valid():
            kind, mine = form.cleaned_data["kind"], form.cleaned_data["mine"]
        else:
            status = 400
    networks = network_list(kind=kind, mine_for=request.user if mine else None)
    if status == 400:
        networks = networks.none()
    page_obj = Paginator(networks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "networks/networks/list.html",
        {
            "filter_form": form,
            "page_obj": page_obj,
            "coordinated": network_ids_coordinated_by(request.user),
            "is_coordinator": user_has_any_role(request.user, [StaffRole.COORDINATOR]),
            "can_create": user_has_any_role(request.user, NETWORK_ADMIN_ROLES),
        },
        status=status,
    )


@staff_required()
@require_GET
def network_detail(request: HttpRequest, pk: int) -> HttpResponse:
    network = network_get_for_user(user=request.user, pk=pk)
    query = (request.GET.get("q") or "").strip()[:100]
    members = network_members_page(network=network, query=query, number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "networks/networks/detail.html",
        {
            "network": network,
            "countries": list(network.countries.order_by("name")),
            "coordinators": list(network.coordinators.order_by("first_name", "last_name", "id")),
            "figures": network_member_figures(network=network),
            "page_obj": members,
            "query": query,
            "can_change": network_can_change(request.user, network),
            "can_edit_structure": user_has_any_role(request.user, NETWORK_ADMIN_ROLES),
            "sections": network_sections(request, network),
        },
    )


@staff_required(*NETWORK_ADMIN_ROLES)
def network_create_view(request: HttpRequest) -> HttpResponse:
    form = NetworkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            network = network_create(actor=request_user(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The network %(name)s was created.") % {"name": network.name})
            return redirect("networks:network_detail", pk=network.pk)
    return render(
        request,
        "networks/networks/form.html",
        {"form": form, "network": None},
        status=400 if form.errors else 200,
    )


@staff_required(*CHANGE_ROLES)
def network_edit(request: HttpRequest, pk: int) -> HttpResponse:
    network = network_get_for_user(user=request.user, pk=pk, for_change=True)
    if user_has_any_role(request.user, NETWORK_ADMIN_ROLES):
        initial = {
            "name": network.name,
            "countries": list(network.countries.all()),
            "product_network": network.product_network,
            "coordinators": list(network.coordinators.all()),
            "founded_year": network.founded_year,
            "description": network.description,
            "is_active": network.is_active,
        }
        form: forms.Form = NetworkForm(request.POST or None, initial=initial, editing=True)
    else:
        form = NetworkDescriptionForm(request.POST or None, initial={"description": network.description})
    if request.method == "POST" and form.is_valid():
        try:
            network_update(actor=request_user(request), network=network, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The network was saved."))
            return redirect("networks:network_detail", pk=network.pk)
    return render(
        request,
        "networks/networks/form.html",
        {"form": form, "network": network},
        status=400 if form.errors else 200,
    )


@staff_required(*CHANGE_ROLES)
def network_membership_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    network = network_get_for_user(user=request.user, pk=pk, for_change=True)
    form = MembershipAddForm(request.POST or None, initial={"since": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            membership = network_membership_add(actor=request_user(request), network=network, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, field_map={"network": "organization"})
        else:
            messages.success(
                request,
                _("%(organization)s was added to %(network)s.")
                % {"organization": membership.organization.name, "network": network.name},
            )
            return redirect("networks:network_detail", pk=network.pk)
    return render(
        request,
        "networks/networks/membership_add.html",
        {"form": form, "network": network},
        status=400 if form.errors else 200,
    )


@staff_required(*CHANGE_ROLES)
def network_membership_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = network_membership_get_for_user(user=request.user, pk=pk, for_change=True)
    if membership.until is not None:
        messages.error(request, _("This membership already ended."))
        return redirect("networks:network_detail", pk=membership.network_id)
    form = MembershipEndForm(request.POST or None, initial={"until": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            network_membership_end(actor=request_user(request), membership=membership, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if membership.excluded:
                text = _("%(organization)s is no longer kept out of %(network)s.")
            else:
                text = _("%(organization)s left %(network)s.")
            messages.success(
                request, text % {"organization": membership.organization.name, "network": membership.network.name}
            )
            return redirect("networks:network_detail", pk=membership.network_id)
    return render(
        request,
        "networks/networks/membership_end.html",
        {"form": form, "membership": membership, "network": membership.network},
        status=400 if form.errors else 200,
    )


@staff_required()
@require_GET
def network_membership_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    network = network_get_for_user(user=request.user, pk=pk)
    page_obj = network_membership_history_page(network=network, number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "networks/networks/history.html",
        {
            "network": network,
            "page_obj": page_obj,
            "can_change": network_can_change(request.user, network),
        },
    )


NAV: tuple[NavEntry, ...] = (NavEntry(gettext_lazy("Networks"), "networks:network_list", icon="networks", order=20),)
ACCESS: dict[str, str] = {
    "networks:network_list": ACCESS_STAFF,
    "networks:network_detail": ACCESS_STAFF,
    "networks:network_membership_history": ACCESS_STAFF,
    "networks:network_create": ACCESS_STAFF_ROLES,
    "networks:network_edit": ACCESS_STAFF_ROLES,
    "networks:network_membership_add": ACCESS_STAFF_ROLES,
    "networks:network_membership_end": ACCESS_STAFF_ROLES,
}
urlpatterns: list = [
    path("", network_list_view, name="network_list"),
    path("new/", network_create_view, name="network_create"),
    path("<int:pk>/", network_detail, name="network_detail"),
    path("<int:pk>/edit/", network_edit, name="network_edit"),
    path("<int:pk>/members/add/", network_membership_add_view, name="network_membership_add"),
    path("<int:pk>/members/history/", network_membership_history_view, name="network_membership_history"),
    path("memberships/<int:pk>/end/", network_membership_end_view, name="network_membership_end"),
]
