"""Portal pages of needs: the organization's needs with the staff responses, raising a new
need (the organization's admins and editors), and one need with its steps. Another
organization's need is a 404 (networks.selectors.strategies.need_get_for_user with
`organization`).

`urlpatterns` are mounted by networks/portal/urls.py; `NAV` and `ACCESS` are gathered by
networks/plugin.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from clac.access import portal_required, request_user
from clac.forms import add_service_errors
from clac.plugins import ACCESS_PORTAL, ACCESS_PORTAL_EDIT, NavEntry
from members.portal.request import MemberPortalRequest
from networks.selectors.strategies import need_events, need_get_for_user, needs_for_organization
from networks.services.strategies import need_raise_in_portal
from networks.views.strategies_forms import NeedForm

PAGE_SIZE = 20


@portal_required()
@require_GET
def need_list(request: MemberPortalRequest) -> HttpResponse:
    needs = needs_for_organization(request.organization).order_by("-created_at", "-id")
    page_obj = Paginator(needs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "networks/strategies/portal/needs_list.html",
        {"page_obj": page_obj, "can_raise": request.portal_access.can_edit},
    )


@portal_required(edit=True)
def need_create(request: MemberPortalRequest) -> HttpResponse:
    form = NeedForm(request.POST or None, portal=True)
    if request.method == "POST" and form.is_valid():
        try:
            need = need_raise_in_portal(
                actor=request_user(request), organization=request.organization, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your need was sent to CLAC. You will find the response here."))
            return redirect("networks_portal:need_detail", pk=need.pk)
    return render(request, "networks/strategies/portal/need_form.html", {"form": form})


@portal_required()
@require_GET
def need_detail(request: MemberPortalRequest, pk: int) -> HttpResponse:
    need = need_get_for_user(user=request.user, pk=pk, organization=request.organization)
    return render(
        request, "networks/strategies/portal/need_detail.html", {"need": need, "events": need_events(need=need)}
    )


NAV: tuple[NavEntry, ...] = (NavEntry(gettext_lazy("Needs"), "networks_portal:need_list", order=26),)
urlpatterns = [
    path("needs/", need_list, name="need_list"),
    path("needs/new/", need_create, name="need_create"),
    path("needs/<int:pk>/", need_detail, name="need_detail"),
]
ACCESS: dict[str, str] = {
    "networks_portal:need_list": ACCESS_PORTAL,
    "networks_portal:need_create": ACCESS_PORTAL_EDIT,
    "networks_portal:need_detail": ACCESS_PORTAL,
}
