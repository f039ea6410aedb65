from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context, panel):
    """Render one app's panel with its own context plus the request."""
    values = dict(panel.values())
    values["csrf_token"] = context.get("csrf_token", "")
    return mark_safe(  # noqa: S308  # nosec B308 B703 (our templates' output, escaped when rendered)
        render_to_string(panel.template, values, request=context.get("request"))
    )
