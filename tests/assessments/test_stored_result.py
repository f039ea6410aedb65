"""The engine's result stored with an assessment (assessments/stored_result.py): the page uses
it only while it was worked out from the same findings by the same engine and rules, draws
exactly what a fresh run draws, and runs the engine whenever anything no longer matches."""

import hashlib
import json

import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import given

from assessments import services, stored_result
from assessments.diagnosis.engine import diagnose
from assessments.diagnosis.result import DiagnosisResult
from assessments.models import Assessment
from tests.assessments.factories import NEURAL_FINDINGS, assessment_page
from tests.assessments.test_diagnosis_properties import FINDINGS, PROPERTY
from tests.json_values import same_json
from tests.patients.factories import EpisodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved(therapist):
    """A final intake written through the services, as the forms write it."""
    assessment = services.assessment_create(
        episode=EpisodeFactory(), therapist=therapist, findings=NEURAL_FINDINGS
    )
    return services.assessment_finalise(assessment=assessment, by=therapist)


@PROPERTY
@given(findings=FINDINGS)
def test_it_rebuilds_the_result_the_engine_gave(findings):
    result = diagnose(findings)
    assert DiagnosisResult.from_dict(json.loads(json.dumps(result.as_dict()))) == result


@PROPERTY
@given(findings=FINDINGS)
def test_its_quick_rebuild_is_from_dicts(findings):
    """`rebuilt` (the page's) gives what `from_dict` gives: every field, equal and of the
    same types, down to each reason, flag and test."""
    data = json.loads(json.dumps(diagnose(findings).as_dict()))
    quick, slow = stored_result.rebuilt(data), DiagnosisResult.from_dict(data)
    assert quick == slow
    assert repr(quick) == repr(slow)
    assert quick.as_dict() == slow.as_dict()
    for made, expected in [
        (quick, slow),
        (quick.scores, slow.scores),
        *zip(quick.reasons, slow.reasons, strict=True),
        *zip(quick.red_flags, slow.red_flags, strict=True),
        *zip(quick.amber_flags, slow.amber_flags, strict=True),
        *zip(quick.next_test_details, slow.next_test_details, strict=True),
    ]:
        assert type(made) is type(expected)
        assert vars(made) == vars(expected)
        assert [type(value) for value in vars(made).values()] == [
            type(value) for value in vars(expected).values()
        ]


def _digest_as_stored(findings) -> str:
    """The digest every stored result was written with (stop 38): blake2b of the sorted
    pairs' `repr`."""
    return hashlib.blake2b(repr(sorted(findings.items())).encode(), digest_size=16).hexdigest()


@PROPERTY
@given(findings=FINDINGS)
def test_its_findings_digest_is_the_stored_one(findings):
    """The digest written without sorting or `repr`-ing the pairs is the one stored."""
    assert stored_result.findings_digest(findings) == _digest_as_stored(findings)


@pytest.mark.parametrize(
    "findings",
    [
        {},
        {"not_a_finding": 1},
        {**NEURAL_FINDINGS, "not_a_finding": "x"},
        {**NEURAL_FINDINGS, "nprs_now": 4.5, "pain_quality": ["sharp", "it's"]},
        dict(reversed(NEURAL_FINDINGS.items())),
    ],
)
def test_its_findings_digest_is_the_stored_one_for_any_mapping(findings):
    """Nothing, names outside the catalogue (the general path), a float, a list, a quote in a
    text, and the names in another order."""
    assert stored_result.findings_digest(findings) == _digest_as_stored(findings)


def test_its_findings_digest_is_the_stored_one_for_a_saved_row(saved):
    """What the page digests (`findings()` of the row as read back) against the stored text."""
    assessment = Assessment.objects.get(pk=saved.pk)
    findings = assessment.findings()
    assert stored_result.findings_digest(findings) == _digest_as_stored(findings)
    assert assessment.engine_result["findings"] == _digest_as_stored(findings)


def test_its_quick_rebuild_covers_flags_and_lists():
    """Red and amber flags, a list value (a tuple again) and next tests, through `rebuilt`."""
    findings = {**NEURAL_FINDINGS, "rf_saddle_anaesthesia": True, "red_flag_screen_completed": True}
    data = json.loads(json.dumps(diagnose(findings).as_dict()))
    assert data["red_flags"]
    assert stored_result.rebuilt(data) == DiagnosisResult.from_dict(data)
    for reason in data["reasons"]:
        reason["value"] = [1, 2]
    quick = stored_result.rebuilt(data)
    assert quick == DiagnosisResult.from_dict(data)
    assert all(reason.value == (1, 2) for reason in quick.reasons)


def test_it_rebuilds_the_result_after_a_jsonb_round_trip(saved):
    """PostgreSQL's jsonb orders keys its own way and keeps numbers as it parsed them."""
    stored = Assessment.objects.get(pk=saved.pk).engine_result
    assert stored["rules_version"] == "1.2"
    rebuilt = DiagnosisResult.from_dict(stored["result"])
    assert rebuilt == diagnose(saved.findings())
    assert rebuilt.as_dict() == diagnose(saved.findings()).as_dict()
    assert list(rebuilt.relative_support) == ["neural", "lumbar", "acute_strain"]
    quick = stored_result.rebuilt(stored["result"])
    assert quick == rebuilt
    assert vars(quick) == vars(rebuilt)
    assert list(quick.relative_support) == ["neural", "lumbar", "acute_strain"]


