"""`clinic.display.display` gives what Django's `get_FOO_display()` gives: every choice's label,
a value outside the choices as it is, an empty value, and after the first call (the choices
are kept per process) the same again."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assessments.models import Assessment, AssessmentDecision
from clinic.display import display
from exercises.models import ExercisePlan
from patients.models import Episode, Patient
from rehab.models import StageChange

pytestmark = pytest.mark.django_db

FIELDS = [
    (Assessment, "kind"),
    (Assessment, "status"),
    (AssessmentDecision, "clinician_final_dx"),
    (Episode, "side"),
    (Episode, "status"),
    (Episode, "outcome"),
    (Patient, "preferred_contact"),
    (Patient, "runner_level"),
    (Patient, "main_terrain"),
    (StageChange, "direction"),
    (ExercisePlan, "status"),
]


@pytest.mark.parametrize(("model", "name"), FIELDS, ids=lambda v: getattr(v, "__name__", v))
def test_every_value_is_labelled_as_django_labels_it(model, name):
    field = model._meta.get_field(name)
    values = [value for value, _ in field.flatchoices] + ["not-a-choice", ""]
    for value in values * 2:  # the second round reads the kept choices
        instance = model(**{field.attname: value})
        expected = getattr(instance, f"get_{name}_display")()
        assert display(instance, name) == expected
    assert len(field.flatchoices) >= 2


def test_a_stand_in_is_asked_for_its_own_label():
    stand_in = SimpleNamespace(get_status_display=lambda: "Open")
    assert display(stand_in, "status") == "Open"
