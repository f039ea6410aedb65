"""The intake field catalogue is data (diagnosis/fields/v1.toml), checked when it is loaded.

The snapshot in data/fields_snapshot.json was dumped from the Python literals the data file
replaced; models, migrations, forms and `manage.py diagnose` are built from this catalogue, so
any drift in names, order, kinds, labels or ranges would change them all."""

import dataclasses
import json
from pathlib import Path

import pytest

from assessments.diagnosis.schema import (
    DECISION_FIELDS,
    FIELDS,
    FINAL_DX_CHOICES,
    CatalogueError,
    Kind,
    load_catalogue,
)

SNAPSHOT = Path(__file__).parent / "data" / "fields_snapshot.json"


def _as_dict(spec) -> dict:
    data = dataclasses.asdict(spec)
    data["choices"] = [list(choice) for choice in spec.choices]
    return data


def test_it_keeps_every_field_exactly_as_before():
    snapshot = json.loads(SNAPSHOT.read_text())
    assert [_as_dict(spec) for spec in FIELDS.values()] == snapshot["fields"]
    assert [_as_dict(spec) for spec in DECISION_FIELDS.values()] == snapshot["decision_fields"]
    assert [list(choice) for choice in FINAL_DX_CHOICES] == snapshot["final_dx_choices"]


GOOD_ENTRY = """
[[fields]]
name = "age_years"
kind = "int"
group = "context"
filled_by = "P"
label = "Age (years)"
"""

DECISION = """
[[decision_fields]]
name = "clinician_final_dx"
kind = "enum"
group = "decision"
filled_by = "C"
label = "Final diagnosis"
choices = [["other", "Something else"]]
"""


def _write(tmp_path, body: str, version: str = '"1"') -> Path:
    path = tmp_path / "v1.toml"
    path.write_text(f"version = {version}\n{body}")
    return path


def test_it_loads_a_small_well_formed_catalogue(tmp_path):
    findings, decision = load_catalogue(_write(tmp_path, GOOD_ENTRY + DECISION))
    assert list(findings) == ["age_years"]
    assert findings["age_years"].kind is Kind.INT
    assert decision["clinician_final_dx"].choices == (("other", "Something else"),)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('kind = "int"', 'kind = "integer"'), "kind 'integer' is not one of int, number"),
        (('group = "context"', 'group = "contxt"'), "group 'contxt' is not one of context"),
        (('group = "context"', 'group = "decision"'), "group must be an intake group"),
        (('filled_by = "P"', 'filled_by = "X"'), "filled_by 'X' is not one of P, C, P/C"),
        (('label = "Age (years)"', 'label = " "'), "label must not be empty"),
        (('label = "Age (years)"', ""), "missing label"),
        (
            ('label = "Age (years)"', 'label = "Age"\nmin = 100\nmax = 12'),
            "min 100 is above max 12",
        ),
        (('label = "Age (years)"', 'label = "Age"\nmin = 1.5'), "min must be a whole number"),
        (('label = "Age (years)"', 'label = "Age"\nchoices = [["a", "A"]]'), "only enum"),
        (('label = "Age (years)"', 'label = "Age"\nlabl = "typo"'), "unknown key(s) labl"),
        (('kind = "int"', 'kind = "enum"'), "an enum field needs choices"),
        (
            ('kind = "int"', 'kind = "enum"\nchoices = [["a", "A"], ["a", "B"]]'),
            "a choice value is listed twice",
        ),
        (('kind = "int"', 'kind = "enum"\nchoices = [["a"]]'), "is not a [value, label] pair"),
        (('kind = "int"', 'kind = "enum"\nchoices_from = "nope"'), "not in [choice_sets]"),
        (('name = "age_years"', 'name = "Age Years"'), "lower-case Python identifier"),
        (('label = "Age (years)"', 'label = "Age"\ndecimal_places = 2'), "for a number only"),
    ],
)
def test_it_refuses_a_bad_entry_naming_it(tmp_path, change, message):
    body = GOOD_ENTRY.replace(*change) + DECISION
    with pytest.raises(CatalogueError) as error:
        load_catalogue(_write(tmp_path, body))
    assert "v1.toml, [[fields]] entry 1" in str(error.value)
    assert message in str(error.value)


def test_it_refuses_a_name_used_twice(tmp_path):
    with pytest.raises(CatalogueError, match=r"entry 2 \('age_years'\): the name is used twice"):
        load_catalogue(_write(tmp_path, GOOD_ENTRY + GOOD_ENTRY + DECISION))


def test_it_refuses_a_version_that_does_not_match_the_file_name(tmp_path):
    with pytest.raises(CatalogueError, match="version must be '1'"):
        load_catalogue(_write(tmp_path, GOOD_ENTRY + DECISION, version='"2"'))


def test_it_refuses_a_file_that_is_not_toml(tmp_path):
    with pytest.raises(CatalogueError, match=r"v1\.toml: cannot be read"):
        load_catalogue(_write(tmp_path, "[[fields]\n"))
