"""Forms of the inquiries area: the public contact form (with its spam defences: a honeypot
field and a signed timestamp) and the staff forms (filters, assign, reply, note, close).
They parse input; the rules live in communications.services.inquiries."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db.models.fields import BLANK_CHOICE_LABEL
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from communications.models import Inquiry
from communications.selectors.inquiries import InquiryFilters, inquiry_assignees
from communications.services.inquiries import contact_form_token, message_max_length

__all__ = [
    "HONEYPOT_FIELD",
    "ContactForm",
    "InquiryAssignForm",
    "InquiryCloseForm",
    "InquiryFilterForm",
    "InquiryNoteForm",
    "InquiryReplyForm",
]

# The honeypot: a field people never see (hidden by CSS, skipped by screen readers and the
# keyboard) that form-filling robots fill in. Named like a real field on purpose.
HONEYPOT_FIELD = "website"
TOKEN_FIELD = "form_token"  # noqa: S105 (a field name, not a secret)

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{6,40}$", _("Type the phone number with digits only (and +, spaces or dashes).")
)


class ContactForm(forms.Form):
    category = forms.ChoiceField(label=_("What is your question about?"), choices=Inquiry.Category.choices)
    message = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 7}))
    name = forms.CharField(label=_("Your name"), max_length=150)
    organization = forms.CharField(label=_("Organization"), max_length=200, required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    email = forms.EmailField(
        label=_("Email"), max_length=254, help_text=_("We answer to this address."), widget=forms.EmailInput()
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False, validators=[phone_validator])
    language = forms.ChoiceField(label=_("Language of our answer"), choices=settings.LANGUAGES)
    consent = forms.BooleanField(
        label=_(
            "I agree that CLAC keeps my name, contact details and message to answer this question. "
            "They are not shared, and are erased some time after the question is closed."
        ),
        error_messages={"required": _("We can only answer if you agree that we keep your details for this.")},
    )
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", BLANK_CHOICE_LABEL), *countries]
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [("", BLANK_CHOICE_LABEL), *Inquiry.Category.choices]
        message = self.fields["message"]
        assert isinstance(message, forms.CharField)
        message.max_length = message_max_length()
        message.widget.attrs["maxlength"] = str(message_max_length())
        message.validators.append(MaxLengthValidator(message_max_length()))
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["organization"].widget.attrs["autocomplete"] = "organization"
        if not self.is_bound:
            self.initial.setdefault("language", get_language() or settings.LANGUAGE_CODE)
            self.initial[TOKEN_FIELD] = contact_form_token()

    def honeypot_filled(self) -> bool:
        return bool(str(self.data.get(HONEYPOT_FIELD, "")).strip())

    def token(self) -> str:
        return str(self.data.get(TOKEN_FIELD, ""))

    def renew_token(self) -> None:
        """A fresh timestamp for the form shown again (the sender sends it once more)."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data[TOKEN_FIELD] = contact_form_token()
        self.data = data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("category", "language", "name", "email", "message", "consent")} | {
            "organization": data.get("organization") or "",
            "country": data.get("country") or "",
            "phone": data.get("phone") or "",
        }


class InquiryFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("Any status")), ("open", _("Open (new or assigned)")), *Inquiry.Status.choices]
    AGE_CHOICES = [
        ("", _("Any date")),
        ("1", _("Last 24 hours")),
        ("7", _("Last 7 days")),
        ("30", _("Last 30 days")),
        ("older", _("Older than 30 days")),
    ]

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Any category")), *Inquiry.Category.choices], required=False
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any language")), *settings.LANGUAGES], required=False
    )
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    age = forms.ChoiceField(label=_("Received"), choices=AGE_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._assignees = {str(user.pk): user for user in inquiry_assignees()}
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ChoiceField)
        assignee.choices = [
            ("", _("Anyone")),
            ("none", _("Nobody yet")),
            *[(pk, user.get_full_name() or user.get_username()) for pk, user in self._assignees.items()],
        ]

    def filters(self) -> InquiryFilters:
        data = self.cleaned_data
        assignee = data.get("assignee") or ""
        return InquiryFilters(
            status=data.get("status") or "",
            category=data.get("category") or "",
            language=data.get("language") or "",
            assignee=self._assignees.get(assignee),
            unassigned=assignee == "none",
            age=data.get("age") or "",
        )


class InquiryAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=inquiry_assignees(), empty_label=None)


class InquiryReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply to the sender"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10_000,
        help_text=_("Sent by e-mail to the sender; write it in the inquiry's language."),
    )


class InquiryNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        help_text=_("Only CLAC staff see notes."),
    )


class InquiryCloseForm(forms.Form):
    note = forms.CharField(
        label=_("Why (optional)"),
        max_length=1000,
        required=False,
        help_text=_("E.g. “Answered by phone” or “Spam”."),
    )
