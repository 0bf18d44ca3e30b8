"""Forms of the product strategy, needs and sustainability pages (dashboard and portal). They
parse input; the rules live in networks.services.strategies."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clac.forms import LocalizedDecimalField
from members.forms.pickers import OrganizationPickerField
from members.models import Country, Organization
from networks.models import (
    MarketTarget,
    Need,
    Network,
    ProductStrategy,
    StrategicLine,
    SustainabilityArea,
    SustainabilityStrategy,
)
from networks.selectors.strategies import SPO_KINDS, NeedFilters
from networks.services.strategies import MarketTargetData


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# --- Product strategies -----------------------------------------------------------------------


class ProductStrategyFilterForm(forms.Form):
    network = forms.ModelChoiceField(
        label=_("Network"),
        queryset=Network.objects.filter(kind=Network.Kind.PRODUCT).order_by("name"),
        required=False,
        empty_label=_("All product networks"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *ProductStrategy.Status.choices], required=False
    )


class ProductStrategyForm(forms.Form):
    network = forms.ModelChoiceField(label=_("Product network"), queryset=Network.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    start_year = forms.IntegerField(label=_("First year"), min_value=2000, max_value=2100)
    end_year = forms.IntegerField(label=_("Last year"), min_value=2000, max_value=2100)
    goals = forms.CharField(
        label=_("Goals"), widget=forms.Textarea(attrs={"rows": 6}), required=False, help_text=_("One goal per line.")
    )
    strategic_lines = forms.MultipleChoiceField(
        label=_("Strategic lines"),
        choices=StrategicLine.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The lines of CLAC's strategic plan this strategy serves."),
    )

    def __init__(self, *args: Any, networks: QuerySet[Network], strategy: ProductStrategy | None = None, **kw: Any):
        if strategy is not None:
            kw.setdefault(
                "initial",
                {
                    "network": strategy.network_id,
                    "title": strategy.title,
                    "start_year": strategy.start_year,
                    "end_year": strategy.end_year,
                    "goals": strategy.goals,
                    "strategic_lines": strategy.strategic_lines,
                },
            )
        super().__init__(*args, **kw)
        if strategy is not None:
            del self.fields["network"]
        else:
            network_field = cast(forms.ModelChoiceField, self.fields["network"])
            network_field.queryset = networks.filter(kind=Network.Kind.PRODUCT).order_by("name")


class MarketTargetForm(forms.Form):
    market = forms.CharField(label=_("Market"), max_length=150, help_text=_("A country or a segment."))
    target_value = LocalizedDecimalField(label=_("Target"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    unit = forms.ChoiceField(label=_("Unit"), choices=MarketTarget.Unit.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


MarketTargetFormSet = forms.formset_factory(MarketTargetForm, extra=3, max_num=40, validate_max=True)


def market_targets_initial(strategy: ProductStrategy) -> list[dict[str, Any]]:
    return [
        {"market": t.market, "target_value": t.target_value, "unit": t.unit, "year": t.year}
        for t in strategy.market_targets.all()
    ]


def market_targets_data(formset: Any) -> list[MarketTargetData]:
    """The filled rows of a valid formset (blank rows are left out)."""
    return [
        MarketTargetData(market=data["market"], target_value=data["target_value"], unit=data["unit"], year=data["year"])
        for data in (form.cleaned_data for form in formset.forms)
        if data
    ]


class ProductStrategyStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ProductStrategy.Status.choices)


# --- Needs ------------------------------------------------------------------------------------


class NeedFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Any category")), *Need.Category.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Not closed")), *Need.Status.choices, ("all", _("Any status"))],
        required=False,
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", _("Any priority")), *Need.Priority.choices], required=False
    )
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name"), required=False, empty_label=_("All countries")
    )
    network = forms.ModelChoiceField(
        label=_("Network"), queryset=Network.objects.order_by("name"), required=False, empty_label=_("All networks")
    )

    def filters(self, *, network: Network | None = None) -> NeedFilters:
        data = self.cleaned_data
        status = data.get("status") or ""
        return NeedFilters(
            category=data.get("category") or "",
            status="" if status in ("", "all") else status,
            open_only=status == "",
            priority=data.get("priority") or "",
            country=data.get("country"),
            network=network or data.get("network"),
        )


class NeedForm(forms.Form):
    """A need: raised in the portal (title, category, priority, description) or recorded by
    staff (with the organization and/or network it is for)."""

    organization = OrganizationPickerField(required=False, help_text=_("The organization that has this need."))
    network = forms.ModelChoiceField(
        label=_("Network"),
        queryset=Network.objects.none(),
        required=False,
        help_text=_("A need of a whole network, or the network where the organization raised it."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Need.Category.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Need.Priority.choices, initial=Need.Priority.MEDIUM)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)

    def __init__(
        self, *args: Any, networks: QuerySet[Network] | None = None, portal: bool = False, editing: bool = False, **kw
    ):
        super().__init__(*args, **kw)
        if portal or editing:
            del self.fields["organization"]
            del self.fields["network"]
        else:
            assert networks is not None
            cast(forms.ModelChoiceField, self.fields["network"]).queryset = networks.order_by("name")


class NeedAnswerForm(forms.Form):
    response = forms.CharField(
        label=_("Response"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_("The organization reads it in the portal."),
    )


class NeedStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Need.Status.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


# --- Sustainability strategies ----------------------------------------------------------------


class SustainabilityFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *SustainabilityStrategy.Status.choices], required=False
    )
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name"), required=False, empty_label=_("All countries")
    )
    network = forms.ModelChoiceField(
        label=_("Supporting network"),
        queryset=Network.objects.filter(kind=Network.Kind.COUNTRY).order_by("name"),
        required=False,
        empty_label=_("All country networks"),
    )
    area = forms.ChoiceField(
        label=_("Area"), choices=[("", _("Any area")), *SustainabilityArea.choices], required=False
    )


class SustainabilityStrategyForm(forms.Form):
    organization = OrganizationPickerField(
        queryset=Organization.objects.filter(kind__in=SPO_KINDS),
        help_text=_("A small producer organization (SPO or second-tier union): type its name or FLO ID."),
    )
    supporting_network = forms.ModelChoiceField(label=_("Supporting country network"), queryset=Network.objects.none())
    status = forms.ChoiceField(label=_("Status"), choices=SustainabilityStrategy.Status.choices)
    areas = forms.MultipleChoiceField(
        label=_("Areas"), choices=SustainabilityArea.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    adopted_on = forms.DateField(
        label=_("Adopted on"), widget=DateInput(), required=False, help_text=_("Required when the strategy is adopted.")
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)

    def __init__(
        self,
        *args: Any,
        networks: QuerySet[Network],
        strategy: SustainabilityStrategy | None = None,
        **kw: Any,
    ):
        if strategy is not None:
            kw.setdefault(
                "initial",
                {
                    "supporting_network": strategy.supporting_network_id,
                    "status": strategy.status,
                    "areas": strategy.areas,
                    "adopted_on": strategy.adopted_on,
                    "notes": strategy.notes,
                },
            )
        super().__init__(*args, **kw)
        supporting = cast(forms.ModelChoiceField, self.fields["supporting_network"])
        supporting.queryset = networks.filter(kind=Network.Kind.COUNTRY).order_by("name")
        if strategy is not None:
            del self.fields["organization"]
