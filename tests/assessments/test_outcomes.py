"""Reading a change between visits (SPEC 5): within measurement error or the MCID is "No real
change"; beyond it "Improved" or "Worse" by the measure's direction; no agreed threshold says so."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.explain import COMPARED_FIELDS
from assessments.outcomes import (
    MEASURES,
    change_reading,
    groc_reading,
    slr_side_difference,
    slr_side_difference_is_notable,
)

ANGLES = ("slr_angle_affected_deg", "slr_angle_other_deg", "slump_knee_ext_deficit_deg")


@pytest.mark.parametrize(
    ("name", "before", "now", "reading"),
    [
        # A runner's SLR goes from 50 to 59 degrees: within measurement error.
        ("slr_angle_affected_deg", 50, 59, "No real change"),
        ("slr_angle_affected_deg", 50, 60, "Improved"),
        ("slr_angle_affected_deg", 60, 50, "Worse"),
        ("slr_angle_other_deg", 80, 71, "No real change"),
        # The slump deficit shrinking is better: 20 -> 10 is a real improvement.
        ("slump_knee_ext_deficit_deg", 20, 10, "Improved"),
        ("slump_knee_ext_deficit_deg", 20, 11, "No real change"),
        ("slump_knee_ext_deficit_deg", 10, 25, "Worse"),
        # Pain: 2 points is the MCID, lower is better.
        ("nprs_now", 6, 4, "Improved"),
        ("nprs_now", 6, 5, "No real change"),
        ("nprs_worst_week", 3, 5, "Worse"),
        ("lefs_score", 40, 49, "Improved"),
        ("lefs_score", 40, 48, "No real change"),
        ("lefs_score", 50, 40, "Worse"),
        ("odi_percent", 20, 30, "Worse"),
        ("odi_percent", 30, 21, "No real change"),
        ("odi_percent", 32, 20, "Improved"),
        ("psfs_mean", 4.5, 6.5, "Improved"),
        # Decimals read exactly: 4.3 -> 6.3 is 2 points, not 1.999...
        ("psfs_mean", 4.3, 6.3, "Improved"),
        ("psfs_mean", 4.3, 6.2, "No real change"),
        ("fash_score", 60, 70, "Higher, no agreed threshold"),
        ("fash_score", 70, 60, "Lower, no agreed threshold"),
        ("slanss_score", 14, 9, "Lower, no agreed threshold"),
        ("paindetect_score", 12, 20, "Higher, no agreed threshold"),
        ("paindetect_score", 12, 12, "No change"),
        ("lefs_score", None, 40, ""),
        ("not_a_measure", 1, 40, ""),
    ],
)
def test_it_reads_a_change_against_the_spec_thresholds(name, before, now, reading):
    assert change_reading(name, before, now) == reading


@given(
    name=st.sampled_from(ANGLES),
    before=st.integers(min_value=0, max_value=120),
    change=st.integers(min_value=-9, max_value=9),
)
def test_it_calls_any_angle_change_under_10_degrees_no_real_change(name, before, change):
    assert change_reading(name, before, before + change) == "No real change"


@given(
    name=st.sampled_from(ANGLES),
    before=st.integers(min_value=0, max_value=120),
    size=st.integers(min_value=10, max_value=90),
    sign=st.sampled_from([1, -1]),
)
def test_it_calls_an_angle_change_of_10_degrees_or_more_real(name, before, size, sign):
    reading = change_reading(name, before, before + sign * size)
    # A larger SLR angle is better; a larger slump deficit is worse.
    higher_is_better = name != "slump_knee_ext_deficit_deg"
    assert reading == ("Improved" if (sign > 0) == higher_is_better else "Worse")


@given(
    name=st.sampled_from(["nprs_now", "nprs_worst_week", "lefs_score", "odi_percent"]),
    before=st.integers(min_value=0, max_value=10),
    change=st.integers(min_value=-100, max_value=100),
)
def test_it_never_calls_a_change_under_the_mcid_improved_or_worse(name, before, change):
    reading = change_reading(name, before, before + change)
    if abs(change) < MEASURES[name].threshold:
        assert reading == "No real change"
    else:
        assert reading in {"Improved", "Worse"}


@pytest.mark.parametrize(
    ("affected", "other", "reading", "notable"),
    [
        (60, 75, "15° less than the other side: notable", True),
        (66, 75, "9° less than the other side: within 10°", False),
        (65, 75, "10° less than the other side: notable", True),
        (80, 70, "10° more than the other side: notable", True),
        (70, 70, "Same as the other side", False),
        (None, 70, "", False),
    ],
)
def test_it_reads_the_slr_difference_between_the_sides(affected, other, reading, notable):
    assert slr_side_difference(affected, other) == reading
    assert slr_side_difference_is_notable(affected, other) is notable


@pytest.mark.parametrize(
    ("score", "reading"),
    [(3, "Improved"), (2, "No real change"), (-2, "No real change"), (-3, "Worse"), (None, "")],
)
def test_it_reads_a_groc_rating_against_plus_or_minus_3(score, reading):
    assert groc_reading(score) == reading


def test_it_knows_the_direction_of_every_measure_a_follow_up_compares():
    assert set(COMPARED_FIELDS) <= set(MEASURES)
