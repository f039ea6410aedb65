"""The session-note pages: who may open them, what the calendar and the patient page show
each role, bad input, signing through the page, and query counts that stay flat."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.models import F
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import selectors as bookings_selectors
from bookings.models import Appointment
from tests.conftest import make_user
from tests.exercises.factories import log, published_plan
from treatment import selectors, services
from treatment.models import TreatmentGiven, TreatmentSession

from .factories import LUMBAR_PA_L5, attended_visit, final_intake, session_with

pytestmark = pytest.mark.django_db

MANAGEMENT = {
    "treatments-TOTAL_FORMS": "2",
    "treatments-INITIAL_FORMS": "0",
    "treatments-MIN_NUM_FORMS": "0",
    "treatments-MAX_NUM_FORMS": "20",
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _day_url(appointment) -> str:
    day = timezone.localtime(appointment.start).date()
    return f"{reverse('bookings:home')}?date={day.isoformat()}"


def test_it_links_each_attended_visit_to_its_note_on_the_day_calendar(therapist):
    arrived = attended_visit(therapist=therapist, hours_ago=2)
    booked = attended_visit(therapist=therapist, status="booked", hours_ago=4)

    body = _client(therapist).get(_day_url(arrived)).content.decode()

    assert reverse("treatment:open", args=[arrived.public_id]) in body
    assert reverse("treatment:open", args=[booked.public_id]) not in body


def test_it_tells_the_clinician_on_the_calendar_whether_the_note_is_a_draft_or_signed(
    therapist,
):
    appointment = attended_visit(therapist=therapist)
    link = reverse("treatment:open", args=[appointment.public_id])
    client = _client(therapist)

    without = client.get(_day_url(appointment)).content.decode()
    session = session_with(appointment=appointment, therapist=therapist)
    draft = client.get(_day_url(appointment)).content.decode()
    services.session_sign(session=session, by=therapist)
    signed = client.get(_day_url(appointment)).content.decode()

    assert f'href="{link}">Session note</a>' in without
    assert f'href="{link}">Session note (draft)</a>' in draft
    assert f'href="{link}">Session note (signed)</a>' in signed


def test_it_shows_reception_that_a_note_is_signed_but_never_a_link_or_its_content(
    therapist, reception
):
    appointment = attended_visit(therapist=therapist)
    session = session_with(
        appointment=appointment,
        therapist=therapist,
        patient_words="Worse after the long run on Sunday",
        plan_changes="Stop the tensioners",
    )
    services.session_sign(session=session, by=therapist)
    client = _client(reception)

    calendar = client.get(_day_url(appointment)).content.decode()
    patient_page = client.get(
        reverse("patients:detail", args=[appointment.patient.public_id])
    ).content.decode()

    assert "Session note signed" in calendar
    assert "Session note" in patient_page
    assert "Signed" in patient_page
    for body in (calendar, patient_page):
        assert reverse("treatment:session", args=[session.public_id]) not in body
        assert reverse("treatment:open", args=[appointment.public_id]) not in body
        assert "long run on Sunday" not in body
        assert "tensioners" not in body


@pytest.mark.parametrize("role", ["reception", "patient"])
def test_it_refuses_the_note_pages_to_reception_and_patients(therapist, role):
    appointment = attended_visit(therapist=therapist)
    session = session_with(
        appointment=appointment, therapist=therapist, patient_words="Secret words"
    )
    user = make_user(f"{role}2@test.example", role)
    client = _client(user)

    pages = [
        client.get(reverse("treatment:open", args=[appointment.public_id])),
        client.get(reverse("treatment:session", args=[session.public_id])),
        client.post(reverse("treatment:session", args=[session.public_id]), {"action": "sign"}),
        client.post(reverse("treatment:amend", args=[session.public_id]), {"reason": "x"}),
    ]

    assert {response.status_code for response in pages} <= {403, 404}
    assert all(b"Secret words" not in response.content for response in pages)
    assert TreatmentSession.objects.get(pk=session.pk).status == "draft"


def test_it_starts_a_note_once_and_then_always_opens_it(therapist):
    appointment = attended_visit(therapist=therapist)
    client = _client(therapist)
    url = reverse("treatment:open", args=[appointment.public_id])

    offered = client.get(url)
    started = client.post(url)
    again = client.get(url)

    session = TreatmentSession.objects.get(appointment=appointment)
    assert b"Start the session note" in offered.content
    assert started["Location"] == reverse("treatment:session", args=[session.public_id])
    assert again["Location"] == started["Location"]
    assert TreatmentSession.objects.count() == 1


def test_it_explains_why_no_note_can_start_for_a_cancelled_visit(therapist):
    appointment = attended_visit(therapist=therapist, status="cancelled")

    response = _client(therapist).post(reverse("treatment:open", args=[appointment.public_id]))

    assert response.status_code == 400
    assert b"mark them arrived first" in response.content
    assert not TreatmentSession.objects.exists()


def test_it_shows_an_out_of_range_angle_next_to_its_field_and_saves_nothing(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(appointment=appointment, therapist=therapist)

    response = _client(therapist).post(
        reverse("treatment:session", args=[session.public_id]),
        {
            **MANAGEMENT,
            "action": "save",
            "before-slr_angle_affected_deg": "200",
            "after-knee_flexion_strength_pct": "180",
        },
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "Enter a whole number from 0 to 180." in body
    assert "Enter a whole number from 0 to 150." in body
    assert session.retests.get(phase="before").slr_angle_affected_deg is None


def test_it_signs_through_the_page_and_shows_the_suggestion_change(therapist):
    appointment = attended_visit(therapist=therapist)
    final_intake(episode=appointment.episode, therapist=therapist)
    session = session_with(appointment=appointment, therapist=therapist)
    url = reverse("treatment:session", args=[session.public_id])
    client = _client(therapist)
    data = {
        **MANAGEMENT,
        "before-slump_test": "positive_differentiated",
        "after-slump_test": "negative",
        "treatments-0-kind": "lumbar_mobilisation",
        "treatments-0-technique": "pa_central",
        "treatments-0-level": "L5",
        "treatments-0-grade": "3",
        "treatments-0-body_position": "prone",
    }

    draft = client.post(url, {**data, "action": "save"})
    suggested = client.get(url).content.decode()
    # The page now lists the saved treatment as an initial row, and two empty ones.
    data |= {"treatments-TOTAL_FORMS": "3", "treatments-INITIAL_FORMS": "1"}
    refused = client.post(url, {**data, "action": "sign"})
    signed = client.post(
        url,
        {**data, "action": "sign", "retest_after_lumbar_treatment": "neural_signs_improved"},
    )
    page = client.get(url).content.decode()

    assert draft.status_code == 302
    assert "Neural signs improved" in suggested
    assert refused.status_code == 400
    assert b"say how the neural signs changed" in refused.content
    assert signed.status_code == 302
    assert "Indeterminate (low confidence)" in page
    assert "Referral from the lumbar spine" in page
    assert "count for lumbar" in page
    assert "No longer brings on the familiar symptom" in page


def test_it_will_not_edit_a_signed_note_through_the_page(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(appointment=appointment, therapist=therapist, plan_changes="Kept")
    services.session_sign(session=session, by=therapist)

    response = _client(therapist).post(
        reverse("treatment:session", args=[session.public_id]),
        {**MANAGEMENT, "action": "save", "plan_changes": "Rewritten"},
    )

    assert response.status_code == 302
    assert TreatmentSession.objects.get(pk=session.pk).plan_changes == "Kept"


def test_it_says_why_a_note_for_a_future_appointment_cannot_be_signed(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(appointment=appointment, therapist=therapist)
    later = timezone.now() + dt.timedelta(hours=2)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=later, end=later + dt.timedelta(minutes=30)
    )

    response = _client(therapist).post(
        reverse("treatment:session", args=[session.public_id]), {**MANAGEMENT, "action": "sign"}
    )

    assert response.status_code == 400
    assert b"has not started yet" in response.content
    assert TreatmentSession.objects.get(pk=session.pk).status == "draft"


def _count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_it_runs_the_same_queries_for_a_note_with_one_or_many_rows(therapist):
    """Session page: session with its relations, re-tests, treatments, the previous visit,
    the logs, the episode's final assessments; plus the session, user and audit queries."""
    one = attended_visit(therapist=therapist)
    final_intake(episode=one.episode, therapist=therapist)
    plan = published_plan(
        therapist=therapist,
        episode=one.episode,
        start_date=timezone.localdate() - dt.timedelta(days=20),
    )
    log(plan, timezone.localdate() - dt.timedelta(days=1), comment="Fine")
    small = session_with(
        appointment=one,
        therapist=therapist,
        before={"slump_test": "positive_differentiated"},
        after={"slump_test": "negative"},
        treatments=[LUMBAR_PA_L5],
    )
    many = attended_visit(therapist=therapist, episode=one.episode, hours_ago=26)
    for days in range(2, 12):
        log(plan, timezone.localdate() - dt.timedelta(days=days), comment=f"Day {days}")
    large = session_with(
        appointment=many,
        therapist=therapist,
        before={"slump_test": "positive_differentiated", "slr_angle_affected_deg": 50},
        after={"slump_test": "negative", "slr_angle_affected_deg": 60},
        treatments=[LUMBAR_PA_L5] * 6,
    )
    client = _client(therapist)

    small_count = _count(client, reverse("treatment:session", args=[small.public_id]))
    large_count = _count(client, reverse("treatment:session", args=[large.public_id]))

    assert small_count == large_count
    assert small_count <= 12


