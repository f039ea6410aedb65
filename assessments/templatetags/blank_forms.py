"""The assessment page's forms (and the session note's amendment box) as crispy-forms draws
them, drawn once while they are blank.

A final assessment shows the decision form, the working-diagnosis form or the amendment form,
always blank on a GET: a few radio lists and text boxes whose markup depends only on the
form's class, its fields and its initial values (the pre-selected suggestion). Crispy's
templates for them were about a tenth of the page's build, the same on every view, so a blank
form's markup is kept per process under exactly those inputs. Nothing from the database or
the request is in it: it is drawn without the page's context, so `{% crispy %}` adds no CSRF
field of its own (the page's `<form>` has one; the one crispy added was a second copy). A
bound form (a POST with errors) is drawn afresh every time, with its values and messages.
"""

from __future__ import annotations

import functools

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from crispy_forms.utils import render_crispy_form
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


class BlankForm:
    """A blank form not built yet, for a page that shows it on every view: `{% blank_form %}`
    and `{% blank_field %}` draw it once per process under its class and `key` (everything
    else its markup depends on, e.g. the pre-selected choice), building it only then. Anything
    else asked of it (a test reading `.initial`) builds the form and answers from it."""

    is_bound = False

    def __init__(self, form_class, key: tuple = (), /, **kwargs):
        self.form_class, self.key, self.kwargs = form_class, key, kwargs

    @functools.cached_property
    def form(self):
        return self.form_class(**self.kwargs)

    def __getattr__(self, name):
        return getattr(self.form, name)


def _built(form):
    return form.form if isinstance(form, BlankForm) else form


def _key(form, *, helper: bool) -> tuple:
    if isinstance(form, BlankForm):
        return (form.form_class, helper, "blank", *form.key)
    return (
        type(form),
        helper,
        form.prefix,
        form.auto_id,
        tuple(form.fields),
        tuple(sorted((name, str(value)) for name, value in form.initial.items())),
    )


class _Keyed:
    """Lets lru_cache key on `key` alone while handing `form` to the drawing."""

    def __init__(self, key, form):
        self.key, self.form = key, form

    def __hash__(self):
        return hash(self.key)

    def __eq__(self, other):
        return isinstance(other, _Keyed) and self.key == other.key


@functools.lru_cache(maxsize=256)
def _drawn_keyed(keyed: _Keyed) -> SafeString:
    form = _built(keyed.form)
    markup = render_crispy_form(form) if keyed.key[1] else as_crispy_form(form)
    return mark_safe(markup)  # noqa: S308  # nosec B308 B703 (crispy's own escaped output)


@register.simple_tag
def blank_form(form, helper: bool = False) -> SafeString:
    """`{{ form|crispy }}` (or `{% crispy form %}` with `helper=True`), drawn once per process
    while the form is blank, afresh when it is bound."""
    if form.is_bound:
        return mark_safe(render_crispy_form(form) if helper else as_crispy_form(form))  # noqa: S308  # nosec B308 B703
    return _drawn_keyed(_Keyed(_key(form, helper=helper), form))


@functools.lru_cache(maxsize=256)
def _field_drawn_keyed(keyed: _Keyed) -> SafeString:
    return as_crispy_field(_built(keyed.form)[keyed.key[-1]])


@register.simple_tag
def blank_field(form, name: str) -> SafeString:
    """`{{ form.<name>|as_crispy_field }}`, drawn once per process while the form is blank
    (the session note's amendment box), afresh when it is bound."""
    if form.is_bound:
        return as_crispy_field(form[name])
    return _field_drawn_keyed(_Keyed((*_key(form, helper=False), name), form))
