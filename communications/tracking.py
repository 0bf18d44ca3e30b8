"""Opens and clicks, when a campaign asks for them: a 1x1 GIF whose URL names the message, and
links rewritten to a redirect that records the click. Both carry a token signed with
django.core.signing; the redirect goes only to the URL inside the signature, so it can never be
used as an open redirect. Also the footer every campaign email ends with (unsubscribe link),
in the recipient's language."""

import functools
import html as html_lib
import re

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

OPEN_SALT = "communications.tracking.open"
CLICK_SALT = "communications.tracking.click"
# A token older than this is refused (the redirect still leads nowhere else).
TOKEN_MAX_AGE = 365 * 24 * 3600

_HREF = re.compile(r'href="(https?://[^"]+)"', re.IGNORECASE)


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def open_token(*, message_id: int) -> str:
    return signing.dumps(message_id, salt=OPEN_SALT, compress=False)


def click_token(*, message_id: int, url: str) -> str:
    return signing.dumps([message_id, url], salt=CLICK_SALT, compress=True)


def open_token_read(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=OPEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def click_token_read(token: str) -> tuple[int, str] | None:
    """(message id, url) from a valid token; None when it was tampered with or is too old."""
    try:
        value = signing.loads(token, salt=CLICK_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        return None
    message_id, url = value
    if not url.lower().startswith(("http://", "https://")):
        return None
    return message_id, url


def links_rewrite(html: str, *, message_id: int) -> str:
    """Every http(s) link of the message's HTML through the click redirect."""

    def rewrite(match: re.Match) -> str:
        url = html_lib.unescape(match.group(1))
        target = _absolute(reverse("communications_public:click", args=[click_token(message_id=message_id, url=url)]))
        return f'href="{html_lib.escape(target)}"'

    return _HREF.sub(rewrite, html)


def pixel_html(*, message_id: int) -> str:
    url = _absolute(reverse("communications_public:open", args=[open_token(message_id=message_id)]))
    return f'<img src="{html_lib.escape(url)}" width="1" height="1" alt="">'


@functools.lru_cache(maxsize=16)
def _footer_templates(language: str) -> tuple[str, str]:
    with translation.override(language):
        line = _("You receive this message from CLAC as part of its network's communications.")
        stop = _("Stop receiving these messages")
    text = f"\n\n-- \n{line}\n{stop}: {{url}}\n"
    html = f'<hr><p><small>{html_lib.escape(line)} <a href="{{url}}">{html_lib.escape(stop)}</a></small></p>'
    return text, html


def footers(*, language: str, unsubscribe_url: str) -> tuple[str, str]:
    """(text footer, HTML footer) in `language` with the unsubscribe link."""
    text, html = _footer_templates(language)
    return text.replace("{url}", unsubscribe_url), html.replace("{url}", html_lib.escape(unsubscribe_url))
