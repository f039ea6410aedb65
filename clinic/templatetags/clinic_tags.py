from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from clinic import fragments

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context, panel):
    """Render one app's panel with its own context plus the request; from the cache while
    the panel's `cache_key` stays the same (clinic/fragments.py)."""

    def build(csrf_token) -> str:
        values = dict(panel.values())
        values["csrf_token"] = csrf_token
        return render_to_string(panel.template, values, request=context.get("request"))

    return mark_safe(  # noqa: S308  # nosec B308 B703 (our templates' output, escaped when rendered)
        fragments.render(panel.cache_key, build, context.get("csrf_token", ""))
    )


class FragmentNode(template.Node):
    def __init__(self, nodelist, key, provider=None):
        self.nodelist = nodelist
        self.key = key
        self.provider = provider

    def render(self, context):
        def build(csrf_token) -> str:
            values = self.provider.resolve(context) or {} if self.provider is not None else {}
            with context.push(**values, csrf_token=csrf_token):
                return self.nodelist.render(context)

        key = self.key.resolve(context)
        html = fragments.render(key, build, context.get("csrf_token", ""))
        return mark_safe(html)  # noqa: S308  # nosec B308 B703 (our template's output, escaped)


@register.tag
def fragment(parser, token):
    """`{% fragment key [using values] %}...{% endfragment %}`: the enclosed part is served from the
    cache while `key` (built by the view with clinic.fragments.key) stays the same; see
    clinic/fragments.py. `values` (a dict, or a fragments.lazy callable returning one) is added to
    the context only when the part is rendered. An empty key renders the part normally."""
    bits = token.split_contents()
    if len(bits) not in (2, 4) or (len(bits) == 4 and bits[2] != "using"):
        raise template.TemplateSyntaxError(
            "Use {% fragment key %} or {% fragment key using values %}"
        )
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    provider = parser.compile_filter(bits[3]) if len(bits) == 4 else None
    return FragmentNode(nodelist, parser.compile_filter(bits[1]), provider)
