from django import template
from django.utils.safestring import SafeString

from clinic import links
from clinic.markup import escape

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context, panel):
    """Render one app's panel: its `draw` function's markup, or its template with its own
    context plus the request and the page's CSRF token.

    Rendered inside the page's context (`Context.new`, as `{% include ... only %}` does), so
    the context processors the page already ran are not run again for every panel."""
    if panel.draw is not None:
        return panel.draw(panel.values(), context.get("csrf_token", ""))
    values = dict(panel.values())
    values["csrf_token"] = context.get("csrf_token", "")
    values["request"] = context.get("request")
    return context.template.engine.get_template(panel.template).render(context.new(values))


@register.simple_tag(takes_context=True)
def render_panels(context, panels):
    """`{% for panel in panels %}{% render_panel panel %}{% endfor %}` in one step: the same
    markup (each panel's escaped as the tag's output is), without a loop and a tag a panel."""
    return SafeString("".join(escape(render_panel(context, panel)) for panel in panels))  # nosec B703


@register.simple_tag
def fixed_url(name: str) -> str:
    """`{% url name %}` without a resolver walk per page (clinic/links.py): for the navigation
    and other links drawn on every page."""
    return links.fixed_url(name)


@register.simple_tag
def static_url(path: str) -> str:
    """`{% static path %}` looked up once per process (clinic/links.py): for the assets the
    base layout links on every page."""
    return links.static_url(path)


@register.simple_tag
def uuid_url(name: str, value) -> str:
    """`{% url name value %}` for a URL taking one UUID, without a resolver walk per link
    (clinic/links.py): for links drawn once per row of a list."""
    return links.uuid_url(name, value)
