"""Shared pieces of the finance forms: a date input and the report-currency picker."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.money import USD


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class CurrencyField(forms.RegexField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Currency"))
        kwargs.setdefault("max_length", 3)
        super().__init__(
            regex=r"^[A-Za-z]{3}$",
            error_messages={"invalid": _("Use a three-letter ISO currency code, e.g. USD.")},
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        return (super().clean(value) or "").upper()


class ReportCurrencyForm(forms.Form):
    """`?currency=` on the report pages: USD unless another code is chosen."""

    currency = CurrencyField(required=False, label=_("Report currency"), help_text=_("USD unless you choose another."))

    def currency_value(self) -> str:
        if self.is_valid():
            return self.cleaned_data["currency"] or USD
        return USD
