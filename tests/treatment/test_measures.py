"""The session re-tests as measures for stage criteria and as trend series."""

from __future__ import annotations

import pytest

from clinic.plugins import plugin_modules
from tests.patients.factories import EpisodeFactory
from treatment import services
from treatment.measures import (
    latest_measures,
    latest_measures_of_episodes,
    session_day,
    source_text,
)
from treatment.trends import trend_series

from .factories import attended_visit, session_with

pytestmark = pytest.mark.django_db


def _signed(appointment, therapist, **kwargs):
    session = session_with(appointment=appointment, therapist=therapist, **kwargs)
    return services.session_sign(session=session, by=therapist)


def test_it_gives_the_newest_signed_reading_preferring_after_treatment(therapist):
    older = attended_visit(therapist=therapist, hours_ago=24 * 7)
    newer = attended_visit(therapist=therapist, episode=older.episode, hours_ago=2)
    _signed(
        older,
        therapist,
        before={"slr_angle_affected_deg": 50, "h_test": "positive"},
        after={"slr_angle_affected_deg": 58},
    )
    _signed(
        newer,
        therapist,
        before={"slr_angle_affected_deg": 62, "knee_flexion_strength_pct": 80},
        after={"slr_angle_affected_deg": 70, "knee_flexion_strength_pct": 92},
    )
    draft = attended_visit(therapist=therapist, episode=older.episode, hours_ago=1)
    session_with(appointment=draft, therapist=therapist, after={"slr_angle_affected_deg": 20})

    measures = latest_measures(episode=older.episode)

    assert measures["slr_angle_affected_deg"]["value"] == 70  # draft not counted
    assert measures["knee_flexion_strength_pct"]["value"] == 92
    assert measures["h_test"]["value"] == "positive"
    assert measures["h_test"]["on"] < measures["slr_angle_affected_deg"]["on"]
    assert measures["slr_angle_affected_deg"]["source"].startswith("Treatment session, ")
    assert "slump_knee_ext_deficit_deg" not in measures  # never recorded: absent, not 0


def test_it_draws_a_point_per_signed_session_for_each_numeric_retest(therapist):
    older = attended_visit(therapist=therapist, hours_ago=24 * 7)
    newer = attended_visit(therapist=therapist, episode=older.episode, hours_ago=2)
    _signed(older, therapist, before={"slr_angle_affected_deg": 50})
    _signed(newer, therapist, after={"slr_angle_affected_deg": 66})

    series = {item["key"]: item for item in trend_series(episode=older.episode)}

    assert [point["value"] for point in series["slr_angle_affected_deg"]["points"]] == [50, 66]
    assert set(series) == {"slr_angle_affected_deg"}


def test_it_is_found_by_the_plug_in_discovery():
    assert "treatment.measures" in {module.__name__ for module in plugin_modules("measures")}
    assert "treatment.trends" in {module.__name__ for module in plugin_modules("trends")}


def test_it_counts_only_the_version_in_force_and_keeps_each_episode_apart(therapist):
    """One read of the patient's re-tests serves every episode: an amended note counts in its
    signed amendment's reading once that is signed, and another episode's newer reading never
    counts."""
    visit = attended_visit(therapist=therapist, hours_ago=24 * 3)
    original = _signed(visit, therapist, before={"slr_angle_affected_deg": 50})
    amendment = services.session_amend(session=original, by=therapist, reason="Misread")
    assert latest_measures(episode=visit.episode)["slr_angle_affected_deg"]["value"] == 50

    amendment.retests.update(slr_angle_affected_deg=60)
    services.session_sign(session=amendment, by=therapist)
    other = attended_visit(
        therapist=therapist, episode=EpisodeFactory(patient=visit.episode.patient), hours_ago=1
    )
    _signed(other, therapist, before={"slr_angle_affected_deg": 30, "h_test": "negative"})

    together = latest_measures_of_episodes(episodes=[visit.episode, other.episode])
    assert {key: entry["value"] for key, entry in together[visit.episode.pk].items()} == {
        "slr_angle_affected_deg": 60
    }
    assert together[other.episode.pk]["slr_angle_affected_deg"]["value"] == 30
    assert latest_measures(episode=visit.episode) == together[visit.episode.pk]


def test_it_keeps_each_keys_first_place_and_dates_it_by_its_own_session(therapist):
    """A newer reading replaces an older one in the place the key first took, and each key is
    dated (and its source named) by the session its reading comes from."""
    older = attended_visit(therapist=therapist, hours_ago=24 * 9)
    newer = attended_visit(therapist=therapist, episode=older.episode, hours_ago=3)
    first = _signed(older, therapist, before={"slr_angle_affected_deg": 50, "h_test": "positive"})
    second = _signed(
        newer, therapist, after={"slr_angle_affected_deg": 70, "knee_flexion_strength_pct": 88}
    )

    measures = latest_measures(episode=older.episode)

    assert list(measures) == ["slr_angle_affected_deg", "h_test", "knee_flexion_strength_pct"]
    assert session_day(first) != session_day(second)
    assert measures["h_test"]["on"] == session_day(first)
    assert measures["slr_angle_affected_deg"]["on"] == session_day(second)
    assert measures["knee_flexion_strength_pct"]["on"] == session_day(second)
    for entry in measures.values():
        assert entry["source"] == source_text(entry["on"])
