"""A campaign's content in one language, rendered once for every recipient: Markdown written by
staff → sanitized HTML (raw HTML off, then an allow-list: networks.markup) and a plain-text part.
The text part is the Markdown itself, which is written to read well as plain text; SMS and
WhatsApp send only the text part."""

from dataclasses import dataclass

from networks.markup import minutes_html


@dataclass(frozen=True)
class RenderedContent:
    subject: str
    html: str
    text: str


def content_render(*, subject: str, body_markdown: str) -> RenderedContent:
    text = body_markdown.strip().replace("\r\n", "\n")
    return RenderedContent(subject=subject.strip(), html=str(minutes_html(text)), text=text)
