"""Rich text of the networks app (meeting minutes): Markdown written by staff, rendered to HTML
that is safe to show on the dashboard and in the portal.

markdown-it-py runs with raw HTML off (`html=False`: any tag typed in the text is escaped), and
nh3 (the Ammonia sanitizer) then keeps only the tags and attributes below, dropping scripts,
`on*` handlers and `javascript:` links even if a future Markdown rule let one through."""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = frozenset(
    {
        "a", "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
        "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def minutes_html(text: str) -> SafeString:
    """Markdown → sanitized HTML, ready for a template."""
    if not text or not text.strip():
        return mark_safe("")
    return sanitize_html(_markdown.render(text))


def sanitize_html(html: str) -> SafeString:
    """Keep only the allowed tags, attributes and link schemes (the second line of defence)."""
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)
