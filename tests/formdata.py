"""What a browser would send back for a form it was given, untouched: the test helper for
"a save without touching a field keeps it"."""

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, action_contains: str) -> None:
        super().__init__()
        self.action_contains = action_contains
        self.inside = False
        self.done = False
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        action = a.get("action", "")
        wanted = self.action_contains in action if self.action_contains else not action
        if tag == "form" and not self.done and wanted:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.data.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select is not None and "selected" in a:
            self.data.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.data.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def untouched_form_data(html: str, action_contains: str = "") -> dict[str, list[str]]:
    """The fields of the first form whose action contains `action_contains` (by default: the
    first form posting to the page itself), as the browser would post them untouched."""
    parser = _FormParser(action_contains)
    parser.feed(html)
    posted: dict[str, list[str]] = {}
    for name, value in parser.data:
        posted.setdefault(name, []).append(value)
    return posted
