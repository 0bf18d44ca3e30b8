"""Forms of the donors pages: donors, agreements, tranches and reporting deadlines."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clac.forms import LocalizedDecimalField
from clac.strategic_lines import StrategicLine
from finance.forms.common import CurrencyField, DateInput
from finance.models import Donor


class DonorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Donor.Kind.choices)
    country = forms.RegexField(
        label=_("Country"),
        regex=r"^[A-Za-z]{2}$",
        required=False,
        max_length=2,
        help_text=_("Two-letter ISO code."),
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AgreementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reference = forms.CharField(label=_("Donor's reference"), max_length=100, required=False)
    currency = CurrencyField(initial="USD")
    amount = LocalizedDecimalField(label=_("Agreed amount"), max_digits=16, decimal_places=2)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    restricted = forms.BooleanField(
        label=_("Restricted"), required=False, help_text=_("Restricted money gets its own fund.")
    )
    strategic_lines = forms.MultipleChoiceField(
        label=_("Strategic lines it may pay for"),
        choices=StrategicLine.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    restrictions = forms.CharField(label=_("Restrictions"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class TrancheForm(forms.Form):
    expected_date = forms.DateField(label=_("Expected date"), widget=DateInput())
    expected_amount = LocalizedDecimalField(label=_("Expected amount"), max_digits=16, decimal_places=2)


class TrancheReceiveForm(forms.Form):
    received_date = forms.DateField(label=_("Received date"), widget=DateInput())
    amount = LocalizedDecimalField(label=_("Amount received"), max_digits=16, decimal_places=2)
    currency = CurrencyField()


class DeadlineForm(forms.Form):
    title = forms.CharField(label=_("Report"), max_length=200)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())


class DeadlineSubmitForm(forms.Form):
    submitted_on = forms.DateField(label=_("Submitted on"), widget=DateInput())
