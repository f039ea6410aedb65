"""The portal home's exercise cards, "Coming up" list and the condition, stage and running cards are
drawn in Python (portal/exercise_cards.py, bookings/upcoming_markup.py, the apps' panels.py
`Panel.draw`): what a physio or the library typed still reaches the patient as text, never as
markup, and each card still says what to do."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from types import SimpleNamespace

import pytest
from django.template import engines
from django.urls import reverse

from assessments.panels import _portal_condition_html
from bookings.upcoming_markup import portal_upcoming_panel_html, upcoming_for_patient_html
from exercises.videos.selectors import PlanMedia
from portal.exercise_cards import exercise_cards_html, today_html
from rehab.catalogue import Stage
from rehab.panels import _portal_stage_html
from running.panels import _portal_programme_html

ITEM = {
    "key": "calf-raise",
    "name": "Calf raise <b>",
    "note": "<script>alert(1)</script> go slowly",
    "days_text": "Monday, Thursday",
    "dose_text": "3 sets of 10",
    "dose_note": "Never two days in a row",
    "stop_rules": ["Sharp pain > 5 out of 10"],
    "instructions": ["Stand tall", "Rise onto your toes"],
    "step": {"name": "Both legs", "number": 1, "of": 3},
    "next_step": {"name": "One leg", "when": "it feels easy"},
}
VIDEO = uuid.UUID(int=7)


def test_it_draws_what_the_physio_typed_as_text():
    cards = exercise_cards_html([ITEM], PlanMedia(illustrated=set(), videos={}))
    assert "<script>" not in cards
    assert "From your physio: &lt;script&gt;alert(1)&lt;/script&gt; go slowly" in cards
    assert '<h3 class="h5">1. Calf raise &lt;b&gt;</h3>' in cards
    assert "<li>Sharp pain &gt; 5 out of 10</li>" in cards


def test_it_numbers_the_cards_and_gives_each_its_dose_stop_rules_and_steps():
    second = {**ITEM, "key": "bridge", "name": "Bridge", "note": "", "step": None}
    cards = exercise_cards_html([ITEM, second], PlanMedia(illustrated=set(), videos={}))
    assert cards.index("1. Calf raise") < cards.index("2. Bridge")
    assert cards.count('class="fw-semibold mb-1 exercise-dose">3 sets of 10</p>') == 2
    assert cards.count("Never two days in a row") == 2
    assert 'id="stop-rules-calf-raise"' in cards
    assert 'id="stop-rules-bridge"' in cards
    assert "Your step: Both legs (step 1 of 3)" in cards
    assert cards.count("Your step:") == 1  # the second item has no step
    assert "Next step, “One leg”, when it feels easy." in cards
    assert "<li>Stand tall</li><li>Rise onto your toes</li>" in cards
    assert "From your physio" not in cards.split("2. Bridge")[1]


def test_it_shows_a_picture_and_video_only_where_the_exercise_has_them():
    media = PlanMedia(
        illustrated={"calf-raise"},
        videos={"calf-raise": {"public_id": VIDEO, "content_type": "video/mp4"}},
    )
    second = {**ITEM, "key": "bridge", "name": "Bridge"}
    cards = exercise_cards_html([ITEM, second], media)
    first, other = cards.split("2. Bridge")
    assert f'src="{reverse("portal:illustration", args=["calf-raise"])}"' in first
    assert f'src="{reverse("portal:video", args=["calf-raise"])}?v={VIDEO}"' in first
    assert 'type="video/mp4"' in first
    assert f'src="{reverse("portal:video_captions", args=["calf-raise"])}?v={VIDEO}"' in first
    assert "<img" not in other
    assert "<video" not in other


def _appointment(start: dt.datetime, *, phone: str = "020 7946 0000"):
    return SimpleNamespace(
        start=start,
        duration_minutes=45,
        status="booked",
        public_id=uuid.UUID(int=3),
        therapist=SimpleNamespace(get_full_name=lambda: ""),
        site=SimpleNamespace(phone_for_patients=phone),
    )


def test_it_draws_the_next_appointments_in_the_patients_zone_with_a_way_to_cancel():
    start = dt.datetime(2026, 7, 6, 13, 30, tzinfo=dt.UTC)
    html = upcoming_for_patient_html(
        [{"appointment": _appointment(start), "may_cancel": True}],
        notice_hours=24,
        clinic_phone="01632 960000",
        csrf_token="token",
        time_zone="America/New_York",
    )
    assert "<strong>Monday 6 July, 09:30</strong>" in html
    assert "with your therapist" in html
    assert f'action="{reverse("portal:appointments:cancel", args=[uuid.UUID(int=3)])}"' in html
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="token">' in html
    assert "please phone the clinic on 01632 960000 so your therapist knows" in html


def test_it_gives_the_sites_number_instead_of_a_cancel_button_inside_the_notice_window():
    start = dt.datetime(2026, 7, 6, 13, 30, tzinfo=dt.UTC)
    html = upcoming_for_patient_html(
        [{"appointment": _appointment(start), "may_cancel": False}],
        notice_hours=24,
        clinic_phone="",
        csrf_token="token",
        time_zone="Europe/London",
    )
    assert "<strong>Monday 6 July, 14:30</strong>" in html
    assert "<form" not in html
    assert '<a href="tel:02079460000">020 7946 0000</a>' in html
    assert "Less than 24 hours to go" in html


def test_it_says_when_nothing_is_booked():
    html = upcoming_for_patient_html(
        [], notice_hours=24, clinic_phone="", csrf_token="token", time_zone="Europe/London"
    )
    assert "No appointments booked." in html
    assert "<ul" not in html


def test_it_draws_the_coming_up_card_in_the_patients_zone_with_a_link_to_every_appointment():
    start = dt.datetime(2026, 7, 6, 13, 30, tzinfo=dt.UTC)
    html = portal_upcoming_panel_html(
        {
            "patient": SimpleNamespace(time_zone="Australia/Sydney"),
            "upcoming": [{"appointment": _appointment(start), "may_cancel": True}],
            "notice_hours": 24,
            "clinic_phone": "01632 960000",
        },
        "token",
    )
    assert "<strong>Monday 6 July, 23:30</strong>" in html
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="token">' in html
    assert f'<a href="{reverse("portal:appointments:list")}">All my appointments</a>' in html


def test_it_puts_a_red_flag_instruction_and_the_clinics_number_in_the_condition_card():
    html = _portal_condition_html(
        {
            "explanations": [
                {
                    "text": "Your symptoms need a doctor <today>",
                    "action": "Go to A&E now",
                    "phone": "020 7946 0000",
                },
                {"text": "Still being worked out", "next": "We will check <your hip>"},
            ]
        },
        "token",
    )
    assert '<p class="mb-2">Your symptoms need a doctor &lt;today&gt;</p>' in html
    assert '<p class="fw-bold mb-1">Go to A&amp;E now</p>' in html
    assert '<a class="alert-link" href="tel:020 7946 0000">020 7946 0000</a>' in html
    # the last explanation's last paragraph closes the card without a bottom margin
    assert '<p class="mb-0">We will check &lt;your hip&gt;</p>' in html
    assert html.index("Go to A&amp;E now") < html.index("Still being worked out")


def test_it_leaves_out_the_clinics_number_when_there_is_none():
    html = _portal_condition_html(
        {"explanations": [{"text": "See your GP", "action": "Book with your GP", "phone": ""}]},
        "token",
    )
    assert "Book with your GP" in html
    assert "Ring the clinic" not in html


def test_it_draws_the_stage_card_as_text_and_nothing_before_a_stage():
    stage = Stage(code="load", label="Loading <1>", patient_text="Walk & jog", exit=())
    html = _portal_stage_html({"stage": stage}, "token")
    assert "<strong>Loading &lt;1&gt;</strong>" in html
    assert '<p class="mb-2">Walk &amp; jog</p>' in html
    assert f'<a href="{reverse("portal:rehab")}">What it takes to move on</a>' in html
    assert "Your recovery stage" not in _portal_stage_html({}, "token")


def _programme(*, held=False, status="active"):
    # As the home reads it: of the steps only the current one and how many there are.
    step = {
        "name": "<b>Run-walk</b>",
        "walk_minutes": 0,
        "run_minutes": 5,
        "repeats": 1,
        "extra_minutes": 0,
        "extra": "<then> walk",
        "terrain": ["flat"],
        "effort": "easy",
        "runs_to_move_on": 3,
        "note": "",
    }
    return SimpleNamespace(is_held=held, status=status, current_step=1, step_count=8, step_now=step)


def test_it_draws_todays_running_step_as_text_with_a_way_to_log_a_run():
    html = _portal_programme_html({"programme": _programme(), "awaiting": []}, "token")

    assert "Step 2 of 8: &lt;b&gt;Run-walk&lt;/b&gt;" in html
    assert "<p>Run 5 minutes without stopping. &lt;then&gt; walk</p>" in html
    assert f'href="{reverse("portal:running_log")}">Log a run</a>' in html
    assert f'href="{reverse("portal:running")}">My running programme</a>' in html
    assert "How was this morning?" not in html


def test_it_asks_about_the_morning_after_a_run_waiting_for_its_answer():
    run = SimpleNamespace(public_id=uuid.uuid4(), date=dt.date(2026, 3, 2))
    html = _portal_programme_html({"programme": _programme(), "awaiting": [run]}, "token")

    morning = reverse("portal:running_morning", args=[run.public_id])
    asks = "Tell us your pain the morning after your run of Monday 2 March</a>"
    assert f'<a href="{morning}">{asks}' in html


def test_a_held_or_finished_programme_gives_no_step_and_no_way_to_log():
    held = _portal_programme_html({"programme": _programme(held=True), "awaiting": []}, "")
    done = _portal_programme_html({"programme": _programme(status="completed"), "awaiting": []}, "")

    assert "please do not run until you have been checked" in held
    assert "finished your return-to-run programme" in done
    for html in (held, done):
        assert "Log a run" not in html
        assert "Run-walk" not in html


# The home template's "Today's exercises" section as it was before `today_html` drew it: the
# markup must stay the same byte for byte.
_TODAY_TEMPLATE = (
    "{% load clinic_tags %}"
    '\n  <section class="mb-4" aria-labelledby="today-heading">\n    <div class="d-flex flex-wrap'
    ' justify-content-between align-items-center gap-2 mb-2">\n      <h2 class="h4 mb-0"'
    ' id="today-heading">Today\'s exercises</h2>\n      <span class="text-body-secondary small">'
    '{{ today_text }}</span>\n    </div>\n    {% if today_log %}\n      <div class="alert'
    " alert-success\">You have logged today's session. <a href=\"{% fixed_url 'portal:log' %}\">"
    'Change it</a></div>\n    {% endif %}\n    <a class="btn btn-primary btn-lg btn-lg-mobile'
    " mb-3\" href=\"{% fixed_url 'portal:log' %}\">{% if today_log %}Update today's log{% else %}"
    'Log today\'s session{% endif %}</a>\n    {% if not due_today %}<p class="portal-rest-day">'
    "Nothing is due today: a rest day is part of your plan.</p>{% endif %}\n    <ol"
    ' class="list-unstyled portal-exercises">\n    {{ exercise_cards }}\n    </ol>\n    {% if'
    ' not_today %}\n      <h3 class="h6">Not today</h3>\n      <ul class="portal-not-today">\n'
    "      {% for item in not_today %}\n        <li>{{ item.name }}: {% if item.next_on %}next on"
    " {{ item.next_text }}{% else %}not due in the next four weeks{% endif %}</li>\n      {% endfor"
    " %}\n      </ul>\n    {% endif %}\n  </section>\n"
)
_LATER = [
    {**ITEM, "next_on": dt.date(2026, 3, 5), "next_text": "Thursday <soon>"},
    {**ITEM, "name": "Bridge & hold", "next_on": None, "next_text": ""},
]


@pytest.mark.parametrize(
    ("logged", "due", "later"),
    list(itertools.product([False, True], [[], [ITEM]], [[], _LATER[:1], _LATER])),
)
def test_todays_section_is_the_templates_markup(logged, due, later):
    cards = exercise_cards_html(due, PlanMedia(illustrated=set(), videos={}))
    values = {
        "today_text": "Tuesday 3 <March>",
        "today_log": logged,
        "due_today": due,
        "exercise_cards": cards,
        "not_today": later,
    }
    expected = engines["django"].from_string(_TODAY_TEMPLATE).render(values)
    drawn = today_html(
        today_text="Tuesday 3 <March>", logged=logged, due=due, cards=cards, not_today=later
    )
    assert drawn == expected
