"""What the pages with the most markup cost to render: template steps (nodes rendered) per
page, counted by template. Rendering, not SQL, was most of each fresh build (docs/performance.md,
"Issue 14: where the build goes"); each template step costs microseconds, so a page whose steps
grow with every cell or number it draws grows slow. These tests pin that the week grid and the
adherence chart draw their repeated parts in Python, at no template step per cell."""

from __future__ import annotations

import collections
import datetime as dt

import pytest
import time_machine
from django.template import base
from django.urls import reverse

from tests.bookings.factories import AppointmentFactory, RoomFactory, at, give_hours
from tests.exercises.factories import log, published_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def steps(monkeypatch):
    """Template nodes rendered, by template name, while the test runs."""
    counted: collections.Counter = collections.Counter()
    render = base.Node.render_annotated

    def counting(node, context):
        counted[node.origin.template_name if node.origin else None] += 1
        return render(node, context)

    monkeypatch.setattr(base.Node, "render_annotated", counting)
    return counted


def grid_steps(client, steps, **query) -> int:
    steps.clear()
    assert client.get(reverse("bookings:week"), {"date": "2026-03-24", **query}).status_code == 200
    return steps["bookings/includes/grid.html"]


def test_it_draws_a_week_at_no_template_step_per_free_or_closed_cell(
    reception_client, therapist, other_therapist, steps
):
    give_hours(therapist)
    give_hours(other_therapist, start="12:00")  # closed mornings: blocks as well as cells
    with time_machine.travel(at("2026-03-25", "08:00"), tick=False):
        one = grid_steps(reception_client, steps, therapist=therapist.public_id)
        both = grid_steps(reception_client, steps)
    # The second therapist adds 7 columns of 32 quarter-hour rows (09:00 to 17:00): 224 free,
    # closed and past cells, drawn by grid.py. Only the column's heading and footer are
    # template steps (a few per column); templating each cell took three or more steps each.
    assert both - one < 7 * 32


def test_it_draws_a_week_at_no_template_step_per_appointment(reception_client, therapist, steps):
    give_hours(therapist)
    room = RoomFactory()
    with time_machine.travel(at("2026-03-25", "08:00"), tick=False):
        AppointmentFactory(therapist=therapist, start=at("2026-03-23", "09:00"), room=room)
        one = grid_steps(reception_client, steps, therapist=therapist.public_id)
        for day in range(24, 30):  # six more days, two appointments each
            for hhmm in ("10:00", "14:00"):
                AppointmentFactory(therapist=therapist, start=at(f"2026-03-{day}", hhmm))
        body = reception_client.get(
            reverse("bookings:week"), {"date": "2026-03-24", "therapist": therapist.public_id}
        ).content.decode()
        thirteen = grid_steps(reception_client, steps, therapist=therapist.public_id)
    # Each booked block is one template step (bookings/templatetags/grid_tags.py), plus one
    # where it splits a run of drawn free cells; drawn by the template, each appointment took
    # about a dozen.
    assert thirteen - one <= 2 * 12
    assert body.count('class="grid-appointment booking-status-edge-booked"') == 13
    assert f"&middot; {room.name}</span>" in body
    assert (
        '<span class="visually-hidden">Booked, Monday 23 March </span>09:00&ndash;09:30'
    ) in body


def test_it_links_list_rows_without_a_url_lookup_per_row(therapist_client, therapist, monkeypatch):
    import django.urls

    from tests.patients.factories import PatientFactory

    looked_up = []
    reverse_once = django.urls.reverse
    monkeypatch.setattr(
        django.urls, "reverse", lambda *a, **k: looked_up.append(a) or reverse_once(*a, **k)
    )
    for number in range(12):
        PatientFactory(last_name=f"Rowan{number:02d}", created_by=therapist)
    therapist_client.get(reverse_once("patients:list"), {"q": "rowan"})  # first: fill the caches
    looked_up.clear()
    body = therapist_client.get(reverse_once("patients:list"), {"q": "rowan"}).content.decode()
    assert body.count('href="/patients/') >= 12
    # Nothing per row, and nothing for the navigation either (clinic/links.py).
    assert len(looked_up) <= 2


def chart_steps(client, steps, plan) -> tuple[int, str]:
    steps.clear()
    response = client.get(reverse("patients:detail", args=[plan.patient.public_id]))
    assert response.status_code == 200
    # The plans panel is drawn in Python whole (its chart and weekly table too): the steps
    # counted are the page's own templates'.
    return sum(steps.values()), response.content.decode()


def test_it_draws_the_adherence_chart_at_no_template_step_per_bar(
    therapist_client, therapist, steps
):
    now = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        short = published_plan(therapist=therapist, start_date=now.date() - dt.timedelta(days=7))
        long = published_plan(therapist=therapist, start_date=now.date() - dt.timedelta(days=70))
        for plan in (short, long):
            log(plan, plan.start_date, pain=3)
        two_weeks, two_body = chart_steps(therapist_client, steps, short)
        eleven_weeks, eleven_body = chart_steps(therapist_client, steps, long)
    # Nine more weeks add nine rows to the table beside the chart and nine bars to the chart,
    # all drawn in Python (adherence_tags.draw_panel, exercises/chart.py): not one template
    # step more on the whole page.
    assert 'text-anchor="middle">W11</text>' in eleven_body
    assert 'text-anchor="middle">W11</text>' not in two_body
    assert two_weeks > 0
    assert eleven_weeks == two_weeks


def test_it_keeps_the_chart_readable_by_screen_readers(therapist_client, therapist):
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC), tick=False):
        plan = published_plan(therapist=therapist, start_date=dt.date(2026, 2, 24))
        log(plan, dt.date(2026, 2, 25), pain=6)
        body = therapist_client.get(
            reverse("patients:detail", args=[plan.patient.public_id])
        ).content.decode()
    title = f"chart-title-{plan.public_id}"
    assert f'role="img" aria-labelledby="{title}"' in body
    assert f'<title id="{title}">Adherence (bars, % of prescribed sessions)' in body
    assert 'text-anchor="middle">W1</text>' in body
    assert 'text-anchor="middle">W3</text>' in body
    assert '<circle class="chart-dot"' in body
