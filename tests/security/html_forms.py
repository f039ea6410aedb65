"""Read the POST forms of a page as a browser would submit them, without a browser."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Inputs whose value a browser sends as it is.
VALUE_TYPES = {
    "",
    "text",
    "email",
    "tel",
    "url",
    "search",
    "number",
    "password",
    "hidden",
    "date",
    "time",
    "datetime-local",
    "month",
    "week",
    "range",
    "color",
}
#: Inputs a person types into or picks from (a form with none of these is a button).
EDITABLE_TYPES = (VALUE_TYPES - {"hidden"}) | {"checkbox", "radio", "file"}


#: What a browser keeps of an input's value attribute (HTML's "value sanitization
#: algorithm"): anything else in a date, time or number box is shown and sent as empty.
_TIME = r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?"
_PATTERNS = {
    "date": re.compile(r"\d{4,}-\d{2}-\d{2}"),
    "time": re.compile(_TIME),
    "datetime-local": re.compile(r"\d{4,}-\d{2}-\d{2}[T ]" + _TIME),
    "month": re.compile(r"\d{4,}-\d{2}"),
}


def sanitize(kind: str, value: str) -> str:
    if kind in _PATTERNS:
        if not _PATTERNS[kind].fullmatch(value):
            return ""
        if kind in ("date", "datetime-local"):
            try:
                dt.date.fromisoformat(value[:10])
            except ValueError:
                return ""
        return value
    if kind in ("number", "range"):
        try:
            return value if math.isfinite(float(value)) and value.strip() == value else ""
        except ValueError:
            return ""
    if kind in ("email", "url"):
        return value.strip()
    if kind in ("text", "search", "tel", "password", ""):
        return value.replace("\r", "").replace("\n", "")
    return value


@dataclass
class Form:
    action: str
    #: (name, value) pairs in document order, as the browser would send them.
    data: list[tuple[str, str]] = field(default_factory=list)
    #: Names of the fields a person can change (not hidden inputs or buttons).
    editable: list[str] = field(default_factory=list)
    #: The first submit button's (name, value), sent as if it were pressed.
    button: tuple[str, str] | None = None
    has_button: bool = False

    def post_data(self) -> dict[str, list[str]]:
        pairs = [*self.data, *([self.button] if self.button else [])]
        result: dict[str, list[str]] = {}
        for name, value in pairs:
            result.setdefault(name, []).append(value)
        return result


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: dict | None = None
        self.option: dict | None = None
        self.textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            if attrs.get("method", "get").lower() == "post":
                self.form = Form(action=attrs.get("action", ""))
            return
        if self.form is None:
            return
        name = attrs.get("name")
        disabled = "disabled" in attrs
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "image"):
                self._button(attrs)
            elif name and not disabled:
                if kind in VALUE_TYPES:
                    self.form.data.append((name, sanitize(kind, attrs.get("value", ""))))
                elif kind in ("checkbox", "radio") and "checked" in attrs:
                    self.form.data.append((name, attrs.get("value", "on")))
                if kind in EDITABLE_TYPES:
                    self.form.editable.append(name)
        elif tag == "button":
            if attrs.get("type", "submit").lower() == "submit":
                self._button(attrs)
        elif tag == "select" and name and not disabled:
            self.select = {"name": name, "multiple": "multiple" in attrs, "options": []}
            self.form.editable.append(name)
        elif tag == "option" and self.select is not None:
            self.option = {
                "value": attrs.get("value"),
                "text": "",
                "selected": "selected" in attrs,
                "disabled": "disabled" in attrs,
            }
            self.select["options"].append(self.option)
        elif tag == "textarea" and name and not disabled:
            self.textarea = {"name": name, "text": ""}
            self.form.editable.append(name)

    def _button(self, attrs):
        if not self.form.has_button:
            self.form.has_button = True
            if attrs.get("name"):
                self.form.button = (attrs["name"], attrs.get("value", ""))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["text"] += data
        elif self.option is not None:
            self.option["text"] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self.option = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.textarea["text"]
            # A newline straight after <textarea> is not part of the value (HTML spec).
            text = text[1:] if text.startswith("\n") else text
            self.form.data.append((self.textarea["name"], text.replace("\r\n", "\n")))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            self._close_select()
        elif tag == "form" and self.form is not None:
            self.forms.append(self.form)
            self.form = None

    def _close_select(self):
        select, self.select = self.select, None
        options = [option for option in select["options"] if not option["disabled"]]
        chosen = [option for option in options if option["selected"]]
        if not select["multiple"] and not chosen and options:
            chosen = options[:1]  # a single select with nothing selected shows its first option
        if not select["multiple"]:
            chosen = chosen[-1:]
        for option in chosen:
            value = option["value"] if option["value"] is not None else option["text"].strip()
            self.form.data.append((select["name"], value))


def post_forms(html: str) -> list[Form]:
    """Every <form method="post"> of the page, with what submitting it unchanged would send."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms
