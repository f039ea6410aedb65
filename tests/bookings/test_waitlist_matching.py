"""Who on the waitlist suits a freed slot, and who is asked first (bookings/waitlist/matching)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bookings.waitlist.matching import Candidate, Gap, first_start, ranked
from tests.bookings.factories import at

LONDON = ZoneInfo("Europe/London")
TUESDAY = "2026-03-24"
THERAPIST = 7


def candidate(entry_id=1, **overrides) -> Candidate:
    values = {
        "entry_id": entry_id,
        "patient_id": 100 + entry_id,
        "therapist_id": None,
        "length": dt.timedelta(minutes=30),
        "days": frozenset(),
        "periods": frozenset(),
        "available_from": dt.date(2026, 3, 1),
        "available_until": None,
        "urgency_rank": 0,
        "waiting_since": dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
    }
    values.update(overrides)
    return Candidate(**values)


def gap(start="10:00", end="10:30", day=TUESDAY, therapist_id=THERAPIST) -> Gap:
    return Gap(therapist_id, at(day, start), at(day, end))


@pytest.mark.parametrize(
    ("overrides", "slot", "expected"),
    [
        ({}, gap(), "10:00"),
        ({"therapist_id": THERAPIST}, gap(), "10:00"),
        ({"therapist_id": 8}, gap(), None),  # waiting for someone else
        ({"length": dt.timedelta(minutes=60)}, gap(), None),  # does not fit
        ({"length": dt.timedelta(minutes=60)}, gap("10:00", "11:00"), "10:00"),
        ({"days": frozenset({1})}, gap(), "10:00"),  # Tuesday suits
        ({"days": frozenset({0, 2})}, gap(), None),  # Mondays and Wednesdays only
        ({"periods": frozenset({"morning"})}, gap(), "10:00"),
        ({"periods": frozenset({"afternoon", "evening"})}, gap(), None),
        ({"periods": frozenset({"afternoon"})}, gap("11:30", "12:30"), "12:00"),
        ({"available_from": dt.date(2026, 3, 25)}, gap(), None),  # not free until Wednesday
        ({"available_until": dt.date(2026, 3, 23)}, gap(), None),  # only until Monday
        ({"available_until": dt.date(2026, 3, 24)}, gap(), "10:00"),  # the last day counts
        ({}, gap("10:05", "10:45"), "10:15"),  # starts stay on the quarter-hour grid
        ({}, gap("10:05", "10:40"), None),
    ],
)
def test_it_matches_a_candidate_to_a_freed_gap(overrides, slot, expected):
    start = first_start(candidate(**overrides), slot, LONDON)
    assert (start.astimezone(LONDON).strftime("%H:%M") if start else None) == expected


def test_it_keeps_the_local_clock_on_the_day_the_clocks_go_forward():
    # 29 March 2026: an "afternoon only" patient gets 13:00 London time, not 13:00 UTC.
    slot = gap("11:00", "14:00", day="2026-03-29")
    start = first_start(candidate(periods=frozenset({"afternoon"})), slot, LONDON)
    assert start == at("2026-03-29", "12:00")


def test_it_offers_the_most_urgent_first_then_the_longest_waiting():
    early = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    late = dt.datetime(2026, 3, 5, tzinfo=dt.UTC)
    people = [
        candidate(1, urgency_rank=0, waiting_since=early),
        candidate(2, urgency_rank=2, waiting_since=late),
        candidate(3, urgency_rank=1, waiting_since=early),
        candidate(4, urgency_rank=2, waiting_since=early),
        candidate(5, urgency_rank=2, waiting_since=early, days=frozenset({4})),  # Fridays
    ]
    order = [match.candidate.entry_id for match in ranked(people, gap(), LONDON)]
    assert order == [4, 2, 3, 1]


def test_it_breaks_a_tie_by_who_was_entered_first():
    same = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    people = [candidate(9, waiting_since=same), candidate(3, waiting_since=same)]
    assert [match.candidate.entry_id for match in ranked(people, gap(), LONDON)] == [3, 9]


def test_it_offers_each_patient_the_appointment_their_type_needs():
    matches = ranked(
        [candidate(1, length=dt.timedelta(minutes=60)), candidate(2)],
        gap("10:00", "11:00"),
        LONDON,
    )
    assert [(m.candidate.entry_id, m.end - m.start) for m in matches] == [
        (1, dt.timedelta(minutes=60)),
        (2, dt.timedelta(minutes=30)),
    ]