def test_it_shows_the_stored_result_without_running_the_engine(
    therapist_client, saved, engine_runs
):
    stored_page = assessment_page(therapist_client, saved)
    assert engine_runs == []
    Assessment.objects.filter(pk=saved.pk).update(engine_result=None)
    fresh_page = assessment_page(therapist_client, saved)
    assert len(engine_runs) == 1
    assert stored_page == fresh_page
    assert b"Neural tissue sensitivity" in stored_page


def test_it_runs_the_engine_when_findings_changed_outside_the_services(
    therapist_client, saved, engine_runs
):
    Assessment.objects.filter(pk=saved.pk).update(rf_saddle_anaesthesia=True)
    page = assessment_page(therapist_client, saved)
    assert len(engine_runs) == 1
    assert b"redflag-banner" in page


def test_it_runs_the_engine_when_the_engine_or_its_rules_changed(
    therapist_client, saved, engine_runs, monkeypatch
):
    monkeypatch.setattr(stored_result, "engine_digest", lambda: "another engine")
    assessment_page(therapist_client, saved)
    assert len(engine_runs) == 1


def test_it_runs_the_engine_for_a_result_of_other_rules(therapist_client, saved, engine_runs):
    stored = saved.engine_result | {"rules_version": "1.1"}
    Assessment.objects.filter(pk=saved.pk).update(engine_result=stored)
    assessment_page(therapist_client, saved)
    assert len(engine_runs) == 1


def test_it_stores_the_result_on_every_write_of_findings(therapist):
    draft = services.assessment_create(episode=EpisodeFactory(), therapist=therapist)
    assert stored_result.matches(draft.engine_result, {})
    services.assessment_save_draft(assessment=draft, findings={"rf_saddle_anaesthesia": True})
    draft.refresh_from_db()
    assert stored_result.matches(draft.engine_result, draft.findings())
    assert draft.engine_result["result"]["label"] == "red_flag"
    services.assessment_finalise(assessment=draft, by=therapist)
    amendment = services.assessment_amend(assessment=draft, by=therapist, reason="typo")
    amendment.refresh_from_db()
    assert stored_result.matches(amendment.engine_result, draft.findings())


def test_the_command_stores_what_is_missing_or_stale_and_nothing_else(saved, therapist):
    other = services.assessment_create(episode=EpisodeFactory(), therapist=therapist)
    Assessment.objects.filter(pk=saved.pk).update(engine_result=None)
    Assessment.objects.filter(pk=other.pk).update(lumbar_rom="full_painless")
    with connection.cursor() as cursor:  # a row loaded by COPY or raw SQL
        cursor.execute(
            "UPDATE assessments_assessment SET slr_test = 'negative' WHERE id = %s", [other.pk]
        )
    call_command("assessment_results_store")
    for assessment in Assessment.objects.filter(pk__in=[saved.pk, other.pk]):
        assert stored_result.matches(assessment.engine_result, assessment.findings())
        assert DiagnosisResult.from_dict(assessment.engine_result["result"]) == diagnose(
            assessment.findings()
        )
    before = list(Assessment.objects.order_by("pk").values_list("engine_result", flat=True))
    call_command("assessment_results_store")
    assert list(Assessment.objects.order_by("pk").values_list("engine_result", flat=True)) == before


def _decode(text):
    """The column's text (None for NULL) as `Assessment.engine_result` reads it."""
    return Assessment._meta.get_field("engine_result").from_db_value(text, None, connection)


@PROPERTY
@given(findings=FINDINGS)
def test_it_decodes_a_stored_result_as_json_loads_does(findings):
    """`StoredResultField` decodes the column's text with pydantic_core's `from_json`: the
    same values, types and key order as `json.loads`, as `JSONField` gave."""
    record = stored_result.record(findings)
    for text in (json.dumps(record), json.dumps(record, ensure_ascii=False)):
        assert same_json(_decode(text), json.loads(text))


def test_it_reads_the_column_as_jsonfield_read_it(saved):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT engine_result::text FROM assessments_assessment WHERE id = %s", [saved.pk]
        )
        (text,) = cursor.fetchone()
    read = Assessment.objects.get(pk=saved.pk).engine_result  # through `StoredResultField`
    assert same_json(read, json.loads(text))
    assert same_json(_decode(text), json.loads(text))
    (value,) = Assessment.objects.filter(pk=saved.pk).values_list(
        "engine_result__result__label", flat=True
    )
    assert value == json.loads(text)["result"]["label"]
    assert _decode(None) is None
    lone = '{"a": "\\ud800"}'  # a lone surrogate: from_json refuses it, json.loads reads it
    assert _decode(lone) == json.loads(lone)
