"""Forms of the books pages: accounts, funds, the journal filters, the manual journal entry
(a header and a formset of lines: account, fund, debit or credit, memo) and the reversal."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clac.forms import LocalizedDecimalField
from clac.strategic_lines import StrategicLine
from finance.forms.common import CurrencyField, DateInput
from finance.models import Account, Fund, JournalEntry
from finance.services.ledger import LineInput


class AccountForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=200)
    type = forms.ChoiceField(label=_("Type"), choices=Account.Type.choices)
    income_category = forms.ChoiceField(
        label=_("Income category"), choices=[("", "—"), *Account.IncomeCategory.choices], required=False
    )
    strategic_line = forms.ChoiceField(
        label=_("Strategic line"), choices=[("", "—"), *StrategicLine.choices], required=False
    )


class FundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=[c for c in Fund.Kind.choices if c[0] != Fund.Kind.RESTRICTED])
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class JournalFilterForm(forms.Form):
    q = forms.CharField(label=_("Description contains"), required=False, max_length=100)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.all(), required=False)
    account = forms.ModelChoiceField(label=_("Account"), queryset=Account.objects.all(), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=[("", "—"), *JournalEntry.Source.choices], required=False)

    def filters(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


class JournalEntryForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    description = forms.CharField(label=_("Description"), max_length=300)
    currency = CurrencyField(initial="USD")


class JournalLineForm(forms.Form):
    account = forms.ModelChoiceField(
        label=_("Account"), queryset=Account.objects.filter(active=True).order_by("code"), required=False
    )
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.filter(active=True), required=False)
    debit = LocalizedDecimalField(label=_("Debit"), required=False, max_digits=16, decimal_places=2, min_value=0)
    credit = LocalizedDecimalField(label=_("Credit"), required=False, max_digits=16, decimal_places=2, min_value=0)
    memo = forms.CharField(label=_("Memo"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = any(data.get(name) not in (None, "") for name in ("account", "fund", "debit", "credit", "memo"))
        if not filled:
            return data
        if data.get("account") is None:
            self.add_error("account", _("Choose the account."))
        if data.get("fund") is None:
            self.add_error("fund", _("Choose the fund."))
        debit, credit = data.get("debit"), data.get("credit")
        if debit and credit:
            self.add_error("credit", _("A line is either a debit or a credit."))
        elif not debit and not credit:
            self.add_error("debit", _("Enter a debit or a credit."))
        return data

    def line(self) -> LineInput | None:
        data = self.cleaned_data
        if not data or data.get("account") is None:
            return None
        amount = data.get("debit") or -(data.get("credit") or Decimal(0))
        return LineInput(account=data["account"], fund=data["fund"], amount=amount, memo=data.get("memo") or "")


JournalLineFormSet = forms.formset_factory(JournalLineForm, extra=4, max_num=40, absolute_max=60, validate_max=True)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
    date = forms.DateField(
        label=_("Date of the reversal"), required=False, widget=DateInput(), help_text=_("The original date if empty.")
    )