def test_it_marks_the_calendar_with_one_query_however_many_notes(therapist, other_therapist):
    first = attended_visit(therapist=therapist, hours_ago=1)
    session_with(appointment=first, therapist=therapist)
    client = _client(therapist)
    one = _count(client, _day_url(first))
    for hours in (2, 3, 4):
        visit = attended_visit(therapist=other_therapist, hours_ago=hours)
        session_with(appointment=visit, therapist=other_therapist)

    many = _count(client, _day_url(first))

    assert one == many


def test_the_calendar_asks_no_statement_of_its_own_for_the_notes_marks(therapist):
    # The notes' states come with the appointments' read (`calendar_note_state`, which
    # treatment's panels.py offers to bookings): a day with attended, noted visits costs what
    # a day without does.
    booked = attended_visit(therapist=therapist, status="booked", hours_ago=1)
    client = _client(therapist)
    plain = _count(client, _day_url(booked))
    for hours in (2, 3):
        visit = attended_visit(therapist=therapist, hours_ago=hours)
        if timezone.localtime(visit.start).date() == timezone.localtime(booked.start).date():
            session_with(appointment=visit, therapist=therapist)

    noted = _count(client, _day_url(booked))
    week = _count(client, f"{reverse('bookings:week')}?date={_day_url(booked)[-10:]}")

    assert noted == plain
    assert week == plain


