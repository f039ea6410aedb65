from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context, panel):
    """Render one app's panel with its own context plus the request and the page's CSRF token.

    Rendered inside the page's context (`Context.new`, as `{% include ... only %}` does), so
    the context processors the page already ran are not run again for every panel."""
    values = dict(panel.values())
    values["csrf_token"] = context.get("csrf_token", "")
    values["request"] = context.get("request")
    return context.template.engine.get_template(panel.template).render(context.new(values))
