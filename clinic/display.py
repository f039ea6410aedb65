"""`instance.get_FOO_display()` without rebuilding the field's choices on every call.

Django's `_get_FIELD_display` turns the field's whole list of choices into a dict each time it
is asked (a diagnosis has dozens): the patient page asks some twenty-five times a view. Here
the dict is made once per process for each model field; the label comes out the same (lazy
labels are turned into text in the current language on every call, as Django does).
"""

from __future__ import annotations

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_kept: dict[tuple[type, str], tuple[str, dict]] = {}
#: Values `make_hashable` gives back as they are (most choice values): no call for them.
_HASHABLE = frozenset({str, int, bool, type(None)})


def display(instance, name: str) -> str:
    """What `getattr(instance, f"get_{name}_display")()` returns. Anything that is not a model
    instance (a stand-in in a test) is asked for its own `get_..._display`."""
    key = (instance.__class__, name)
    kept = _kept.get(key)
    if kept is None:
        meta = getattr(instance, "_meta", None)
        if meta is None:
            return getattr(instance, f"get_{name}_display")()
        field = meta.get_field(name)
        kept = _kept[key] = (field.attname, dict(make_hashable(field.flatchoices)))
    attname, choices = kept
    value = getattr(instance, attname)
    key = value if type(value) in _HASHABLE else make_hashable(value)
    return force_str(choices.get(key, value), strings_only=True)
