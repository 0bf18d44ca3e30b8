"""Forms of the member portal. They parse and present input only; the members services hold
the rules and raise ValidationError keyed by field, which clac.forms.add_service_errors puts back on
the form so the user sees each message next to what they typed."""

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clac.forms import LocalizedDecimalField, LocalizedIntegerField
from members import rules
from members.languages import WORKING_LANGUAGES, language_choices, languages_canonical
from members.models import (
    Affiliation,
    Consent,
    Country,
    Organization,
    OrganizationChangeProposal,
    Person,
    PremiumUse,
    Product,
)
from members.normalize import normalize_email

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The portal records consent on these channels (phone calls are agreed with CLAC staff).
PORTAL_CONSENT_CHANNELS = (Consent.Channel.EMAIL, Consent.Channel.SMS, Consent.Channel.WHATSAPP)

# Local currency of each CLAC country, offered next to USD and EUR for the premium received.
# Ecuador, El Salvador and Panama trade in US dollars.
LOCAL_CURRENCIES = {
    "MX": "MXN", "GT": "GTQ", "BZ": "BZD", "HN": "HNL", "SV": "USD", "NI": "NIO", "CR": "CRC", "PA": "USD",
    "CU": "CUP", "DO": "DOP", "HT": "HTG", "JM": "JMD", "DM": "XCD", "LC": "XCD", "VC": "XCD", "GD": "XCD",
    "CO": "COP", "EC": "USD", "PE": "PEN", "BO": "BOB", "BR": "BRL", "PY": "PYG", "CL": "CLP", "AR": "ARS",
}  # fmt: skip

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

PHONE_HELP = _("The local number, e.g. 987 654 321, or + then country code and number for another country.")


def clean_local_phone(raw: str, *, country_code: str, country_name: str = "") -> str:
    """A phone typed the local way or in international format, in E.164 with the
    organization's country code (members.rules.phone_local_to_e164); the service then checks
    the E.164 form."""
    phone = rules.phone_local_to_e164(raw or "", country_code=country_code)
    if phone is None:
        raise ValidationError(
            _("%(phone)s is not a phone number of %(country)s. Check it, or write + then country code and number.")
            % {"phone": raw.strip(), "country": country_name or country_code}
        )
    return phone


