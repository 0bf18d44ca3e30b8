"""The public unsubscribe page of a campaign message: no sign-in, in the message's language.

GET shows what will happen and one button; POST (the button, or a mail program's RFC 8058
one-click POST) puts the address on the suppression list and withdraws the consent. The signed
token in the URL is the authority, so the POST is exempt from CSRF (this view only): a forged
or altered token is a 404 and changes nothing. Repeating the POST changes nothing more."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from communications.models import Message, Suppression
from communications.services.suppressions import suppression_record
from communications.unsubscribe import unsubscribe_message_id


def _message_for_token(token: str) -> Message:
    message_id = unsubscribe_message_id(token)
    if message_id is None:
        raise Http404
    message = (
        Message.objects.select_related("campaign")
        .filter(pk=message_id, channel__in=Suppression.Channel.values)
        .exclude(address="")
        .first()
    )
    if message is None:
        raise Http404
    return message


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_confirm(request: HttpRequest, token: str) -> HttpResponse:
    message = _message_for_token(token)
    already = Suppression.objects.filter(channel=message.channel, address=message.address).exists()
    done = False
    if request.method == "POST":
        suppression_record(
            channel=message.channel,
            address=message.address,
            reason=Suppression.Reason.UNSUBSCRIBED,
            detail=f"campaign {message.campaign_id}",
            message=message,
        )
        done = True
    with translation.override(message.language):
        response = render(
            request,
            "communications/unsubscribe/confirm.html",
            {
                "message_row": message,
                "channel_label": message.get_channel_display(),
                "done": done,
                "already": already and not done,
                "token": token,
            },
        )
    # Crawlers and link checkers must not index the page.
    response["X-Robots-Tag"] = "noindex"
    return response