def test_the_calendars_read_gives_each_visits_note_state_as_session_states_does(therapist):
    without = attended_visit(therapist=therapist, hours_ago=1)
    draft = attended_visit(therapist=therapist, hours_ago=2)
    session_with(appointment=draft, therapist=therapist)
    signed = attended_visit(therapist=therapist, hours_ago=3)
    services.session_sign(
        session=session_with(appointment=signed, therapist=therapist), by=therapist
    )
    amended = attended_visit(therapist=therapist, hours_ago=4)
    first = services.session_sign(
        session=session_with(appointment=amended, therapist=therapist), by=therapist
    )
    services.session_amend(session=first, by=therapist, reason="A fuller note")
    completed = attended_visit(therapist=therapist, status="completed", hours_ago=5)
    services.session_sign(
        session=session_with(appointment=completed, therapist=therapist), by=therapist
    )
    booked = attended_visit(therapist=therapist, status="booked", hours_ago=6)
    today = timezone.localdate()

    days = bookings_selectors.calendar_days(
        first=today - dt.timedelta(days=1), last=today, therapist=therapist
    )

    items = {
        item.pk: item
        for day in days
        for column in day["columns"]
        for item in column["appointments"]
    }
    visits = [without, draft, signed, amended, completed]
    assert set(items) == {visit.pk for visit in [*visits, booked]}
    read = {
        pk: items[pk].note_state
        for pk in (visit.pk for visit in visits)
        if items[pk].note_state is not None
    }
    assert read == selectors.session_states(appointment_ids=[visit.pk for visit in visits])
    assert read == {draft.pk: False, signed.pk: True, amended.pk: True, completed.pk: True}
    assert items[without.pk].note_state is None
    assert items[booked.pk].note_state is None  # not attended: not looked for


