from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context, panel):
    """Render one app's panel with its own context plus the request."""
    return render_to_string(panel.template, panel.context, request=context.get("request"))
