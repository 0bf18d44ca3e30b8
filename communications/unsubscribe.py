"""The one-click unsubscribe link of a campaign message (RFC 8058).

The link carries a token signed with the site's SECRET_KEY (django.core.signing, a salt of its
own so no other signed value of the site can stand in for it) over the message id. The token is
the authority: whoever holds the message may unsubscribe its address, without signing in and
without a CSRF token (mail providers POST to it). It does not expire: an unsubscribe link in a
mail read years later must still work (docs/decisions/0014-audiences-semantics-and-unsubscribe-token.md);
rotating SECRET_KEY (with SECRET_KEY_FALLBACKS emptied) invalidates every link sent before."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from communications.models import Message

__all__ = [
    "UNSUBSCRIBE_SALT",
    "list_unsubscribe_headers",
    "unsubscribe_message_id",
    "unsubscribe_token",
    "unsubscribe_url",
    "unsubscribe_url_template",
]

UNSUBSCRIBE_SALT = "communications.unsubscribe.v1"


def _signer() -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(*, message_id: int) -> str:
    """ "<id>:<signature>", URL-safe."""
    return _signer().sign(str(int(message_id)))


def unsubscribe_message_id(token: str) -> int | None:
    """The message id a token was signed for, or None when the token is forged or altered."""
    try:
        value = _signer().unsign(token or "")
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


# Stands in for the token when the route is reversed once (it matches the route's pattern).
_TOKEN_PLACEHOLDER = "0:tokenplaceholder"  # noqa: S105 - not a secret


def unsubscribe_url_template() -> str:
    """The unsubscribe address with a placeholder for the token: a campaign batch reverses the
    route once, not once per message (reverse() costs more than the signature)."""
    return settings.SITE_URL + reverse("unsubscribe:confirm", kwargs={"token": _TOKEN_PLACEHOLDER})


def unsubscribe_url(*, message: Message, template: str | None = None) -> str:
    """The absolute https (in production) address of the message's unsubscribe page.
    `template` is `unsubscribe_url_template()` when the caller builds many."""
    token = unsubscribe_token(message_id=message.pk)
    return (template or unsubscribe_url_template()).replace(_TOKEN_PLACEHOLDER, token)


def list_unsubscribe_headers(*, message: Message, url: str | None = None) -> dict[str, str]:
    """The mail headers that let the recipient's mail program unsubscribe in one click
    (`url`: the message's unsubscribe_url when the caller has it already)."""
    return {
        "List-Unsubscribe": f"<{url or unsubscribe_url(message=message)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