@pytest.mark.parametrize("asked", [2, 5, 16, 17, 70])
def test_it_finds_each_visits_note_state_whatever_the_number_of_visits_asked(therapist, asked):
    # Lists are padded to a few compiled sizes (STATE_BATCHES) with their last id again; past
    # the largest the ORM reads them. Either way each visit gets its own note's state.
    noted = attended_visit(therapist=therapist, hours_ago=1)
    session_with(appointment=noted, therapist=therapist)
    signed_visit = attended_visit(therapist=therapist, hours_ago=2)
    services.session_sign(
        session=session_with(appointment=signed_visit, therapist=therapist), by=therapist
    )
    without_note = attended_visit(therapist=therapist, hours_ago=3).pk
    unknown = range(10**9, 10**9 + asked)  # ids of no appointment make up the length
    ids = [noted.pk, signed_visit.pk, signed_visit.pk, without_note, *unknown][: max(asked, 2)]

    states = selectors.session_states(appointment_ids=ids)

    assert states[noted.pk] is False  # a draft: a note, not signed
    assert states[signed_visit.pk] is True
    assert set(states) == {noted.pk, signed_visit.pk}


def test_it_shows_the_last_visits_readings_beside_the_fields_without_filling_them(therapist):
    last_week = attended_visit(therapist=therapist, hours_ago=24 * 7)
    previous = session_with(
        appointment=last_week,
        therapist=therapist,
        before={"slr_angle_affected_deg": 52},
        after={"slr_angle_affected_deg": 61, "h_test": "positive"},
    )
    services.session_sign(session=previous, by=therapist)
    today = attended_visit(therapist=therapist, episode=last_week.episode)
    session = session_with(appointment=today, therapist=therapist)

    response = _client(therapist).get(reverse("treatment:session", args=[session.public_id]))

    body = response.content.decode()
    assert 'data-last="slr_angle_affected_deg">Last visit: 61<' in body
    assert 'data-last="h_test">Last visit: Positive<' in body
    form = response.context["before_form"]
    assert form["slr_angle_affected_deg"].value() is None


def test_it_lets_a_clinician_start_a_note_from_the_patient_page(therapist, reception):
    attended = attended_visit(therapist=therapist)
    booked = attended_visit(
        therapist=therapist, episode=attended.episode, status="booked", hours_ago=3
    )
    url = reverse("patients:detail", args=[attended.patient.public_id])

    clinician_view = _client(therapist).get(url).content.decode()
    reception_view = _client(reception).get(url).content.decode()

    assert "Start the session note" in clinician_view
    assert reverse("treatment:open", args=[attended.public_id]) in clinician_view
    assert reverse("treatment:open", args=[booked.public_id]) not in clinician_view
    assert "Session notes" not in reception_view  # no note yet: nothing to tell reception


def test_it_lists_visits_on_the_patient_page_in_one_query_however_many(
    therapist, django_assert_num_queries
):
    from treatment.panels import patient_panels

    first = attended_visit(therapist=therapist, hours_ago=2)
    patient = first.patient
    with django_assert_num_queries(1):  # the visits, with their notes' state as subqueries
        patient_panels(user=therapist, patient=patient)[0].values()
    for hours in (4, 6, 8):
        visit = attended_visit(therapist=therapist, episode=first.episode, hours_ago=hours)
        session_with(appointment=visit, therapist=therapist)

    with django_assert_num_queries(1):
        panels = patient_panels(user=therapist, patient=patient)

    rows = str(panels[0].values()["visit_rows"])
    assert rows.count('class="mb-1 session-note-item"') == 4
    assert rows.count("Start the session note") == 1  # the first visit has no note yet
    assert rows.count(">Draft</span>") == 3


