"""The programme templates are data (running/programmes/v1.toml), checked when loaded."""

import pytest

from running.programmes import ProgrammeFileError, load_programmes, programmes

GOOD_STEP = """
[[programmes.steps]]
name = "Walk"
walk_minutes = 20
terrain = ["flat"]
effort = "easy"
runs_to_move_on = 2
"""


def programme_file(tmp_path, step_extra: str = "", *, version: str = '"1"'):
    path = tmp_path / "v1.toml"
    path.write_text(
        f"""version = {version}
[[programmes]]
key = "neural"
name = "Test programme"
diagnoses = ["neural"]
summary = "For the test."
{GOOD_STEP}
[[programmes.steps]]
name = "Jog"
run_minutes = 10
terrain = ["flat"]
effort = "easy"
runs_to_move_on = 2
{step_extra}
"""
    )
    return path


def test_it_loads_a_programme_per_diagnosis_from_the_shipped_file():
    templates = programmes()
    assert set(templates) == {"neural", "lumbar", "acute_strain"}
    assert all(len(template.steps) >= 6 for template in templates.values())


def test_it_puts_flat_before_hills_and_downhill_and_strides_last_for_neural():
    steps = programmes()["neural"].steps
    first_hill = next(
        i for i, step in enumerate(steps) if {"uphill", "downhill"} & set(step.terrain)
    )
    assert all(step.terrain == ("flat",) for step in steps[:4])
    assert "downhill" not in steps[first_hill].terrain  # uphill comes before downhill
    assert steps[-1].effort == "hard"
    assert "strides" in steps[-1].extra


def test_it_brings_uphill_in_late_for_lumbar():
    steps = programmes()["lumbar"].steps
    first_uphill = next(i for i, step in enumerate(steps) if "uphill" in step.terrain)
    assert first_uphill >= len(steps) - 2
    assert "gentle" in steps[first_uphill].note


def test_it_builds_strides_from_60_to_90_percent_for_a_strain():
    extras = [step.extra for step in programmes()["acute_strain"].steps if step.extra]
    assert [e.split("about ")[2][:3] for e in extras] == ["60%", "70%", "80%", "90%"]


def test_it_describes_a_step_in_plain_words():
    step = programmes()["neural"].steps[0]
    assert step.what_to_do() == "Walk 4 min, then jog 1 min; do this 5 times (25 minutes in all)."
    assert step.terrain_text() == "flat ground only"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('terrain_type = "x"', "step 2: unknown key\\(s\\) terrain_type"),
        ("", None),
    ],
)
def test_it_loads_a_good_file_and_names_an_unknown_key(tmp_path, extra, message):
    path = programme_file(tmp_path, extra)
    if message is None:
        assert load_programmes(path)["neural"].steps[1].total_minutes == 10
    else:
        with pytest.raises(ProgrammeFileError, match=message):
            load_programmes(path)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('terrain = ["hilly"]', "step 1: terrain 'hilly' is not one of flat"),
        ('effort = "flat out"', "step 1: effort 'flat out' is not one of easy, steady, hard"),
        ("runs_to_move_on = 0", "step 1: runs_to_move_on must be a whole number from 1 to 10"),
        ("walk_minutes = 0", "step 1: give walk_minutes, run_minutes or both"),
    ],
)
def test_it_refuses_a_bad_step_with_a_clear_message(tmp_path, bad, message):
    path = tmp_path / "v1.toml"
    key = bad.split(" = ")[0]
    step = "\n".join(
        bad if line.startswith(f"{key} =") else line for line in GOOD_STEP.splitlines()
    )
    path.write_text(
        'version = "1"\n[[programmes]]\nkey = "neural"\nname = "T"\ndiagnoses = ["neural"]\n'
        f'summary = "S"\n{step}\n{GOOD_STEP}'
    )
    with pytest.raises(ProgrammeFileError, match=f"v1.toml, programme 'neural', {message}"):
        load_programmes(path)


def test_it_refuses_a_file_whose_version_does_not_match_its_name(tmp_path):
    with pytest.raises(ProgrammeFileError, match="version must be '1'"):
        load_programmes(programme_file(tmp_path, version='"2"'))
