"""Helpers for back-office tests: the values a change form would post, read from its HTML."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormValues(HTMLParser):
    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self.textareas: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.textareas.add(name)
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data


def form_values(html: str) -> dict[str, list[str] | str]:
    """The fields of the page's form as the browser would post them (unchanged)."""
    p = _FormValues()
    p.feed(html)
    out: dict[str, list[str] | str] = {}
    for k, v in p.data.items():
        if k == "csrfmiddlewaretoken":
            continue
        if k in p.textareas and v and v[0].startswith("\n"):
            v = [v[0][1:]]  # a browser drops the newline after <textarea>
        out[k] = v[0] if len(v) == 1 else v
    return out
