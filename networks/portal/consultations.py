"""Portal pages of the reviews area: the consultations a member organization is invited to,
and one round's questionnaire. The organization's portal admins and editors save a draft and
submit it while the round is open (both dates included, in the project's time zone); after it
closes, answers are refused with a message saying so. Viewers read. A round the organization
is not invited to is a 404 (networks.selectors.reviews.consultation_round_get_for_user with
`organization`). The organization only ever sees its own answer.

`urlpatterns` are mounted by networks/portal/urls.py; `NAV` and `ACCESS` are gathered by
networks/plugin.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from clac.access import portal_required, request_user
from clac.forms import add_service_errors
from clac.plugins import ACCESS_PORTAL, NavEntry
from members.portal.request import MemberPortalRequest
from networks.models import ConsultationResponse
from networks.selectors import reviews as selectors
from networks.services import reviews as services
from networks.views.reviews_forms import ConsultationAnswerForm


@portal_required()
@require_GET
def consultation_list(request: MemberPortalRequest) -> HttpResponse:
    return render(
        request,
        "networks/reviews/portal/list.html",
        selectors.portal_consultations(organization=request.organization),
    )


def _initial(response: ConsultationResponse | None) -> dict:
    if response is None:
        return {}
    initial = {name: getattr(response, name) for name in services.ANSWER_FIELDS if name != "open_answers"}
    for index, answer in enumerate(response.open_answers or []):
        initial[f"open_{index}"] = answer
    return initial


@portal_required()
@require_http_methods(["GET", "POST"])
def consultation_answer(request: MemberPortalRequest, pk: int) -> HttpResponse:
    organization = request.organization
    round_ = selectors.consultation_round_get_for_user(user=request.user, pk=pk, organization=organization)
    response = selectors.organization_response(round_=round_, organization=organization)
    today = timezone.localdate()
    is_open = round_.opens_on <= today <= round_.closes_on
    submitted = response is not None and response.status == ConsultationResponse.Status.SUBMITTED
    can_answer = request.portal_access.can_edit and is_open and not submitted
    unit = round_.review.product.get_unit_display()
    form = ConsultationAnswerForm(
        request.POST if request.method == "POST" else None,
        questions=list(round_.open_questions or []),
        unit_label=_("Per %(unit)s of product.") % {"unit": unit},
        initial=_initial(response),
    )
    status = 200
    if request.method == "POST":
        if not request.portal_access.can_edit:
            raise PermissionDenied
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                services.consultation_response_save(
                    actor=request_user(request),
                    round_=round_,
                    organization=organization,
                    submit=submit,
                    **form.service_fields(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                if submit:
                    messages.success(request, _("Your answer was submitted. Thank you."))
                else:
                    messages.success(request, _("Your draft was saved. Submit it before the round closes."))
                return redirect("networks_portal:consultation_answer", pk=round_.pk)
        else:
            status = 400
    return render(
        request,
        "networks/reviews/portal/answer.html",
        {
            "round": round_,
            "review": round_.review,
            "form": form,
            "answer": response,
            "is_open": is_open,
            "submitted": submitted,
            "can_answer": can_answer,
            "today": today,
        },
        status=status,
    )


NAV: tuple[NavEntry, ...] = (NavEntry(gettext_lazy("Consultations"), "networks_portal:consultation_list", order=24),)
urlpatterns = [
    path("consultations/", consultation_list, name="consultation_list"),
    path("consultations/<int:pk>/", consultation_answer, name="consultation_answer"),
]
ACCESS: dict[str, str] = {
    "networks_portal:consultation_list": ACCESS_PORTAL,
    "networks_portal:consultation_answer": ACCESS_PORTAL,
}