def test_it_shows_reception_which_visits_have_a_note_without_a_link(therapist, reception):
    from treatment.panels import patient_panels

    bare = attended_visit(therapist=therapist, hours_ago=2)
    noted = attended_visit(therapist=therapist, episode=bare.episode, hours_ago=4)
    session_with(appointment=noted, therapist=therapist)

    (panel,) = patient_panels(user=reception, patient=bare.patient)

    rows = str(panel.values()["visit_rows"])
    assert rows.count('class="mb-1 session-note-item"') == 1
    assert "<a " not in rows
    assert "Session note" in rows
    assert ">Draft</span>" in rows


def test_it_refuses_a_review_before_the_visit_or_an_interval_out_of_range(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(appointment=appointment, therapist=therapist)
    visit_day = timezone.localtime(appointment.start).date()

    response = _client(therapist).post(
        reverse("treatment:session", args=[session.public_id]),
        {
            **MANAGEMENT,
            "action": "save",
            "review_on": (visit_day - dt.timedelta(days=1)).isoformat(),
            "review_interval_weeks": "40",
        },
    )

    assert response.status_code == 400
    assert b"The review cannot be before this visit." in response.content
    assert b"Enter a number of weeks from 1 to 26." in response.content
    session.refresh_from_db()
    assert (session.review_on, session.review_interval_weeks) == (None, None)


def _signed(therapist, *, hours_ago: int, treatments: int):
    visit = attended_visit(therapist=therapist, hours_ago=hours_ago)
    final_intake(episode=visit.episode, therapist=therapist)
    session = session_with(
        appointment=visit,
        therapist=therapist,
        before={"slump_test": "positive_differentiated", "slr_angle_affected_deg": 50},
        after={"slump_test": "negative", "slr_angle_affected_deg": 60},
        treatments=[LUMBAR_PA_L5] * treatments,
        retest_after_lumbar_treatment="neural_signs_improved",
    )
    return services.session_sign(session=session, by=therapist)


def test_a_signed_note_with_ascii_data_is_an_ascii_page(therapist):
    """The note's own middle dots, dashes and quotes are character references: one character
    past ASCII would make the whole page a wider string (wider joins, a copying encode). A
    draft is not: its treatment rows offer an em dash as the empty choice (an escaped label)."""
    note = _signed(therapist, hours_ago=30, treatments=2)
    client = _client(therapist)
    url = reverse("treatment:session", args=[note.public_id])
    texts = [client.get(url).content.decode()]
    services.session_amend(session=note, by=therapist, reason="Grade corrected")
    texts.append(client.get(url).content.decode())  # now with the "amended" banner
    for text in texts:
        assert "Test&ndash;treat&ndash;retest" in text
        assert text.isascii(), sorted({char for char in text if not char.isascii()})
    assert "It has been amended" in texts[1]


def test_a_change_to_a_signed_notes_visit_or_card_shows_on_the_next_view(therapist):
    note = _signed(therapist, hours_ago=30, treatments=1)
    client = _client(therapist)
    url = reverse("treatment:session", args=[note.public_id])
    first = client.get(url).content.decode()
    since = {**note.since_last_time, "logs": 3, "pain_during_average": 2.5}
    TreatmentSession.objects.filter(pk=note.pk).update(since_last_time=since)
    type(note.appointment.appointment_type).objects.filter(
        pk=note.appointment.appointment_type_id
    ).update(name="Long <review>")
    a_day = dt.timedelta(days=1)
    Appointment.objects.filter(pk=note.appointment_id).update(
        start=F("start") - a_day, end=F("end") - a_day
    )
    second = client.get(url).content.decode()
    assert "Pain during: average 2.5/10" not in first
    assert "Pain during: average 2.5/10" in second
    assert "Long &lt;review&gt;, " in second
    day = timezone.localtime(note.appointment.start - a_day)
    assert f"{day:%A} {day.day} {day:%B %Y}, {day:%H:%M} &middot; version 1" in second


def test_it_shows_a_signed_note_in_a_fixed_number_of_queries(therapist, django_assert_num_queries):
    small = _signed(therapist, hours_ago=30, treatments=1)
    large = _signed(therapist, hours_ago=6, treatments=6)
    services.session_amend(session=large, by=therapist, reason="Grade corrected")
    client = _client(therapist)
    for note in (small, large):  # the large one amended: its page links the new version
        url = reverse("treatment:session", args=[note.public_id])
        client.get(url)
        # session, user, the note with its appointment, patient, type, episode, authors,
        # neighbouring versions, re-tests and treatments (one statement); the audit event
        with django_assert_num_queries(4):
            response = client.get(url)
        assert response.status_code == 200


def test_it_reads_the_notes_re_tests_and_listed_treatments_as_the_orm_does(therapist):
    session = _signed(therapist, hours_ago=6, treatments=3)
    removed = TreatmentGiven.all_objects.filter(session=session).order_by("id").first()
    TreatmentGiven.all_objects.filter(pk=removed.pk).update(removed=True)

    page = selectors.session_page_for_user(user=therapist, public_id=session.public_id)
    plain = selectors.session_for_user(user=therapist, public_id=session.public_id)

    def fields(items):
        return [{f.attname: getattr(i, f.attname) for f in i._meta.concrete_fields} for i in items]

    assert fields(page.retests.all()) == fields(plain.retests.all())
    assert [r.phase for r in page.retests.all()] == ["before", "after"]
    assert fields(page.treatments.all()) == fields(plain.treatments.all())
    assert removed.pk not in [t.pk for t in page.treatments.all()]
    assert len(page.treatments.all()) == 2
    assert selectors.session_phases(page) == selectors.session_phases(plain)


def test_it_answers_404_to_reception_and_for_an_unknown_note(therapist, reception):
    session = _signed(therapist, hours_ago=6, treatments=1)
    with pytest.raises(Http404):
        selectors.session_page_for_user(user=reception, public_id=session.public_id)
    with pytest.raises(Http404):
        selectors.session_page_for_user(user=therapist, public_id=uuid.uuid4())
    with pytest.raises(Http404):
        selectors.session_page_for_user(user=therapist, public_id="not-a-key")


def test_it_shows_a_note_drafted_or_signed_since_the_last_view_of_the_patient_page(
    therapist, reception
):
    # The page's recent visits come with its read of every appointment (bookings/panels.py):
    # a note started, then signed, between two views shows on the next one, for both roles.
    visit = attended_visit(therapist=therapist, hours_ago=2)
    url = reverse("patients:detail", args=[visit.patient.public_id])
    clinician, desk = _client(therapist), _client(reception)

    before = clinician.get(url).content.decode()
    desk_before = desk.get(url).content.decode()
    session = session_with(appointment=visit, therapist=therapist)
    drafted = clinician.get(url).content.decode()
    services.session_sign(session=session, by=therapist)
    signed = clinician.get(url).content.decode()
    desk_signed = desk.get(url).content.decode()

    assert "Start the session note" in before
    assert ">Draft</span>" not in before
    assert ">Draft</span>" in drafted
    assert "Start the session note" not in drafted
    assert ">Signed</span>" in signed
    assert ">Draft</span>" not in signed
    assert "Session notes" not in desk_before
    assert ">Signed</span>" in desk_signed


def test_it_lists_the_ten_newest_attended_visits_on_the_patient_page(therapist):
    first = attended_visit(therapist=therapist, hours_ago=2)
    visits = [first] + [
        attended_visit(therapist=therapist, episode=first.episode, hours_ago=2 + 2 * n)
        for n in range(1, 12)
    ]
    attended_visit(therapist=therapist, episode=first.episode, status="booked", hours_ago=30)
    attended_visit(therapist=therapist, episode=first.episode, status="cancelled", hours_ago=32)
    url = reverse("patients:detail", args=[first.patient.public_id])

    body = _client(therapist).get(url).content.decode()

    links = [reverse("treatment:open", args=[visit.public_id]) for visit in visits]
    shown = [link for link in links if link in body]
    assert shown == links[: selectors.VISITS_LISTED]
    assert [body.index(link) for link in shown] == sorted(body.index(link) for link in shown)
