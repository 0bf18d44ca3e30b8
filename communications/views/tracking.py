"""The open pixel and the click redirect of campaign emails (public: the signed token is the
authentication; communications.tracking). A bad token records nothing: the pixel is still a
GIF, the redirect a 404 (never a redirect to anywhere else)."""

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from communications import tracking
from communications.services.outbox import message_clicked, message_opened

PIXEL_GIF = base64.b64decode(b"R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@never_cache
@require_GET
def message_open(request: HttpRequest, token: str) -> HttpResponse:
    message_id = tracking.open_token_read(token)
    if message_id is not None:
        message_opened(message_id=message_id)
    return HttpResponse(PIXEL_GIF, content_type="image/gif")


@never_cache
@require_GET
def message_click(request: HttpRequest, token: str) -> HttpResponse:
    signed = tracking.click_token_read(token)
    if signed is None:
        raise Http404
    message_id, url = signed
    message_clicked(message_id=message_id)
    return HttpResponseRedirect(url)
