"""Forms of the reviews pages (dashboard and portal). They parse input; the rules live in
networks.services.reviews."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clac.forms import LocalizedDecimalField
from members.models import Country, Product, Unit
from networks.models import PriceReference, Review
from networks.models.reviews import COST_CATEGORIES
from networks.views.meetings_forms import DateInput


class ReviewFilterForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.order_by("name"), required=False, empty_label=_("All products")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("Any kind")), *Review.Kind.choices], required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=[("", _("Any stage")), *Review.Stage.choices], required=False)


class ReviewForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.order_by("name"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Review.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    started_on = forms.DateField(label=_("Started on"), widget=DateInput(), required=False)


class ReviewMoveForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to"), choices=Review.Stage.choices)
    effective_on = forms.DateField(label=_("Date"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, stages: list[tuple[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stages is not None:
            self.fields["to_stage"].choices = stages  # type: ignore[attr-defined]


class ReviewDocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    stage = forms.ChoiceField(label=_("Stage"), choices=Review.Stage.choices)
    file = forms.FileField(label=_("File"), help_text=_("PDF, Word, Excel, OpenDocument, CSV or text; up to 20 MB."))


class RoundForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput())
    closes_on = forms.DateField(label=_("Closes on"), widget=DateInput())
    reminder_days = forms.IntegerField(label=_("Reminder days before closing"), min_value=0, max_value=60, initial=7)
    open_questions = forms.CharField(
        label=_("Open questions"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("One question per line. Every round also asks the structured cost questions."),
    )

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["open_questions"] = [line for line in data.get("open_questions", "").splitlines() if line.strip()]
        return data


class InviteForm(forms.Form):
    countries = forms.ModelMultipleChoiceField(
        label=_("Countries"),
        queryset=Country.objects.order_by("name"),
        required=False,
        help_text=_("Leave empty to invite the network's members in every country."),
    )


class PriceReferenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PriceReference.Kind.choices)
    minimum_price = LocalizedDecimalField(label=_("Minimum price"), max_digits=12, decimal_places=4)
    premium = LocalizedDecimalField(label=_("Fairtrade premium"), max_digits=12, decimal_places=4)
    organic_differential = LocalizedDecimalField(
        label=_("Organic differential"), max_digits=12, decimal_places=4, required=False
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="USD")
    incoterm = forms.ChoiceField(label=_("Incoterm"), choices=PriceReference.Incoterm.choices)
    effective_from = forms.DateField(label=_("Effective from"), widget=DateInput())
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)


class PriceReferenceFilterForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.order_by("name"), required=False, empty_label=_("All products")
    )


class ConsultationAnswerForm(forms.Form):
    """The portal's questionnaire: the structured cost questions and the round's open ones."""

    currency = forms.CharField(
        label=_("Currency of the costs"),
        max_length=3,
        required=False,
        help_text=_("Three-letter code, e.g. USD, PEN, COP."),
    )
    cost_labour = LocalizedDecimalField(label=_("Labour"), max_digits=14, decimal_places=4, required=False)
    cost_inputs = LocalizedDecimalField(label=_("Inputs"), max_digits=14, decimal_places=4, required=False)
    cost_certification = LocalizedDecimalField(
        label=_("Certification"), max_digits=14, decimal_places=4, required=False
    )
    cost_processing = LocalizedDecimalField(label=_("Processing"), max_digits=14, decimal_places=4, required=False)
    cost_transport = LocalizedDecimalField(label=_("Transport"), max_digits=14, decimal_places=4, required=False)
    cost_administration = LocalizedDecimalField(
        label=_("Administration"), max_digits=14, decimal_places=4, required=False
    )
    yield_per_hectare = LocalizedDecimalField(
        label=_("Yield per hectare"), max_digits=12, decimal_places=2, required=False
    )
    hectares = LocalizedDecimalField(label=_("Hectares"), max_digits=12, decimal_places=2, required=False)
    labour_days = LocalizedDecimalField(
        label=_("Labour days per hectare"), max_digits=10, decimal_places=1, required=False
    )
    volume = LocalizedDecimalField(
        label=_("Volume produced last year"),
        max_digits=16,
        decimal_places=2,
        required=False,
        help_text=_("In the product's unit of trade."),
    )
    comments = forms.CharField(label=_("Comments"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, questions: list[str], unit_label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for name in COST_CATEGORIES:
            self.fields[f"cost_{name}"].help_text = unit_label
        for index, question in enumerate(questions):
            self.fields[f"open_{index}"] = forms.CharField(
                label=question, widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
            )

    def service_fields(self) -> dict[str, Any]:
        data = {name: value for name, value in self.cleaned_data.items() if not name.startswith("open_")}
        data["currency"] = (data.get("currency") or "").strip().upper()
        data["open_answers"] = [self.cleaned_data.get(f"open_{i}", "") for i in range(len(self.questions))]
        return data


__all__ = [
    "ConsultationAnswerForm",
    "InviteForm",
    "PriceReferenceFilterForm",
    "PriceReferenceForm",
    "ReviewDocumentForm",
    "ReviewFilterForm",
    "ReviewForm",
    "ReviewMoveForm",
    "RoundForm",
]
