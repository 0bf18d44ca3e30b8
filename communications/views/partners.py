"""Dashboard pages for Fairtrade partners and their API keys (administrators only): list and
create partners, see a partner's keys (prefix, scopes, expiry, last use), issue a key — shown
once, on the page that answers the form, and never again — and revoke one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clac.access import request_user, staff_required
from clac.api.scopes import SCOPES
from clac.auth.reauth import reauth_required
from clac.forms import add_service_errors
from clac.roles import StaffRole
from communications.forms import ApiKeyForm, PartnerForm
from communications.models import ApiKey
from communications.selectors import api_key_get_for_user, external_partner_get_for_user, external_partner_list
from communications.services import api_key_create, api_key_revoke, external_partner_create

PARTNERS_PER_PAGE = 50


def _key_state(key: ApiKey) -> tuple[str, str]:
    """(badge css status, label) for a key."""
    if key.revoked_at is not None:
        return "rejected", _("Revoked")
    if key.is_expired:
        return "withdrawn", _("Expired")
    return "active", _("Active")


@staff_required(StaffRole.ADMIN)
def partner_list(request: HttpRequest) -> HttpResponse:
    page_obj = Paginator(external_partner_list(), PARTNERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "communications/partners/partner_list.html", {"page_obj": page_obj})


@staff_required(StaffRole.ADMIN)
def partner_create(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = external_partner_create(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Partner %(name)s created.") % {"name": partner.name})
            return redirect("communications:partner_detail", pk=partner.pk)
    return render(request, "communications/partners/partner_form.html", {"form": form})


@staff_required(StaffRole.ADMIN)
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = external_partner_get_for_user(user=request.user, pk=pk)
    keys = list(partner.api_keys.select_related("created_by").order_by("-created_at", "-id"))
    for key in keys:
        key.state_css, key.state_label = _key_state(key)
    contacts = list(partner.contacts.order_by("name", "id"))
    return render(
        request,
        "communications/partners/partner_detail.html",
        {"partner": partner, "keys": keys, "contacts": contacts},
    )


@never_cache
@staff_required(StaffRole.ADMIN)
@reauth_required
def api_key_new(request: HttpRequest, pk: int) -> HttpResponse:
    partner = external_partner_get_for_user(user=request.user, pk=pk)
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, raw_key = api_key_create(
                partner=partner,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
                created_by=request_user(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"expires_at": "expires_on"})
        else:
            # Rendered, not redirected: the raw key lives only in this response (no session,
            # no cache), so reloading or going back never shows it again.
            return render(
                request,
                "communications/partners/api_key_created.html",
                {"partner": partner, "key": key, "raw_key": raw_key, "scope_labels": [SCOPES[s] for s in key.scopes]},
            )
    return render(request, "communications/partners/api_key_form.html", {"partner": partner, "form": form})


@require_http_methods(["GET", "POST"])
@staff_required(StaffRole.ADMIN)
@reauth_required
def api_key_revoke_view(request: HttpRequest, pk: int, key_pk: int) -> HttpResponse:
    """GET: a confirmation page (which key, what stops working); POST: revoke it."""
    key = api_key_get_for_user(user=request.user, partner_pk=pk, pk=key_pk)
    if request.method != "POST":
        if key.revoked_at is not None:
            messages.info(request, _("Key %(prefix)s… is already revoked.") % {"prefix": key.prefix})
            return redirect("communications:partner_detail", pk=pk)
        key.state_css, key.state_label = _key_state(key)
        return render(
            request,
            "communications/partners/api_key_revoke.html",
            {"partner": key.partner, "key": key, "scope_labels": [SCOPES.get(s, s) for s in key.scopes]},
        )
    api_key_revoke(api_key=key, actor=request_user(request))
    messages.success(request, _("Key %(prefix)s… revoked. It stops working now.") % {"prefix": key.prefix})
    return redirect("communications:partner_detail", pk=pk)
