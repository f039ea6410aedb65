"""Whatever valid answers a clinician gives, the form stores exactly them, and the engine
accepts what is stored. Not recorded stays not recorded."""

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.diagnosis.engine import diagnose
from assessments.diagnosis.schema import FIELDS, Kind, validate_findings
from assessments.forms import FindingsForm


def _value(spec):
    if spec.kind is Kind.INT:
        return st.integers(spec.min_value or 0, spec.max_value or 300)
    if spec.kind is Kind.NUMBER:
        return st.integers(spec.min_value or 0, spec.max_value or 10)
    if spec.kind is Kind.ENUM:
        return st.sampled_from(spec.values)
    if spec.kind is Kind.MULTI_ENUM:
        return st.lists(st.sampled_from(spec.values), min_size=1, unique=True)
    return st.booleans()


def _post(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return value
    return str(value)


names = FindingsForm.field_names("intake")
answers = st.fixed_dictionaries(
    {},
    optional={name: _value(FIELDS[name]) for name in names if name != "red_flag_screen_completed"},
)


@settings(max_examples=60, deadline=None)
@given(answers)
def test_it_stores_exactly_what_was_answered_and_the_engine_accepts_it(given_answers):
    form = FindingsForm({name: _post(value) for name, value in given_answers.items()})
    assert form.is_valid(), form.errors
    stored = {name: value for name, value in form.findings().items() if value is not None}
    stored = {
        name: float(v) if FIELDS[name].kind is Kind.NUMBER else v for name, v in stored.items()
    }
    expected = {
        name: float(v) if FIELDS[name].kind is Kind.NUMBER else v
        for name, v in given_answers.items()
    }
    assert stored == expected
    assert validate_findings(stored) == []
    diagnose(stored)