class OrganizationContactForm(forms.Form):
    """What a portal editor changes directly. Legal name, FLO ID, country and kind are not
    here: they change only through a proposal that CLAC staff decide."""

    name = forms.CharField(label=_("Name in common use"), max_length=200)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=24,
        required=False,
        help_text=PHONE_HELP,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    region = forms.CharField(label=_("Region, department or state"), max_length=100, required=False)
    locality = forms.CharField(label=_("Locality"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    latitude = LocalizedDecimalField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=_("Decimal degrees, e.g. -10.93 (south of the Equator is negative)."),
        grouping=False,
    )
    longitude = LocalizedDecimalField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        help_text=_("Decimal degrees, e.g. -74.81 (all of Latin America is negative)."),
        grouping=False,
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products"),
        queryset=Product.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    founding_year = forms.IntegerField(
        label=_("Founding year"), required=False, min_value=rules.FOUNDING_YEAR_MIN, max_value=rules.YEAR_MAX
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        choices=WORKING_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("About the organization"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    FIELDS = (
        "name", "email", "phone", "website", "region", "locality", "address", "latitude", "longitude", "products",
        "founding_year", "languages", "description",
    )  # fmt: skip

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_for(organization))
        super().__init__(*args, **kwargs)
        self.country_code = organization.country_id or ""
        self.country_name = str(organization.country) if organization.country_id else ""
        # The staff form offers the same list; a code stored before the list was shared and
        # missing from it is still offered, so saving without touching the field keeps it.
        languages = self.fields["languages"]
        assert isinstance(languages, forms.MultipleChoiceField)
        languages.choices = language_choices(organization.languages)

    @classmethod
    def initial_for(cls, organization: Organization) -> dict[str, Any]:
        initial = {name: getattr(organization, name) for name in cls.FIELDS if name != "products"}
        initial["products"] = list(organization.products.values_list("pk", flat=True))
        initial["languages"] = languages_canonical(organization.languages)
        return initial

    def _coordinate(self, name: str) -> Decimal | None:
        # Phones give GPS positions with many decimals; six (about 10 cm) is what we store.
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)

    def clean_phone(self) -> str:
        return clean_local_phone(
            self.cleaned_data.get("phone") or "", country_code=self.country_code, country_name=self.country_name
        )

    def clean_latitude(self) -> Decimal | None:
        return self._coordinate("latitude")

    def clean_longitude(self) -> Decimal | None:
        return self._coordinate("longitude")

    def clean_founding_year(self) -> int | None:
        year = self.cleaned_data.get("founding_year")
        if year is not None and (problem := rules.founding_year_problem(year, timezone.localdate())):
            raise ValidationError(problem)
        return year

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values under the names organization_update takes."""
        data = {name: self.cleaned_data[name] for name in self.FIELDS}
        for name in ("email", "phone", "website", "region", "locality", "address", "description"):
            data[name] = data[name] or ""
        data["products"] = list(data["products"])
        return data


class ChangeProposalForm(forms.Form):
    """Propose a new legal name, FLO ID, country or kind. The value input suits the field:
    a list of countries, a list of kinds, or text."""

    field = forms.ChoiceField(
        label=_("What to change"), choices=OrganizationChangeProposal.Field.choices, widget=forms.HiddenInput
    )
    proposed_value = forms.CharField(label=_("New value"), max_length=300)
    reason = forms.CharField(
        label=_("Why"),
        help_text=_("For example: the assembly approved a new name on this date; FLOCERT gave us this ID."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, field: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("field", field)
        super().__init__(*args, **kwargs)
        value = self.fields["proposed_value"]
        if field == OrganizationChangeProposal.Field.COUNTRY:
            value.widget = forms.Select(
                choices=[("", "—"), *((c.code, str(c)) for c in Country.objects.order_by("name"))]
            )
            value.label = _("New country")
        elif field == OrganizationChangeProposal.Field.KIND:
            value.widget = forms.Select(choices=[("", "—"), *Organization.Kind.choices])
            value.label = _("New kind of organization")
        elif field == OrganizationChangeProposal.Field.FLO_ID:
            assert isinstance(value, forms.CharField)
            value.max_length = 7
            value.widget = forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 7})
            value.label = _("New FLO ID")
            value.help_text = _("The number FLOCERT gave the organization: 1 to 7 digits.")
        else:
            value.label = _("New legal name")
            value.help_text = _("Exactly as it appears in the organization's registration documents.")


class PersonForm(forms.Form):
    """A person's contact data and their consent to be contacted on each channel."""

    CONSENT_CHOICES = [("", _("Not asked yet")), ("yes", _("Agrees")), ("no", _("Does not agree"))]

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=24,
        required=False,
        help_text=PHONE_HELP,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES, initial="es")
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Person.Gender.choices], required=False)
    email_secondary = forms.EmailField(label=_("Second email"), required=False)
    birth_year = forms.IntegerField(
        label=_("Birth year"), required=False, min_value=rules.BIRTH_YEAR_MIN, max_value=rules.YEAR_MAX
    )
    consent_email = forms.ChoiceField(
        label=_("Agrees to receive email from CLAC"), choices=CONSENT_CHOICES, required=False
    )
    consent_sms = forms.ChoiceField(label=_("Agrees to receive SMS from CLAC"), choices=CONSENT_CHOICES, required=False)
    consent_whatsapp = forms.ChoiceField(
        label=_("Agrees to receive WhatsApp messages from CLAC"), choices=CONSENT_CHOICES, required=False
    )

    PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "preferred_language", "gender", "email_secondary",
                     "birth_year")  # fmt: skip

    def __init__(
        self,
        *args: Any,
        person: Person | None = None,
        consents: dict[str, Consent] | None = None,
        country_code: str = "",
        country_name: str = "",
        **kwargs: Any,
    ):
        self.person = person
        self.consents = consents or {}
        # The organization's country: a local phone number takes its country code.
        self.country_code = country_code
        self.country_name = country_name
        if person is not None:
            initial = {name: getattr(person, name) for name in self.PERSON_FIELDS}
            for channel, consent in self.consents.items():
                initial[f"consent_{channel}"] = "yes" if consent.granted else "no"
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    # Fields most people leave empty go in a collapsed section of the page.
    OPTIONAL_FIELDS = ("gender", "email_secondary", "birth_year")
    CONSENT_FIELDS = ("consent_email", "consent_sms", "consent_whatsapp")

    def main_fields(self) -> list[forms.BoundField]:
        skip = {*self.OPTIONAL_FIELDS, *self.CONSENT_FIELDS}
        return [field for field in self.visible_fields() if field.name not in skip]

    def optional_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.OPTIONAL_FIELDS]

    def consent_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CONSENT_FIELDS]

    def optional_section_open(self) -> bool:
        return any(field.errors or field.value() not in (None, "") for field in self.optional_fields())

    def clean_email(self) -> str:
        # Uniqueness is the service's (members.services.people): it refuses only an email of
        # someone in this organization, so the portal never tells whether an email is known
        # elsewhere in CLAC.
        return normalize_email(self.cleaned_data.get("email") or "")

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone") or ""
        if not self.country_code:
            return raw
        return clean_local_phone(raw, country_code=self.country_code, country_name=self.country_name)

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year is not None and (problem := rules.birth_year_problem(year, timezone.localdate())):
            raise ValidationError(problem)
        return year

    def person_fields(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.PERSON_FIELDS}
        for name in ("last_name", "email", "phone", "gender", "email_secondary"):
            data[name] = data[name] or ""
        return data

    def consent_changes(self) -> list[tuple[str, bool]]:
        """(channel, granted) for each channel whose answer the user set or changed. "Not asked
        yet" never erases an answer already recorded."""
        changes: list[tuple[str, bool]] = []
        for channel in PORTAL_CONSENT_CHANNELS:
            answer = self.cleaned_data.get(f"consent_{channel}")
            if not answer:
                continue
            granted = answer == "yes"
            current = self.consents.get(channel)
            if current is None or current.granted != granted:
                changes.append((channel, granted))
        return changes


