"""Forms of the exchange-rates page: filters, one rate, a CSV file. The service validates
again and reports by field, so the rules and messages are the same for the page and the file."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from members.services.rates import RATE_IMPORT_MAX_BYTES

__all__ = ["ExchangeRateFilterForm", "ExchangeRateForm", "ExchangeRateImportForm"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        # ISO format: what <input type="date"> sends and expects, whatever the language.
        super().__init__(format="%Y-%m-%d", **kwargs)


class ExchangeRateFilterForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = [("", _("All")), *((code, code) for code in currencies)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        help_text=_("Three-letter ISO code, e.g. PEN, COP, EUR."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 4}),
    )
    date = forms.DateField(
        label=_("Date"), widget=DateInput, help_text=_("Reports use the latest rate on or before 31 December.")
    )
    usd_per_unit = forms.CharField(
        label=_("USD per unit"),
        max_length=30,
        help_text=_("How many US dollars one unit of the currency is worth, e.g. 0.2667 for one sol."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    source = forms.CharField(
        label=_("Source"), required=False, max_length=100, help_text=_("E.g. the central bank's published rate.")
    )


class ExchangeRateImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns currency, date (YYYY-MM-DD), usd_per_unit and optionally source, with a header line; "
            "comma or semicolon separated."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > RATE_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB; split it."))
        return upload
