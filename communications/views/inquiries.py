"""The public contact form (/contact/, anyone, no sign-in) and the dashboard's inquiries pages
(administrators and the communications team; every other role gets 403): the list with its
filters, an inquiry's page with its thread, and the forms that assign, reply, note, close,
reopen and send a failed reply again.

`contact_urlpatterns` are mounted at /contact/ by communications/contact_urls.py,
`urlpatterns` under /dashboard/inquiries/ by communications/urls.py; `NAV` and `ACCESS` are
gathered by communications/plugin.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clac.access import request_user, staff_required
from clac.auth.security_log import client_ip
from clac.forms import add_service_errors
from clac.plugins import ACCESS_PUBLIC, ACCESS_STAFF_ROLES, NavEntry
from communications.forms.inquiries import (
    HONEYPOT_FIELD,
    ContactForm,
    InquiryAssignForm,
    InquiryCloseForm,
    InquiryFilterForm,
    InquiryNoteForm,
    InquiryReplyForm,
)
from communications.models import Inquiry
from communications.selectors import inquiries as selectors
from communications.services import inquiries as services

PAGE_SIZE = 50
HANDLERS = tuple(sorted(selectors.INQUIRY_HANDLERS))

TOKEN_ERRORS = {
    "too_fast": gettext_lazy("That was very quick. Please check your message and send it again."),
    "expired": gettext_lazy("This form was open for too long. Please check your message and send it again."),
    "invalid": gettext_lazy("Please check your message and send it again."),
}


# --- Public contact form --------------------------------------------------------------------


def _too_many(request: HttpRequest, form: ContactForm) -> HttpResponse:
    form.add_error(None, _("We received several messages from you in a short time. Please try again in an hour."))
    return render(request, "contact/form.html", _contact_context(form), status=429)


def _contact_context(form: ContactForm) -> dict:
    return {"form": form, "honeypot_field": HONEYPOT_FIELD}


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """Anyone may write to CLAC. Spam defences, in order: the honeypot (filled: the robot sees
    the usual thanks, nothing is stored), the rate limits per address and per e-mail (429),
    the signed timestamp (too quick, too old or forged: shown again to send once more),
    then the form's and the service's validation. What was typed is kept on every refusal."""
    if request.method != "POST":
        return render(request, "contact/form.html", _contact_context(ContactForm()))
    form = ContactForm(request.POST)
    guard = services.ContactGuard(ip=client_ip(request), email=str(request.POST.get("email", "")))
    if form.honeypot_filled():
        guard.record()
        guard.log_once("honeypot filled")
        return redirect("contact:thanks")
    if guard.limited():
        guard.log_once("rate limit")
        return _too_many(request, form)
    token_problem = services.contact_form_token_check(form.token())
    if form.is_valid() and not token_problem:
        try:
            services.inquiry_submit(**form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            guard.record()
            return redirect("contact:thanks")
    elif token_problem and not form.errors:
        form.add_error(None, str(TOKEN_ERRORS[token_problem]))
    form.renew_token()
    return render(request, "contact/form.html", _contact_context(form), status=400)


def contact_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "contact/thanks.html")


# --- Dashboard ------------------------------------------------------------------------------


@staff_required(*HANDLERS)
def inquiry_list(request: HttpRequest) -> HttpResponse:
    form = InquiryFilterForm(request.GET)
    status = 200
    if form.is_valid():
        inquiries = selectors.inquiry_list(filters=form.filters())
    else:
        inquiries = Inquiry.objects.none()
        status = 400
    page_obj = Paginator(inquiries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "communications/inquiries/list.html", {"filter_form": form, "page_obj": page_obj}, status=status
    )


def _detail(request: HttpRequest, inquiry: Inquiry, *, status: int = 200, **forms: object) -> HttpResponse:
    context = {
        "inquiry": inquiry,
        "thread": selectors.inquiry_thread(inquiry=inquiry),
        "assign_form": forms.get("assign_form")
        or InquiryAssignForm(initial={"assignee": inquiry.assignee_id or request_user(request).pk}),
        "reply_form": forms.get("reply_form") or InquiryReplyForm(),
        "note_form": forms.get("note_form") or InquiryNoteForm(),
        "close_form": forms.get("close_form") or InquiryCloseForm(),
    }
    return render(request, "communications/inquiries/detail.html", context, status=status)


@staff_required(*HANDLERS)
def inquiry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.inquiry_get_for_user(user=request.user, pk=pk))


@require_POST
@staff_required(*HANDLERS)
def inquiry_assign(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = selectors.inquiry_get_for_user(user=request.user, pk=pk, for_change=True)
    form = InquiryAssignForm(request.POST)
    if form.is_valid():
        try:
            services.inquiry_assign(
                actor=request_user(request), inquiry=inquiry, assignee=form.cleaned_data["assignee"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The inquiry was assigned."))
            return redirect("communications:inquiry_detail", pk=inquiry.pk)
    return _detail(request, inquiry, status=400, assign_form=form)


@require_POST
@staff_required(*HANDLERS)
def inquiry_reply(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = selectors.inquiry_get_for_user(user=request.user, pk=pk, for_change=True)
    form = InquiryReplyForm(request.POST)
    if form.is_valid():
        try:
            services.inquiry_reply(actor=request_user(request), inquiry=inquiry, body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The reply is on its way to the sender."))
            return redirect("communications:inquiry_detail", pk=inquiry.pk)
    return _detail(request, inquiry, status=400, reply_form=form)


@require_POST
@staff_required(*HANDLERS)
def inquiry_note(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = selectors.inquiry_get_for_user(user=request.user, pk=pk, for_change=True)
    form = InquiryNoteForm(request.POST)
    if form.is_valid():
        try:
            services.inquiry_note_add(actor=request_user(request), inquiry=inquiry, body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The note was added."))
            return redirect("communications:inquiry_detail", pk=inquiry.pk)
    return _detail(request, inquiry, status=400, note_form=form)


@require_POST
@staff_required(*HANDLERS)
def inquiry_close(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = selectors.inquiry_get_for_user(user=request.user, pk=pk, for_change=True)
    form = InquiryCloseForm(request.POST)
    if form.is_valid():
        try:
            services.inquiry_close(actor=request_user(request), inquiry=inquiry, note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The inquiry was closed."))
            return redirect("communications:inquiry_detail", pk=inquiry.pk)
    return _detail(request, inquiry, status=400, close_form=form)


@require_POST
@staff_required(*HANDLERS)
def inquiry_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = selectors.inquiry_get_for_user(user=request.user, pk=pk, for_change=True)
    try:
        services.inquiry_reopen(actor=request_user(request), inquiry=inquiry)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The inquiry was reopened."))
    return redirect("communications:inquiry_detail", pk=inquiry.pk)


@require_POST
@staff_required(*HANDLERS)
def inquiry_reply_retry(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    message = selectors.inquiry_message_get_for_user(user=request.user, inquiry_pk=pk, pk=message_pk)
    try:
        services.inquiry_reply_retry(actor=request_user(request), message=message)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("The reply is on its way again."))
    return redirect("communications:inquiry_detail", pk=pk)


NAV: tuple[NavEntry, ...] = (
    NavEntry(
        gettext_lazy("Inquiries"), "communications:inquiry_list", selectors.INQUIRY_HANDLERS, icon="inquiries", order=60
    ),
)
contact_urlpatterns = [
    path("", contact, name="form"),
    path("thanks/", contact_thanks, name="thanks"),
]
urlpatterns = [
    path("", inquiry_list, name="inquiry_list"),
    path("<int:pk>/", inquiry_detail, name="inquiry_detail"),
    path("<int:pk>/assign/", inquiry_assign, name="inquiry_assign"),
    path("<int:pk>/reply/", inquiry_reply, name="inquiry_reply"),
    path("<int:pk>/note/", inquiry_note, name="inquiry_note"),
    path("<int:pk>/close/", inquiry_close, name="inquiry_close"),
    path("<int:pk>/reopen/", inquiry_reopen, name="inquiry_reopen"),
    path("<int:pk>/replies/<int:message_pk>/retry/", inquiry_reply_retry, name="inquiry_reply_retry"),
]
ACCESS: dict[str, str] = {
    "contact:form": ACCESS_PUBLIC,
    "contact:thanks": ACCESS_PUBLIC,
    **{
        f"communications:{name}": ACCESS_STAFF_ROLES
        for name in (
            "inquiry_list",
            "inquiry_detail",
            "inquiry_assign",
            "inquiry_reply",
            "inquiry_note",
            "inquiry_close",
            "inquiry_reopen",
            "inquiry_reply_retry",
        )
    },
}
