"""Forms of the audience, suppression and partner contact pages. They check the shape of the
input; the services validate the rules and say what is wrong in the user's language."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from communications.models import Audience, ExternalPartner, Suppression
from members.models import Affiliation, Country, Membership, Organization, Product
from networks.models import Network

CHANNEL_CHOICES = [
    ("email", gettext_lazy("Email")),
    ("sms", gettext_lazy("SMS")),
    ("whatsapp", gettext_lazy("WhatsApp")),
]


class AudienceForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=Audience.Scope.choices)
    organization_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Organization kinds"),
        choices=Organization.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    countries = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Countries"),
        queryset=Country.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    networks = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Networks"),
        queryset=Network.objects.order_by("kind", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Organizations that are members of the network today."),
    )
    products = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Products"),
        queryset=Product.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    membership_statuses = forms.MultipleChoiceField(
        label=gettext_lazy("Membership statuses"),
        choices=Membership.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    affiliation_roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles"),
        choices=Affiliation.Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    primary_contacts_only = forms.BooleanField(label=gettext_lazy("Primary contacts only"), required=False)
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The person's preferred language."),
    )
    partner_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Partner kinds"),
        choices=ExternalPartner.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("External audiences only."),
    )

    @classmethod
    def initial_for(cls, audience: Audience) -> dict[str, Any]:
        return {
            "name": audience.name,
            "description": audience.description,
            "scope": audience.scope,
            "organization_kinds": audience.organization_kinds,
            "countries": list(audience.countries.all()),
            "networks": list(audience.networks.all()),
            "products": list(audience.products.all()),
            "membership_statuses": audience.membership_statuses,
            "affiliation_roles": audience.affiliation_roles,
            "primary_contacts_only": audience.primary_contacts_only,
            "languages": audience.languages,
            "partner_kinds": audience.partner_kinds,
        }


class PreviewChannelForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=CHANNEL_CHOICES, required=False)


class SuppressionForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Suppression.Channel.choices)
    address = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=254,
        help_text=gettext_lazy("An email address, or a phone number in international format (+51…)."),
    )
    detail = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


class SuppressionRemoveForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why may this address receive campaigns again?"), max_length=100, required=True
    )


class PartnerContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    position = forms.CharField(label=gettext_lazy("Position"), max_length=200, required=False)
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=16,
        required=False,
        help_text=gettext_lazy("International format, e.g. +4922194..."),
    )
    preferred_language = forms.ChoiceField(label=gettext_lazy("Preferred language"), choices=settings.LANGUAGES)
    email_consent_at = forms.DateTimeField(
        label=gettext_lazy("Email consent given"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    sms_consent_at = forms.DateTimeField(
        label=gettext_lazy("SMS consent given"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    whatsapp_consent_at = forms.DateTimeField(
        label=gettext_lazy("WhatsApp consent given"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    consent_method = forms.CharField(
        label=gettext_lazy("How consent was given"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("E.g. signed form at the NFO assembly, email of 3 March. Empty dates: no consent."),
    )
    notes = forms.CharField(label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class PartnerContactNewForm(PartnerContactForm):
    partner = forms.ModelChoiceField(label=gettext_lazy("Partner"), queryset=ExternalPartner.objects.order_by("name"))
    field_order = ["partner"]
