"""The progressions data file: what it says clinically, and that a bad entry stops the site
with a message naming it."""

import json

import pytest

from exercises.ladders import (
    DOSE_RANGES,
    PROGRESSIONS,
    PROGRESSIONS_PATH,
    ProgressionsError,
    load,
    snapshot_keys,
)
from exercises.library import LIBRARY_FILE
from exercises.models import DOSE_FIELDS


def codes(ladder: str) -> list[str]:
    return [step.exercise for step in PROGRESSIONS.ladders[ladder].steps]


def test_it_names_only_exercises_of_the_library():
    library = {entry["code"] for entry in json.loads(LIBRARY_FILE.read_text())}
    named = {step.exercise for step in PROGRESSIONS.steps.values()}
    assert named <= library, named - library


def test_it_sets_only_the_plan_items_dose_fields():
    assert set(DOSE_RANGES) == set(DOSE_FIELDS)


def test_it_puts_nerve_sliders_before_tensioners():
    assert codes("seated_nerve") == ["EX-N04", "EX-N01", "EX-N01", "EX-N06", "EX-N06"]
    assert codes("lying_nerve")[0] == "EX-N02"
    assert codes("lying_nerve")[-1] == "EX-N07"
    assert codes("held_thigh_nerve")[0] == "EX-N03"
    assert codes("held_thigh_nerve")[-1] == "EX-N07"


def test_it_lists_the_back_extension_and_strain_ladders_in_order():
    assert codes("extension") == ["EX-L01", "EX-L02", "EX-L02", "EX-L03"]
    assert codes("askling") == ["EX-A03", "EX-A04", "EX-A05"]
    assert next(step.name for step in PROGRESSIONS.ladders["side_plank"].steps).startswith(
        "Side plank on your knees"
    )
    assert "one leg" in PROGRESSIONS.ladders["bridge"].steps[2].name


def test_it_builds_nordics_from_weekly_to_twice_weekly_then_maintenance():
    start, build, keep = PROGRESSIONS.ladders["nordic"].steps
    assert (start.dose["sets"], start.dose["reps"], start.dose["days_per_week"]) == (2, 5, 1)
    assert (build.dose["sets"], build.dose["days_per_week"]) == (3, 2)
    assert keep.dose["days_per_week"] == 1
    assert keep.when == ""


def test_it_finds_an_items_step_from_its_key_or_its_exercise():
    assert PROGRESSIONS.step(exercise="EX-N01").key == "n01_start"
    assert PROGRESSIONS.step(exercise="EX-N01", key="n01_full").key == "n01_full"
    # a key of another exercise (the item was changed by hand) is not trusted
    assert PROGRESSIONS.step(exercise="EX-N01", key="a07_start").key == "n01_start"
    assert PROGRESSIONS.step(exercise="EX-G01") is None


def test_it_gives_the_patient_the_next_step_and_when():
    keys = snapshot_keys(exercise="EX-A03")
    assert keys["step"] == {"key": "a03_extender", "name": "Askling Extender", "number": 1, "of": 3}
    assert keys["next_step"]["name"] == "Askling Diver"
    assert keys["next_step"]["when"].startswith("you can do every set")
    assert "next_step" not in snapshot_keys(exercise="EX-A05")
    assert snapshot_keys(exercise="EX-G01") == {}


GOOD = PROGRESSIONS_PATH.read_text()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('version = "1"', 'version = "2"'), "version must be '1'"),
        (('exercise = "EX-N04"', 'exercise = "N04"'), "step 1 ('n04_side_lying'): exercise"),
        (("reps = 8,", "reps = 0,"), "reps must be a whole number from 1 to 100"),
        (("sets = 2, reps = 8,", "laps = 2, reps = 8,"), "unknown dose field(s) laps"),
        (('key = "n01_full"', 'key = "n01_start"'), "key 'n01_start' is already used"),
        (("rule = { max_pain = 1 }", "rule = { max_pain = 11 }"), "max_pain must be"),
        (("rule = { max_pain = 1 }", "rule = { pain = 1 }"), "unknown rule key(s) pain"),
        (("min_sessions = 3\n", ""), "[rule]: rule needs min_sessions"),
    ],
)
def test_it_refuses_a_bad_entry_naming_it(tmp_path, change, message):
    path = tmp_path / "v1.toml"
    path.write_text(GOOD.replace(*change, 1))
    with pytest.raises(ProgressionsError) as error:
        load(path)
    assert message in str(error.value)
    assert str(error.value).startswith("v1.toml")


def test_it_refuses_a_missing_when_and_a_when_on_the_last_step(tmp_path):
    path = tmp_path / "v1.toml"
    first_when = GOOD.index("\nwhen = ")
    path.write_text(GOOD[:first_when] + GOOD[GOOD.index("\n", first_when + 1) :])
    with pytest.raises(ProgressionsError, match=r"step 1 .* needs a when"):
        load(path)
    last = 'name = "Strides at about 80 to 90% effort"'
    path.write_text(GOOD.replace(last, f'{last}\nwhen = "never"'))
    with pytest.raises(ProgressionsError, match="the last step has no next step"):
        load(path)


def test_it_refuses_a_ladder_of_one_step(tmp_path):
    path = tmp_path / "v1.toml"
    path.write_text(
        'version = "1"\n[rule]\nmax_pain = 2\nstop_pain = 2\ndays = 7\nmin_sessions = 3\n'
        'regress_after = 2\n[[ladders]]\nkey = "solo"\nname = "Solo"\n[[ladders.steps]]\n'
        'key = "one"\nexercise = "EX-G01"\nname = "Cycling"\n'
    )
    with pytest.raises(ProgressionsError, match="ladder 1 \\('solo'\\): needs at least two"):
        load(path)
