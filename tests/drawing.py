"""Comparing a tag that draws in Python with the template text it replaced."""

from __future__ import annotations

from django.template import Context, Template


def drawn_and_templated(load: str, tag: str, text: str, context: dict) -> tuple[str, str]:
    """What `tag` (after the `{% load %}` line `load`) draws, and what the replaced template
    `text` (which carries its own load line) draws, from the same context."""
    return Template(load + tag).render(Context(context)), Template(text).render(Context(context))
