"""The dashboard's cards drawn in Python (exercises/dashboard_draw.py, running/panels.py, the
empty referrals card of assessments/panels.py; bookings' list of the day has its own test)
against the templates they stand for: the same markup byte for byte, with and without rows."""

import datetime as dt
from uuid import uuid4

import pytest
from django.template import Context
from django.template.loader import get_template

from assessments import panels as assessment_panels
from exercises import dashboard_draw
from exercises.dashboard import AlertLine, alert_rows_html
from running import panels as running_panels

DAY = dt.date(2026, 11, 30)
TOKEN = "tok<en>&"


def template_markup(name: str, values: dict, token: str = TOKEN) -> str:
    """What `{% render_panel %}` drew for a template panel (its own context, the token)."""
    return get_template(name).template.render(
        Context({**values, "csrf_token": token, "request": None})
    )


def lines(count: int) -> tuple:
    return tuple(
        AlertLine(
            uuid4(),
            uuid4(),
            f"Ann O'Hara & <{n}>",
            "pain_up" if n % 2 else "no_log",
            "Pain up" if n % 3 else "",
            "Pain <up> & 2 points",
            DAY,
            DAY if n % 2 else None,
            DAY + dt.timedelta(days=6) if n % 4 == 1 else None,
        )
        for n in range(count)
    )


@pytest.mark.parametrize(("count", "more"), [(0, 0), (1, 0), (3, 1), (25, 7)])
def test_it_draws_the_alerts_card_as_its_template(count, more):
    found = lines(count)
    values = {"alerts": bool(found), "alert_rows": alert_rows_html(found), "more_alerts": more}
    drawn = dashboard_draw.draw_alerts(values, TOKEN)
    assert drawn == template_markup(dashboard_draw.ALERTS_TEMPLATE, values)
    assert hasattr(drawn, "__html__")


def test_it_leaves_grouped_numbers_to_the_template(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    values = {"alerts": True, "alert_rows": alert_rows_html(lines(1)), "more_alerts": 1234}
    drawn = dashboard_draw.draw_alerts(values, TOKEN)
    assert drawn == template_markup(dashboard_draw.ALERTS_TEMPLATE, values)


def test_it_draws_the_empty_comments_and_texts_cards_as_their_templates():
    comments = {"comments": [], "unread": 0}
    texts = {"texts": [], "unread": 0}
    assert dashboard_draw.draw_comments(comments, TOKEN) == template_markup(
        dashboard_draw.COMMENTS_TEMPLATE, comments
    )
    assert dashboard_draw.draw_texts(texts, TOKEN) == template_markup(
        dashboard_draw.TEXTS_TEMPLATE, texts
    )


def run_row(n: int) -> dict:
    return {
        "run_id": str(uuid4()),
        "date": DAY - dt.timedelta(days=n),
        "pain_before": 2,
        "pain_during": 3 + n,
        "pain_after": 4,
        "pain_next_morning": None if n % 2 else 6,
        "comment": "" if n % 3 else "Knee <hurt> & more",
        "patient_id": n,
        "patient_ref": str(uuid4()),
        "patient__first_name": "Ann",
        "patient__last_name": f"O'Hara {n}",
    }


@pytest.mark.parametrize(("count", "more"), [(0, False), (1, False), (4, True)])
def test_it_draws_the_runs_card_as_its_template(count, more):
    values = {"runs": [run_row(n) for n in range(count)], "more": more}
    drawn = running_panels._dashboard_runs_html(values, TOKEN)
    assert drawn == template_markup("running/panels/dashboard_runs.html", values)
    assert hasattr(drawn, "__html__")


def test_it_draws_the_empty_referrals_card_as_its_template():
    values = {"rows": [], "more": False}
    drawn = assessment_panels.draw_dashboard_referrals(values, TOKEN)
    assert drawn == template_markup(assessment_panels.DASHBOARD_REFERRALS_TEMPLATE, values)
    assert hasattr(drawn, "__html__")


def test_it_keeps_the_runs_rows_but_draws_each_views_token_and_each_change():
    runs = [run_row(n) for n in range(3)]
    first = running_panels._dashboard_runs_html({"runs": runs, "more": False}, "tok&1")
    again = running_panels._dashboard_runs_html({"runs": runs, "more": False}, "tok<2>")
    # The second view's rows come from the kept markup, with its own token in every form.
    assert again.count('value="tok&lt;2&gt;"') == 3
    assert again == template_markup(
        "running/panels/dashboard_runs.html", {"runs": runs, "more": False}, token="tok<2>"
    )
    assert first.replace("tok&amp;1", "tok&lt;2&gt;") == again
    changed = [*runs[:2], {**runs[2], "comment": "New <note>"}]
    drawn = running_panels._dashboard_runs_html({"runs": changed, "more": False}, "tok&1")
    assert "New &lt;note&gt;" in drawn
    assert drawn == template_markup(
        "running/panels/dashboard_runs.html", {"runs": changed, "more": False}, token="tok&1"
    )
