"""Forms of the support-funds pages (dashboard and portal). They read and check what people type;
the rules (eligibility, dates, budget cap) are finance.services.support's."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clac.forms import LocalizedDecimalField, parse_localized_number
from finance.models import Fund, FundingCall, ScoringCriterion
from finance.services.support import CALL_OPEN_EDITABLE
from members.models import Country, Membership, Organization, ProductNetwork

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _lines(text: str, *, columns: int, error: Any) -> list[list[str]]:
    rows = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        parts = [part.strip() for part in raw.split("|")]
        if len(parts) != columns or not all(parts):
            raise forms.ValidationError(error)
        rows.append(parts)
    return rows


def _decimal(text: str, error: Any) -> Decimal:
    try:
        return Decimal(parse_localized_number(text))
    except InvalidOperation:
        raise forms.ValidationError(error) from None


class CallForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.filter(active=True))
    budget = LocalizedDecimalField(label=_("Budget (USD)"), max_digits=14, decimal_places=2)
    opens_on = forms.DateField(label=_("Opens on"), widget=DATE)
    closes_on = forms.DateField(label=_("Closes on"), widget=DATE)
    eligible_kinds = forms.MultipleChoiceField(
        label=_("Organization kinds"),
        choices=Organization.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for any kind."),
    )
    eligible_countries = forms.MultipleChoiceField(
        label=_("Countries"), choices=(), required=False, help_text=_("Leave empty for any country.")
    )
    eligible_product_networks = forms.MultipleChoiceField(
        label=_("Products"),
        choices=ProductNetwork.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The organization must trade a product of one of these networks. Leave all unticked for any product."
        ),
    )
    eligible_membership_statuses = forms.MultipleChoiceField(
        label=_("Membership statuses"),
        choices=Membership.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for any status."),
    )
    criteria = forms.CharField(
        label=_("Scoring criteria"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: name | weight | maximum score, e.g. “Climate impact | 2 | 5”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["eligible_countries"].choices = [(c.code, str(c)) for c in Country.objects.all()]  # type: ignore[attr-defined]

    def clean_criteria(self) -> list[tuple[str, Decimal, int]]:
        error = _("Write each criterion as: name | weight | maximum score.")
        criteria = []
        for name, weight, maximum in _lines(self.cleaned_data["criteria"], columns=3, error=error):
            if not maximum.isdigit():
                raise forms.ValidationError(error)
            criteria.append((name[:200], _decimal(weight, error), int(maximum)))
        if not criteria:
            raise forms.ValidationError(error)
        return criteria


class CallEditForm(CallForm):
    """The creation form filled from the call; on an open call the fields its status fixes are
    disabled (shown, not sent, and never passed to the service: `changes()`)."""

    def __init__(self, *args: Any, call: FundingCall, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "title": call.title,
                "description": call.description,
                "fund": call.fund_id,
                "budget": call.budget,
                "opens_on": call.opens_on,
                "closes_on": call.closes_on,
                "eligible_kinds": call.eligible_kinds,
                "eligible_countries": call.eligible_countries,
                "eligible_product_networks": call.eligible_product_networks,
                "eligible_membership_statuses": call.eligible_membership_statuses,
                "criteria": "\n".join(
                    f"{c.name} | {format(c.weight.normalize(), 'f')} | {c.max_score}" for c in call.criteria.all()
                ),
            },
        )
        super().__init__(*args, **kwargs)
        # A fund closed since the draft was written stays selectable as the current value.
        self.fields["fund"].queryset = Fund.objects.filter(Q(active=True) | Q(pk=call.fund_id))  # type: ignore[attr-defined]
        if call.status != FundingCall.Status.DRAFT:
            for name, field in self.fields.items():
                if name not in CALL_OPEN_EDITABLE:
                    field.disabled = True
                    field.help_text = _("Fixed once the call is open.")

    def changes(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if not self.fields[name].disabled}


class CallStatusForm(forms.Form):
    status = forms.ChoiceField(choices=FundingCall.Status.choices)


class ScoreForm(forms.Form):
    """One field per criterion of the call."""

    def __init__(self, *args: Any, criteria: list[ScoringCriterion], initial_scores: dict[int, int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.name} (0-{criterion.max_score})",
                min_value=0,
                max_value=criterion.max_score,
                initial=initial_scores.get(criterion.pk),
            )

    def scores(self) -> dict[int, int]:
        return {int(name.removeprefix("criterion_")): value for name, value in self.cleaned_data.items()}


class ApproveForm(forms.Form):
    amount = LocalizedDecimalField(label=_("Approved amount (USD)"), max_digits=14, decimal_places=2)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class TrancheForm(forms.Form):
    amount = LocalizedDecimalField(label=_("Amount (USD)"), max_digits=14, decimal_places=2)
    planned_on = forms.DateField(label=_("Planned date"), widget=DATE)


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)


class ReportReviewForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Decision"),
        choices=(("1", _("Accept the report")), ("0", _("Ask for changes"))),
        coerce=lambda value: value == "1",
    )
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


# --- Portal -------------------------------------------------------------------------------------


class ApplicationForm(forms.Form):
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        initial="USD",
        help_text=_("Three letters (USD, PEN, COP…). Other currencies are valued in USD at the submission date."),
    )
    requested_amount = LocalizedDecimalField(label=_("Requested amount"), max_digits=14, decimal_places=2)
    plan = forms.CharField(label=_("Plan"), widget=forms.Textarea(attrs={"rows": 6}))
    budget_lines = forms.CharField(
        label=_("Budget lines"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line: description | amount. They must add up to the requested amount."),
    )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def clean_budget_lines(self) -> list[tuple[str, Decimal]]:
        error = _("Write each budget line as: description | amount.")
        return [
            (description[:300], _decimal(amount, error))
            for description, amount in _lines(self.cleaned_data["budget_lines"], columns=2, error=error)
        ]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment"), help_text=_("PDF, office document or picture, 10 MB at most."))


class ReportForm(forms.Form):
    text = forms.CharField(label=_("Report"), widget=forms.Textarea(attrs={"rows": 8}))
    attachment = forms.FileField(
        label=_("Attachment"), required=False, help_text=_("PDF, office document or picture, 10 MB at most.")
    )