class PersonAddForm(PersonForm):
    """A new person and their role in the organization."""

    role = forms.ChoiceField(label=_("Role in the organization"), choices=Affiliation.Role.choices)
    start_date = forms.DateField(label=_("Since"), required=False, widget=DATE_INPUT)
    is_primary = forms.BooleanField(
        label=_("Primary contact"),
        required=False,
        help_text=_("The person CLAC writes to first. Only one per organization."),
    )

    field_order = ["first_name", "last_name", "role", "start_date", "is_primary"]

    def clean_start_date(self):
        start = self.cleaned_data.get("start_date")
        if start is not None and start > timezone.localdate():
            raise ValidationError(_("The start date cannot be in the future."))
        return start


class AffiliationEndForm(forms.Form):
    end_date = forms.DateField(label=_("Last day in the role"), widget=DATE_INPUT)

    def clean_end_date(self):
        end = self.cleaned_data["end_date"]
        if end > timezone.localdate():
            raise ValidationError(_("The end date cannot be in the future."))
        return end


# --- Yearly reports -----------------------------------------------------------------------


# Text inputs with a numeric keypad, not number inputs: members type "1.234,5" or "1 234" as
# they write numbers (clac.forms.parse_localized_number), which number inputs refuse.
def _count_field(label: "StrOrPromise") -> forms.IntegerField:
    return LocalizedIntegerField(label=label, required=False, min_value=0)


