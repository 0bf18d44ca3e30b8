"""Forms of the staff registry pages. They parse and check input; the writes and the business
rules are in members.services, whose errors clac.forms.add_service_errors puts back on the form."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import rules
from members.languages import WORKING_LANGUAGES, language_choices, languages_canonical
from members.models import (
    E164_VALIDATOR,
    Certification,
    Country,
    Membership,
    Organization,
    Product,
    Subregion,
)
from members.selectors.organizations import EXPIRING_CERTIFICATION_DAYS, ReviewReason

__all__ = [
    "CertificationForm",
    "DecisionNoteForm",
    "ExpiringDaysForm",
    "MembershipTransitionForm",
    "OrganizationFilterForm",
    "OrganizationForm",
    "ProposalDecisionForm",
    "ReviewCloseForm",
    "ReviewQueueFilterForm",
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        # ISO format: what <input type="date"> sends and expects, whatever the language.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


ALL = _("All")


def _blank(choices: list[tuple[str, Any]], label: Any = ALL) -> list[tuple[str, Any]]:
    return [("", label), *choices]


# --- Registry list ------------------------------------------------------------------------


SORT_CHOICES = [
    ("name", _("Name (A to Z)")),
    ("-name", _("Name (Z to A)")),
    ("country", _("Country")),
    ("-country", _("Country (descending)")),
    ("kind", _("Kind")),
    ("-kind", _("Kind (descending)")),
    ("membership", _("Membership status")),
    ("-membership", _("Membership status (descending)")),
    ("flo_id", _("FLO ID")),
    ("-flo_id", _("FLO ID (descending)")),
    ("-updated", _("Recently updated")),
    ("updated", _("Least recently updated")),
]


class OrganizationFilterForm(forms.Form):
    """The registry list's GET parameters. The page and the export parse them with this form
    and hand `cleaned_data` to selectors.organization_list, so both show the same rows."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, FLO ID or locality")}),
    )
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.all(), to_field_name="code", required=False, empty_label=_("All")
    )
    subregion = forms.ChoiceField(label=_("Subregion"), choices=_blank(Subregion.choices), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=_blank(Organization.Kind.choices), required=False)
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.all(), to_field_name="code", required=False, empty_label=_("All")
    )
    membership_status = forms.ChoiceField(
        label=_("Membership"), choices=_blank(Membership.Status.choices), required=False
    )
    certification_status = forms.ChoiceField(
        label=_("Certification"), choices=_blank(Certification.Status.choices), required=False
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def filters(self) -> dict[str, Any]:
        """The valid filters, without empty ones."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


# --- Create and edit ----------------------------------------------------------------------


class ParentUnionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.name} ({obj.country_id})"


class OrganizationForm(forms.ModelForm):
    """Create or edit an organization. It is never saved: the view passes cleaned_data to
    organization_create / organization_update, which validate again and write history. The
    form is always built on a fresh instance (edits pass the current values as `initial`), so
    a refused edit never touches the organization the page shows."""

    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=24,
        help_text=_("International format, e.g. +51 987 654 321."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        choices=WORKING_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    parent = ParentUnionField(
        label=_("Parent union"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("For a cooperative that belongs to a second-tier union of the same country."),
    )

    class Meta:
        model = Organization
        fields = [
            "kind", "name", "legal_name", "tax_id", "country", "region", "locality", "address", "latitude",
            "longitude", "parent", "flo_id", "products", "founding_year", "website", "email", "phone", "languages",
            "description",
        ]  # fmt: skip
        widgets = {
            "products": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
            "address": forms.TextInput,
        }
        help_texts = {
            "flo_id": _("The number FLOCERT gave the organization, e.g. 2145. Leave empty for applicants without one."),
            "latitude": _("Decimal degrees, e.g. -11.1234 (south is negative)."),
            "longitude": _("Decimal degrees, e.g. -75.5678 (west is negative)."),
        }

    def __init__(self, *args: Any, organization: Organization | None = None, **kwargs: Any) -> None:
        if organization is not None and "initial" not in kwargs:
            kwargs["initial"] = model_to_dict(organization, fields=self._meta.fields)
            kwargs["initial"]["languages"] = languages_canonical(organization.languages)
        super().__init__(*args, **kwargs)
        self.organization = organization
        # The portal form offers the same list; a code stored before the list was shared and
        # missing from it is still offered, so saving without touching the field keeps it.
        languages = self.fields["languages"]
        assert isinstance(languages, forms.MultipleChoiceField)
        languages.choices = language_choices(organization.languages if organization is not None else ())
        unions = Organization.objects.filter(kind=Organization.Kind.SPO2).select_related("country").order_by("name")
        if organization is not None:
            unions = unions.exclude(pk=organization.pk)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        # A submitted form accepts any union and clean() explains a country mismatch; the list
        # shown offers the unions of the organization's country only, the one typed in the
        # form when it comes back with an error (plus the union chosen, so the error reads
        # against what the user picked).
        parent.queryset = unions
        if self.is_bound:
            country = self.data.get(self.add_prefix("country")) or ""
            chosen = self.data.get(self.add_prefix("parent")) or ""
        else:
            country, chosen = self.initial.get("country") or "", self.initial.get("parent") or ""
        if country:
            shown = unions.filter(Q(country=country) | Q(pk=chosen if str(chosen).isdigit() else None))
            parent.widget.choices = [("", parent.empty_label), *((u.pk, parent.label_from_instance(u)) for u in shown)]

    def clean_phone(self) -> str:
        phone = rules.phone_normalize(self.cleaned_data.get("phone") or "")
        if phone:
            E164_VALIDATOR(phone)
        return phone

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        parent, country = cleaned.get("parent"), cleaned.get("country")
        if parent is not None and country is not None and parent.country_id != country.pk:
            self.add_error(
                "parent",
                _("%(union)s is a union in %(country)s; the parent union must be in the same country.")
                % {"union": parent.name, "country": parent.country},
            )
        return cleaned

    def validate_unique(self) -> None:
        # The service checks FLO ID uniqueness and names the organization that holds it.
        return

    def validate_constraints(self) -> None:
        # Same: the services check what the constraints back up, with clearer messages.
        return

    def service_fields(self) -> dict[str, Any]:
        """Keyword arguments for organization_create / organization_update."""
        fields = dict(self.cleaned_data)
        fields["products"] = list(fields.get("products") or [])
        fields["languages"] = list(fields.get("languages") or [])
        return fields


# --- Membership and certification ---------------------------------------------------------


class MembershipTransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=Membership.Status.choices, widget=forms.RadioSelect)
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput, help_text=_("When the decision took effect."))
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("E.g. the board decision and its date. It stays in the membership history."),
    )
    override_reason = forms.CharField(
        label=_("Reason to activate without a current certificate"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_(
            "Activation needs a Fairtrade certificate that is certified or has permission to trade. "
            "Fill this in only to override that rule, e.g. while FLOCERT issues the certificate."
        ),
    )

    def __init__(self, *args: Any, allowed: tuple[str, ...], ask_override: bool, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("occurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        labels = dict(Membership.Status.choices)
        # Only the allowed next statuses are offered; any known status is accepted so that a
        # refused transition reaches the service, whose message explains what is allowed.
        self.fields["to_status"].widget.choices = [(status, labels[status]) for status in allowed]
        if not ask_override:
            del self.fields["override_reason"]

    def clean_occurred_on(self) -> datetime.date:
        occurred_on = self.cleaned_data["occurred_on"]
        if occurred_on > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return occurred_on


class CertificationForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Certification.Status.choices)
    cycle_start = forms.DateField(label=_("Cycle start"), required=False, widget=DateInput)
    cycle_end = forms.DateField(
        label=_("Cycle end"),
        required=False,
        widget=DateInput,
        help_text=_("A certification cycle lasts three years."),
    )
    last_audit_date = forms.DateField(label=_("Last audit"), required=False, widget=DateInput)
    last_audit_type = forms.ChoiceField(
        label=_("Last audit type"), choices=_blank(Certification.AuditType.choices, "—"), required=False
    )

    @classmethod
    def initial_for(cls, certification: Certification | None) -> dict[str, Any]:
        if certification is None:
            return {}
        return model_to_dict(certification, fields=list(cls.base_fields))


# --- Decisions ----------------------------------------------------------------------------


class DecisionNoteForm(forms.Form):
    """Closing a membership review: what was decided."""

    note = forms.CharField(
        label=_("What was decided"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("E.g. the certificate was reinstated. It stays in the membership history."),
    )


class ReviewQueueFilterForm(forms.Form):
    """The review queue's GET parameters (selectors.membership_review_queue filters)."""

    reason = forms.ChoiceField(label=_("Reason"), choices=_blank(ReviewReason.choices), required=False)
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.all(), to_field_name="code", required=False, empty_label=_("All")
    )
    older_than = forms.TypedChoiceField(
        label=_("Waiting"),
        choices=[
            ("", _("Any time")),
            (7, _("More than a week")),
            (30, _("More than 30 days")),
            (90, _("More than 90 days")),
            (365, _("More than a year")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def filters(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class _IdListField(forms.Field):
    """The ids of the rows ticked in a list (checkboxes sharing one name)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("The selection is not valid; reload the page and select again.")}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            ids = {int(item) for item in value}
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(not 0 < pk < 2**31 for pk in ids):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted(ids)


class ReviewCloseForm(forms.Form):
    """Closing the selected reviews of the queue with one decision note."""

    organizations = _IdListField(label=_("Selected memberships"), required=False)
    note = forms.CharField(
        label=_("What was decided"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text=_(
            "One note for every selected review, e.g. the certificate was reinstated. "
            "It stays in each membership's history."
        ),
    )


class ProposalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Note to the organization"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Required when rejecting."),
    )


class ExpiringDaysForm(forms.Form):
    days = forms.IntegerField(
        label=_("Cycle ends within (days)"), min_value=1, max_value=366, initial=EXPIRING_CERTIFICATION_DAYS
    )
