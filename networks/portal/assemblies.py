"""Portal pages of the assemblies area: the organization's "Delegates" page. While a network
(or CLAC, for the General Assembly) has designation open, the organization's portal admins and
editors name, change or withdraw its delegates; viewers read. Past sessions show who sat for
the organization. `urlpatterns` are mounted by networks/portal/urls.py; `NAV` and `ACCESS` are
gathered by networks/plugin.py."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clac.access import portal_required, request_user
from clac.forms import add_service_errors
from clac.plugins import ACCESS_PORTAL, ACCESS_PORTAL_EDIT, NavEntry
from members.models import Organization, ProductNetwork
from members.portal.request import MemberPortalRequest
from networks.models import AssemblySession, Network
from networks.selectors import assemblies as selectors
from networks.services import assemblies as services
from networks.views.assemblies_forms import DelegateForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _represented_product(session: AssemblySession) -> str | None:
    """A product network's assembly: its product; otherwise None (the organization may choose
    one of its own products for the General Assembly, none for a country or workers network)."""
    network = session.body.network
    if network is not None and network.kind == Network.Kind.PRODUCT:
        return network.product_network
    return None


def _product_choices(organization: Organization) -> list[tuple[str, "StrOrPromise"]]:
    own = set(organization.products.values_list("network", flat=True))
    return [("", "—")] + [(value, label) for value, label in ProductNetwork.choices if value in own]


def _delegate_form(request: MemberPortalRequest, session: AssemblySession, initial: dict | None = None) -> DelegateForm:
    organization = request.organization
    general_assembly = session.body.network_id is None
    form = DelegateForm(
        request.POST if request.method == "POST" else None,
        people=selectors.organization_current_people(organization=organization),
        portal=True,
        product_choice=general_assembly,
        initial=initial,
    )
    if general_assembly:
        product_network_field = form.fields["product_network"]
        assert isinstance(product_network_field, forms.ChoiceField)
        product_network_field.choices = _product_choices(organization)
    return form


@portal_required()
@require_GET
def delegates(request: MemberPortalRequest) -> HttpResponse:
    context = selectors.portal_assembly_sessions(organization=request.organization)
    return render(
        request,
        "networks/assemblies/portal/delegates.html",
        {**context, "can_edit": request.portal_access.can_edit},
    )


@portal_required(edit=True)
@require_http_methods(["GET", "POST"])
def delegate_add(request: MemberPortalRequest, session_pk: int) -> HttpResponse:
    organization = request.organization
    session = selectors.assembly_session_get_for_user(
        user=request.user, pk=session_pk, organization=organization, for_change=True
    )
    form = _delegate_form(request, session)
    if request.method == "POST" and form.is_valid():
        product = _represented_product(session)
        try:
            services.delegate_designate(
                actor=request_user(request),
                session=session,
                organization=organization,
                person=form.cleaned_data["person"],
                # Delegates are chosen per country: the organization's.
                country=organization.country,
                product_network=product if product is not None else form.cleaned_data.get("product_network", ""),
                via_portal=True,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The delegate was named."))
            return redirect("networks_portal:assembly_delegates")
    return render(
        request,
        "networks/assemblies/portal/delegate_form.html",
        {"session": session, "form": form, "delegate": None},
        status=400 if form.errors else 200,
    )


@portal_required(edit=True)
@require_http_methods(["GET", "POST"])
def delegate_change(request: MemberPortalRequest, pk: int) -> HttpResponse:
    delegate = selectors.delegate_get_for_user(
        user=request.user, pk=pk, organization=request.organization, for_change=True
    )
    session = delegate.session
    form = _delegate_form(request, session, initial=DelegateForm.initial_for(delegate))
    if request.method == "POST" and form.is_valid():
        try:
            services.delegate_update(
                actor=request_user(request), delegate=delegate, via_portal=True, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The delegate was changed."))
            return redirect("networks_portal:assembly_delegates")
    return render(
        request,
        "networks/assemblies/portal/delegate_form.html",
        {"session": session, "form": form, "delegate": delegate},
        status=400 if form.errors else 200,
    )


@require_POST
@portal_required(edit=True)
def delegate_withdraw(request: MemberPortalRequest, pk: int) -> HttpResponse:
    delegate = selectors.delegate_get_for_user(
        user=request.user, pk=pk, organization=request.organization, for_change=True
    )
    try:
        services.delegate_withdraw(actor=request_user(request), delegate=delegate, via_portal=True)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(person)s no longer sits for the organization.") % {"person": delegate.person})
    return redirect("networks_portal:assembly_delegates")


NAV: tuple[NavEntry, ...] = (NavEntry(gettext_lazy("Assemblies"), "networks_portal:assembly_delegates", order=23),)

urlpatterns = [
    path("delegates/", delegates, name="assembly_delegates"),
    path("delegates/sessions/<int:session_pk>/new/", delegate_add, name="assembly_delegate_add"),
    path("delegates/<int:pk>/change/", delegate_change, name="assembly_delegate_change"),
    path("delegates/<int:pk>/withdraw/", delegate_withdraw, name="assembly_delegate_withdraw"),
]

ACCESS: dict[str, str] = {
    "networks_portal:assembly_delegates": ACCESS_PORTAL,
    "networks_portal:assembly_delegate_add": ACCESS_PORTAL_EDIT,
    "networks_portal:assembly_delegate_change": ACCESS_PORTAL_EDIT,
    "networks_portal:assembly_delegate_withdraw": ACCESS_PORTAL_EDIT,
}
