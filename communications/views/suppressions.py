"""The suppression list for communications staff and administrators: every address no
campaign may reach, with the reason and the date; staff block an address by hand or take it
off the list, with a reason kept in the history."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.pagination import ReversiblePaginator
from communications.forms.audiences import SuppressionForm, SuppressionRemoveForm
from communications.models import Suppression
from communications.selectors.audiences import AUDIENCE_MANAGERS
from communications.selectors.suppressions import suppression_get_for_user, suppression_list
from communications.services.suppressions import suppression_record, suppression_remove

SUPPRESSIONS_PER_PAGE = 50


@staff_required(*AUDIENCE_MANAGERS)
@require_http_methods(["GET", "POST"])
def suppressions_list(request: HttpRequest) -> HttpResponse:
    form = SuppressionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = suppression_record(
                channel=form.cleaned_data["channel"],
                address=form.cleaned_data["address"],
                reason=Suppression.Reason.MANUAL,
                detail=form.cleaned_data["detail"],
                actor=request_user(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(address)s is blocked.") % {"address": row.address})
            return redirect("communications:suppression_list")
    query = request.GET.get("q", "")[:100]
    rows = suppression_list(query=query, channel=request.GET.get("channel", ""), reason=request.GET.get("reason", ""))
    page_obj = ReversiblePaginator(rows, SUPPRESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "communications/audiences/suppression_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "query": query,
            "channels": Suppression.Channel.choices,
            "reasons": Suppression.Reason.choices,
            "channel": request.GET.get("channel", ""),
            "reason": request.GET.get("reason", ""),
        },
    )


@staff_required(*AUDIENCE_MANAGERS)
@require_http_methods(["GET", "POST"])
def suppression_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = suppression_get_for_user(user=request.user, pk=pk)
    form = SuppressionRemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suppression_remove(suppression=row, actor=request_user(request), reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(address)s may receive campaigns again.") % {"address": row.address})
            return redirect("communications:suppression_list")
    return render(request, "communications/audiences/suppression_remove.html", {"form": form, "row": row})
