"""Forms of the dues pages. They parse input; the rules live in finance.services.dues."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.models import DuesAdjustment, DuesInvoice, DuesPolicy, DuesRule
from members.models import Country


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DuesPolicyForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DuesRuleForm(forms.ModelForm):
    class Meta:
        model = DuesRule
        fields = [
            "position",
            "kind",
            "dues_category",
            "basis",
            "band_from",
            "band_to",
            "amount",
            "per_unit",
            "minimum",
            "maximum",
        ]
        help_texts = {
            "kind": _("Blank: every kind."),
            "dues_category": _("Blank: every category. Exempt members are never invoiced."),
            "per_unit": _("Per member or per unit of certified volume, added to the fixed amount."),
        }


class DuesInvoiceFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *DuesInvoice.Status.choices], required=False
    )
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name"), required=False, empty_label=_("All countries")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def filters(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if value}


class DuesAccountPaymentForm(forms.Form):
    """A payment from the organization with no invoice chosen: the service applies it to the
    oldest open invoices first and keeps the rest as credit."""

    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=14, decimal_places=2)
    currency = forms.CharField(
        label=_("Currency"), max_length=3, initial="USD", help_text=_("Three letters, e.g. USD, PEN.")
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class DuesPaymentForm(DuesAccountPaymentForm):
    invoices = forms.ModelMultipleChoiceField(
        label=_("Apply to"),
        queryset=DuesInvoice.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("If you choose no invoice: the oldest open invoices first. What is left is kept as credit."),
    )

    def __init__(self, *args: Any, open_invoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["invoices"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = open_invoices
        field.label_from_instance = lambda invoice: f"{invoice.number} · {invoice.balance} USD"  # type: ignore[method-assign,assignment]


class DuesPaymentFilterForm(forms.Form):
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput())
    received_to = forms.DateField(label=_("Received up to"), required=False, widget=DateInput())
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        required=False,
        error_messages={"invalid": _("Enter a currency as three letters, e.g. USD.")},
    )
    organization = forms.CharField(label=_("Organization"), max_length=100, required=False)

    def clean_currency(self) -> str:
        return (self.cleaned_data.get("currency") or "").upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", _("The end of the period must not be before its start."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if value}


class DuesAdjustForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DuesAdjustment.Kind.choices)
    amount = forms.DecimalField(
        label=_("Amount (USD)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Blank: the whole balance."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


__all__ = [
    "DuesAccountPaymentForm",
    "DuesAdjustForm",
    "DuesInvoiceFilterForm",
    "DuesPaymentFilterForm",
    "DuesPaymentForm",
    "DuesPolicy",
    "DuesPolicyForm",
    "DuesRuleForm",
]
