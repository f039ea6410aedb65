"""The stages data file: every diagnosis has stages, and a bad entry is named at load."""

from __future__ import annotations

import pytest

from rehab.catalogue import CATALOGUE, STAGES_PATH, StagesError, load


def test_it_gives_every_treatable_diagnosis_an_ordered_stage_list():
    for dx in ("neural", "lumbar", "acute_strain", "mixed_neural_lumbar", "other"):
        stages = CATALOGUE.stage_list_for(dx)
        codes = [stage.code for stage in stages.stages]
        assert codes[0] == "settle"
        assert codes[-1] == "return_to_speed"
        assert codes.index("return_to_run") < codes.index("return_to_speed")


def test_it_gives_a_red_flag_referral_no_stages():
    assert CATALOGUE.stage_list_for("red_flag_referral") is None
    assert CATALOGUE.stage_list_for(None) is None


def test_it_asks_for_a_negative_h_test_before_sprinting_on_every_path():
    for stages in CATALOGUE.stage_lists.values():
        assert "h_test_negative" in stages.stages[-1].exit
        assert all("h_test_negative" not in stage.exit for stage in stages.stages[:-1])


def _broken(tmp_path, old: str, new: str):
    text = STAGES_PATH.read_text()
    assert old in text
    path = tmp_path / "v1.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'rule = "pain_settled"\nmax_pain',
            'rule = "vibes"\nmax_pain',
            "[criteria.pain_settled]: rule must be",
        ),
        ("max_pain = 2", 'max_pain = "two"', "max_pain is missing or of the wrong type"),
        (
            'measure = "knee_flexion_strength_pct"',
            'measure = "grip_strength"',
            "'grip_strength' is not a known measure key",
        ),
        (
            'exit = ["pain_settled", "slr_symmetry", "slump_clear"]',
            'exit = ["pain_settled", "slr_symetry"]',
            "stage_lists.neural entry 2 ('restore_movement'): exit names unknown criterion",
        ),
        ('neural = "neural"', 'neural = "nerves"', "no stage list named 'nerves'"),
        ('version = "1"', 'version = "2"', "version must be '1'"),
    ],
)
def test_it_names_the_bad_entry_when_the_file_is_wrong(tmp_path, old, new, message):
    with pytest.raises(StagesError) as raised:
        load(_broken(tmp_path, old, new))
    assert message in str(raised.value)
