"""The `manage.py diagnose FILE` contract: JSON list in, JSON list out, exit 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

REPO = Path(__file__).resolve().parents[2]
CONTRACT_KEYS = {
    "label",
    "tier",
    "confidence",
    "scores",
    "reasons",
    "notes",
    "next_tests",
    "rules_version",
}

NEURAL = {
    "red_flag_screen_completed": True,
    "previous_hamstring_injury": "significant_tear",
    "aggr_downhill": "worse",
    "symptom_timing": "worse_after_than_during",
    "slump_test": "positive_differentiated",
    "slr_test": "positive_differentiated",
    "sciatic_nerve_palpation": "tender_affected_side",
    "lumbar_rom": "full_painless",
}
EMERGENCY = {"rf_saddle_anaesthesia": True, "slump_test": "negative"}
SPARSE = {"pain_quality": ["dull_ache"], "age_years": 44}
BATCH = [NEURAL, EMERGENCY, SPARSE]


def run_command(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "diagnose", *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_json(tmp_path: Path, payload: object) -> str:
    path = tmp_path / "findings.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def call(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("diagnose", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- success -------------------------------------------------------------------------------------


def test_it_prints_one_result_per_input_in_order(tmp_path):
    completed = run_command(write_json(tmp_path, BATCH))

    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)
    assert [r["label"] for r in results] == ["neural", "red_flag", "indeterminate"]
    assert [r["tier"] for r in results] == [None, "emergency", None]


def test_it_includes_every_contract_key(tmp_path):
    completed = run_command(write_json(tmp_path, BATCH))

    for result in json.loads(completed.stdout):
        assert set(result) >= CONTRACT_KEYS
        assert set(result["scores"]) == {"neural", "lumbar", "acute_strain"}
        assert result["rules_version"] == "1.2"
        assert all({"finding", "value", "text", "points"} <= set(r) for r in result["reasons"])


def test_it_reads_findings_from_stdin_with_a_dash():
    completed = run_command("-", stdin=json.dumps([SPARSE, NEURAL]))

    assert completed.returncode == 0, completed.stderr
    assert [r["label"] for r in json.loads(completed.stdout)] == ["indeterminate", "neural"]


def test_it_prints_an_empty_list_for_an_empty_batch():
    completed = run_command("-", stdin="[]")

    assert completed.returncode == 0
    assert json.loads(completed.stdout) == []


def test_it_accepts_null_as_not_recorded():
    completed = run_command("-", stdin=json.dumps([{**NEURAL, "lumbar_rom": None}]))

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)[0]["scores"]["lumbar"] == 3


def test_it_gives_the_same_output_through_call_command(tmp_path):
    path = write_json(tmp_path, BATCH)

    out, _ = call(path)

    assert json.loads(out) == json.loads(run_command(path).stdout)


# --- errors --------------------------------------------------------------------------------------


def test_it_names_every_bad_field_with_its_position_and_exits_2(tmp_path):
    batch = [
        {"slump_test": "positive", "bogus_field": 1},
        NEURAL,
        {"age_years": 7, "felt_pop_or_tear": "yes", "pain_quality": ["sharp", "sharp"]},
    ]

    completed = run_command(write_json(tmp_path, batch))

    assert completed.returncode == 2
    assert completed.stdout == ""
    for expected in (
        "[0] slump_test",
        "[0] bogus_field",
        "[2] age_years",
        "[2] felt_pop_or_tear",
        "[2] pain_quality",
    ):
        assert expected in completed.stderr
    assert "[1]" not in completed.stderr


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"slump_test": "negative"}), "must be a JSON list"),
        (json.dumps([NEURAL, "slump", 3]), "[1]: must be a findings object"),
        ("[NaN]", "not valid JSON"),
    ],
)
def test_it_rejects_malformed_input_with_status_2_and_no_output(stdin, message):
    completed = run_command("-", stdin=stdin)

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert message in completed.stderr


def test_it_rejects_a_missing_file_with_status_2(tmp_path):
    completed = run_command(str(tmp_path / "absent.json"))

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "cannot read" in completed.stderr


@pytest.mark.parametrize("value", [True, 40.0, "40"], ids=["bool", "float", "string"])
def test_it_rejects_a_number_field_holding_another_type(tmp_path, value):
    completed = run_command(write_json(tmp_path, [{"age_years": value}]))

    assert completed.returncode == 2
    assert "[0] age_years" in completed.stderr


def test_it_raises_a_command_error_with_returncode_2_through_call_command(tmp_path):
    out = StringIO()
    path = write_json(tmp_path, [NEURAL, {"slr_test": "maybe"}])

    with pytest.raises(CommandError) as raised:
        call_command("diagnose", path, stdout=out)

    assert raised.value.returncode == 2
    assert "[1] slr_test" in str(raised.value)
    assert out.getvalue() == ""
