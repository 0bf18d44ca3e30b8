"""Forms of the partner pages."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models.fields import BLANK_CHOICE_LABEL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from clac.api.scopes import SCOPES
from communications.models import ExternalPartner


class PartnerForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ExternalPartner.Kind.choices)
    # A select of ISO 3166 countries named in the reader's language; optional.
    country = ExternalPartner._meta.get_field("country").formfield(label=gettext_lazy("Country"), required=False)
    website = forms.URLField(label=gettext_lazy("Website"), required=False, assume_scheme="https")
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)
    notes = forms.CharField(label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Countries named and sorted in the reader's language, with the blank choice every other
        # select shows (django-countries' own is "---------").
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", BLANK_CHOICE_LABEL), *countries]


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
