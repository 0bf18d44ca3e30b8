"""Forms of the budgets pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clac.forms import LocalizedDecimalField
from finance.models import Account


class BudgetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class BudgetLineForm(forms.Form):
    account = forms.ModelChoiceField(
        label=_("Expense account"), queryset=Account.objects.filter(type=Account.Type.EXPENSE).order_by("code")
    )
    amount_usd = LocalizedDecimalField(label=_("Budget (USD)"), max_digits=16, decimal_places=2, min_value=0)