def _amount_field(label: "StrOrPromise", max_digits: int = 14) -> forms.DecimalField:
    return LocalizedDecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=max_digits,
        decimal_places=2,
    )


def premium_currency_choices(*, country_code: str, current: str = "") -> list[tuple[str, "StrOrPromise"]]:
    choices: list[tuple[str, StrOrPromise]] = [("USD", _("US dollars (USD)")), ("EUR", _("Euros (EUR)"))]
    local = LOCAL_CURRENCIES.get(country_code)
    if local and local not in ("USD", "EUR"):
        choices.append((local, _("Local currency (%(code)s)") % {"code": local}))
    if current and current not in {code for code, _label in choices}:
        choices.append((current, current))
    return choices


class YearlyReportForm(forms.Form):
    members_total = _count_field(_("Members (total)"))
    members_women = _count_field(_("of whom women"))
    members_youth = _count_field(_("of whom young (under 30)"))
    permanent_workers = _count_field(_("Permanent workers"))
    hectares = _amount_field(_("Hectares under Fairtrade production"), max_digits=12)
    premium_amount = _amount_field(_("Fairtrade Premium received in the year"))
    premium_currency = forms.ChoiceField(label=_("Currency of the premium"))

    def __init__(self, *args: Any, country_code: str, current_currency: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        premium_currency = self.fields["premium_currency"]
        assert isinstance(premium_currency, forms.ChoiceField)
        premium_currency.choices = premium_currency_choices(country_code=country_code, current=current_currency)

    def clean(self) -> dict[str, Any]:
        # The service refuses these too (members.rules); checking here marks them in the same
        # round trip as the product lines' mistakes (the service only runs once the whole
        # page is valid).
        super().clean()
        data = self.cleaned_data
        problems = rules.report_figure_problems(
            members_total=data.get("members_total"),
            members_women=data.get("members_women"),
            members_youth=data.get("members_youth"),
            permanent_workers=data.get("permanent_workers"),
            hectares=data.get("hectares"),
            premium_amount=data.get("premium_amount"),
        )
        for name, messages_ in problems.items():
            for message in messages_:
                if name in self.fields and name not in self.errors:
                    self.add_error(name, message)
        return data

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ProductLineForm(forms.Form):
    """One product's volumes, in the product's unit of trade. Lines without any volume are
    left out, so a product listed in advance costs nothing if the organization did not sell it."""

    product = forms.ChoiceField(label=_("Product"), required=False)
    volume_produced = _amount_field(_("Produced"))
    volume_sold_fairtrade = _amount_field(_("Sold on Fairtrade terms"))
    volume_sold_other = _amount_field(_("Sold on other terms"))

    VOLUMES = ("volume_produced", "volume_sold_fairtrade", "volume_sold_other")

    def __init__(self, *args: Any, products: dict[str, Product], **kwargs: Any) -> None:
        # Choices come from one list for the whole formset: a queryset per line would query
        # the database once per line.
        super().__init__(*args, **kwargs)
        self.products = products
        product = self.fields["product"]
        assert isinstance(product, forms.ChoiceField)
        product.choices = [
            ("", "—"),
            *((pk, f"{product} ({product.unit})") for pk, product in products.items()),
        ]

    @property
    def unit(self) -> str:
        """The unit of the chosen product, shown next to the volumes."""
        value = self["product"].value()
        product = self.products.get(str(value)) if value else None
        return product.get_unit_display() if product is not None else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        product_id = data.get("product")
        volumes = [data.get(name) for name in self.VOLUMES]
        if not product_id:
            if any(v is not None for v in volumes):
                self.add_error("product", _("Choose the product these volumes are for."))
            return data
        data["product_obj"] = self.products[product_id]
        # The service refuses these too (members.rules); checking here puts the message next
        # to the number.
        problems = rules.product_line_problems(
            produced=data.get("volume_produced"),
            fairtrade=data.get("volume_sold_fairtrade"),
            other=data.get("volume_sold_other"),
        )
        for name, messages_ in problems.items():
            for message in messages_:
                if name not in self.errors:
                    self.add_error(name, message)
        return data

    def line(self) -> dict[str, Any] | None:
        """The line for yearly_report_save, or None when it is empty."""
        data = self.cleaned_data
        if not data.get("product") or all(data.get(name) is None for name in self.VOLUMES):
            return None
        return {
            "product": data["product_obj"],
            **{name: data.get(name) or Decimal(0) for name in self.VOLUMES},
        }


class BaseProductLineFormSet(forms.BaseFormSet):
    def _deleted(self, form: forms.Form) -> bool:
        # Django's own test of the DELETE box; django-stubs does not declare it.
        return self.can_delete and self._should_delete_form(form)  # type: ignore[attr-defined]

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            if self._deleted(form):
                continue
            product_id = form.cleaned_data.get("product")
            if product_id and form.line() is not None:
                if product_id in seen:
                    raise ValidationError(
                        _("%(product)s is listed twice; put all its volumes on one line.")
                        % {"product": form.products[product_id]}
                    )
                seen.add(product_id)

    def lines(self) -> list[dict[str, Any]]:
        lines = []
        for form in self.forms:
            if self._deleted(form):
                continue
            line = form.line()
            if line is not None:
                lines.append(line)
        return lines


# absolute_max = max_num: a forged TOTAL_FORMS builds no more forms than a page can show
# (Django's default allows a thousand more, each validated and rendered again).
ProductLineFormSet = forms.formset_factory(
    ProductLineForm,
    formset=BaseProductLineFormSet,
    extra=2,
    can_delete=True,
    max_num=30,
    absolute_max=30,
    validate_max=True,
)


class PremiumUseForm(forms.Form):
    """The amount of premium spent on one category; the category comes with the line."""

    category = forms.ChoiceField(choices=PremiumUse.Category.choices, widget=forms.HiddenInput)
    amount = _amount_field(_("Amount"))

    @property
    def category_label(self) -> "StrOrPromise":
        value = self["category"].value()
        return PremiumUse.Category(value).label if value in PremiumUse.Category.values else ""


class BasePremiumUseFormSet(forms.BaseFormSet):
    def check_against_premium(self, report_form: forms.Form) -> bool:
        """Whether the uses fit the premium received (members.rules); if not, the error is
        shown next to the premium when it is missing, above the uses otherwise. Called by
        the view, which knows both forms."""
        if any(self.errors) or "premium_amount" in report_form.errors:
            return True  # nothing to compare yet; the other errors are shown
        premium_amount = report_form.cleaned_data.get("premium_amount")
        problem = rules.premium_uses_problem(premium_amount=premium_amount, uses=[use["amount"] for use in self.uses()])
        if problem is None:
            return True
        if premium_amount is None:
            report_form.add_error("premium_amount", problem)
        else:
            self.non_form_errors().append(problem)
        return False

    def uses(self) -> list[dict[str, Any]]:
        return [
            {"category": form.cleaned_data["category"], "amount": form.cleaned_data["amount"]}
            for form in self.forms
            if form.cleaned_data.get("amount") is not None
        ]


# One line per category, in the categories' order; no extra lines can be added.
PremiumUseFormSet = forms.formset_factory(
    PremiumUseForm,
    formset=BasePremiumUseFormSet,
    extra=0,
    max_num=len(PremiumUse.Category),
    absolute_max=len(PremiumUse.Category),
    validate_max=True,
)


def premium_use_initial(existing: dict[str, Decimal]) -> list[dict[str, Any]]:
    return [{"category": value, "amount": existing.get(value)} for value in PremiumUse.Category.values]
