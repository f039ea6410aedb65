"""Reading a change in an outcome measure against its direction and smallest meaningful change."""

import pytest

from assessments.explain import COMPARED_FIELDS
from assessments.outcomes import MEASURES, change_reading


@pytest.mark.parametrize(
    ("name", "before", "now", "reading"),
    [
        ("lefs_score", 40, 49, "Meaningfully better"),
        ("lefs_score", 40, 48, "Less than a meaningful change"),
        ("lefs_score", 50, 40, "Meaningfully worse"),
        ("nprs_now", 6, 4, "Meaningfully better"),
        ("nprs_now", 6, 5, "Less than a meaningful change"),
        ("odi_percent", 20, 32, "Meaningfully worse"),
        ("psfs_mean", 4.5, 6.5, "Meaningfully better"),
        ("fash_score", 60, 70, "Better"),
        ("slump_knee_ext_deficit_deg", 15, 15, "No change"),
        ("slump_knee_ext_deficit_deg", 15, 20, "Worse"),
        ("lefs_score", None, 40, ""),
    ],
)
def test_it_reads_a_change_in_the_right_direction(name, before, now, reading):
    assert change_reading(name, before, now) == reading


def test_it_knows_the_direction_of_every_measure_a_follow_up_compares():
    assert set(COMPARED_FIELDS) - set(MEASURES) == {"slr_angle_other_deg"}
