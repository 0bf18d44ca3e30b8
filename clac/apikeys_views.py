"""Dashboard pages for Fairtrade partners and their API keys (administrators only): list and
create partners, see a partner's keys (prefix, scopes, expiry, last use), issue a key — shown
once, on the page that answers the form, and never again — and revoke one."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clac.access import staff_required
from clac.api.scopes import SCOPES
from clac.models import ApiKey
from clac.roles import StaffRole
from clac.services import api_key_create, api_key_revoke, external_partner_create
from communications.models import ExternalPartner

PARTNERS_PER_PAGE = 50


class PartnerForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ExternalPartner.Kind.choices)
    country = forms.CharField(label=gettext_lazy("Country"), max_length=100, required=False)
    website = forms.URLField(label=gettext_lazy("Website"), required=False, assume_scheme="https")
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)
    notes = forms.CharField(label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Label"),
        max_length=100,
        help_text=gettext_lazy("What the key is for, e.g. “Producer map 2026”."),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        choices=list(SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Give only what the partner needs. Personal data needs “people:read”."),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The key works until the end of this day. Leave empty for a key that does not expire."),
    )

    def clean_expires_on(self) -> datetime.date | None:
        value = self.cleaned_data["expires_on"]
        if value is not None and value < timezone.localdate():
            raise ValidationError(_("The expiry date cannot be in the past."))
        return value

    def expires_at(self) -> datetime.datetime | None:
        """The first moment after the chosen day, in the site's time zone."""
        value = self.cleaned_data.get("expires_on")
        if value is None:
            return None
        next_day = datetime.datetime.combine(value + datetime.timedelta(days=1), datetime.time.min)
        return timezone.make_aware(next_day)


def _add_service_errors(form: forms.Form, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Show a service's field-keyed errors on the form's fields (the rest at the top)."""
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, messages_ in exc.message_dict.items():
        target = field_map.get(field, field)
        form.add_error(target if target in form.fields else None, messages_)


def _key_state(key: ApiKey) -> tuple[str, str]:
    """(badge css status, label) for a key."""
    if key.revoked_at is not None:
        return "rejected", _("Revoked")
    if key.is_expired:
        return "withdrawn", _("Expired")
    return "active", _("Active")


@staff_required(StaffRole.ADMIN)
def partner_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    not_expired = Q(api_keys__expires_at__isnull=True) | Q(api_keys__expires_at__gt=now)
    usable = Q(api_keys__revoked_at__isnull=True) & not_expired
    partners = ExternalPartner.objects.annotate(
        key_count=Count("api_keys"), usable_key_count=Count("api_keys", filter=usable)
    ).order_by("name")
    page_obj = Paginator(partners, PARTNERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "dashboard/partners/partner_list.html", {"page_obj": page_obj})


@staff_required(StaffRole.ADMIN)
def partner_create(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = external_partner_create(**form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Partner %(name)s created.") % {"name": partner.name})
            return redirect("dashboard:partner_detail", pk=partner.pk)
    return render(request, "dashboard/partners/partner_form.html", {"form": form})


@staff_required(StaffRole.ADMIN)
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(ExternalPartner, pk=pk)
    keys = list(partner.api_keys.select_related("created_by").order_by("-created_at", "-id"))
    for key in keys:
        key.state_css, key.state_label = _key_state(key)
    return render(request, "dashboard/partners/partner_detail.html", {"partner": partner, "keys": keys})


@never_cache
@staff_required(StaffRole.ADMIN)
def api_key_new(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(ExternalPartner, pk=pk)
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, raw_key = api_key_create(
                partner=partner,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
                created_by=request.user,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc, {"expires_at": "expires_on"})
        else:
            # Rendered, not redirected: the raw key lives only in this response (no session,
            # no cache), so reloading or going back never shows it again.
            return render(
                request,
                "dashboard/partners/api_key_created.html",
                {"partner": partner, "key": key, "raw_key": raw_key, "scope_labels": [SCOPES[s] for s in key.scopes]},
            )
    return render(request, "dashboard/partners/api_key_form.html", {"partner": partner, "form": form})


@require_POST
@staff_required(StaffRole.ADMIN)
def api_key_revoke_view(request: HttpRequest, pk: int, key_pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=key_pk, partner_id=pk)
    api_key_revoke(api_key=key, actor=request.user)
    messages.success(request, _("Key %(prefix)s… revoked. It stops working now.") % {"prefix": key.prefix})
    return redirect("dashboard:partner_detail", pk=pk)


urlpatterns = [
    path("partners/", partner_list, name="partner_list"),
    path("partners/new/", partner_create, name="partner_create"),
    path("partners/<int:pk>/", partner_detail, name="partner_detail"),
    path("partners/<int:pk>/keys/new/", api_key_new, name="api_key_create"),
    path("partners/<int:pk>/keys/<int:key_pk>/revoke/", api_key_revoke_view, name="api_key_revoke"),
]
