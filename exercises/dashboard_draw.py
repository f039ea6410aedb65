"""The therapist dashboard's exercise panels drawn in Python (`Panel.draw`): the alerts card
whole, and the comments and texts cards when they are empty (most views: their rows, up to
five each, stay their templates'). Each is the markup its template draws, byte for byte
(tests/exercises/test_dashboard_draw.py holds them together); a panel template cost more to
look up and render than its data cost to read."""

from __future__ import annotations

from django.conf import settings
from django.utils.safestring import SafeString

from clinic.panels import template_text

ALERTS_TEMPLATE = "exercises/panels/dashboard_alerts.html"
COMMENTS_TEMPLATE = "exercises/panels/dashboard_comments.html"
TEXTS_TEMPLATE = "notifications/panels/dashboard_texts.html"

_ALERTS_HEAD = (
    '<section class="col-12" aria-labelledby="exercise-alerts-heading">\n'
    '  <div class="card">\n'
    '    <div class="card-body">\n'
    '      <h2 class="h5" id="exercise-alerts-heading">Home-exercise alerts</h2>\n'
    "      "
)
_ALERTS_TAIL = "\n    </div>\n  </div>\n</section>\n"
_NO_ALERTS = SafeString(  # nosec B703 (a constant)
    _ALERTS_HEAD
    + '\n      <p class="text-body-secondary mb-0">No alerts: every active plan is on track.</p>'
    "\n      " + _ALERTS_TAIL
)
_NO_COMMENTS = SafeString(  # nosec B703 (a constant)
    '<section class="col-12" aria-labelledby="comments-heading">\n'
    '  <div class="card">\n'
    '    <div class="card-body">\n'
    '      <h2 class="h5" id="comments-heading">Patients\' comments </h2>\n'
    "      \n"
    '      <p class="text-body-secondary mb-0">No comments from your patients yet.</p>\n'
    "      \n"
    "    </div>\n"
    "  </div>\n"
    "</section>\n"
)
_NO_TEXTS = SafeString(  # nosec B703 (a constant)
    '<section class="col-12" aria-labelledby="texts-heading">\n'
    '  <div class="card">\n'
    '    <div class="card-body">\n'
    '      <h2 class="h5" id="texts-heading">Texts from your patients </h2>\n'
    "      \n"
    '      <p class="text-body-secondary mb-0">No texts from your patients to read.</p>\n'
    "      \n"
    "    </div>\n"
    "  </div>\n"
    "</section>\n"
)


def draw_alerts(values: dict, csrf_token) -> SafeString:
    """The alerts card: `alert_rows` (drawn by `dashboard.alert_rows_html`) in its list and
    how many more there are, or that there is none."""
    if not values["alerts"]:
        return _NO_ALERTS
    more = values["more_alerts"]
    if settings.USE_THOUSAND_SEPARATOR:  # `{{ more_alerts }}` would group its digits
        return SafeString(template_text(ALERTS_TEMPLATE, values, csrf_token))  # nosec B703
    more_line = (
        '<p class="small text-body-secondary mb-0 mt-2">And '
        f"{more} more alert{'' if more == 1 else 's'}: they move up as these are"
        " acknowledged.</p>"
        if more
        else ""
    )
    return SafeString(  # nosec B703 (the rows are escaped where drawn, the rest is ours)
        f"{_ALERTS_HEAD}\n"
        '      <ul class="list-group list-group-flush exercise-alerts">\n'
        f"        {values['alert_rows']}\n"
        "      </ul>\n"
        f"      {more_line}\n"
        f"      {_ALERTS_TAIL}"
    )


def draw_comments(values: dict, csrf_token) -> SafeString:
    """The comment inbox: that there is none here, the comments by the template."""
    if values["comments"]:
        return SafeString(template_text(COMMENTS_TEMPLATE, values, csrf_token))  # nosec B703
    return _NO_COMMENTS


def draw_texts(values: dict, csrf_token) -> SafeString:
    """The texts inbox: that there is none here, the texts by the template."""
    if values["texts"]:
        return SafeString(template_text(TEXTS_TEMPLATE, values, csrf_token))  # nosec B703
    return _NO_TEXTS
