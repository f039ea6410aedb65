"""The session re-tests as measures for stage criteria and as trend series."""

from __future__ import annotations

import pytest

from clinic.plugins import plugin_modules
from treatment import services
from treatment.measures import latest_measures
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
