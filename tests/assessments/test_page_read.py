"""The assessment page reads its decisions and the episode's working diagnoses inside the
assessment's own statement (`assessments.page_selectors`): what it builds from that must be what
the separate reads give, field by field, and the page must still show a change on the next
view."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import selectors
from assessments.diagnosis.schema import FIELDS
from assessments.models import Assessment
from assessments.page_selectors import assessment_page_for_user
from assessments.services import assessment_amend, decision_record, working_diagnosis_record
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from tests.assessments.test_working_diagnosis import MIXED_FINDINGS, RETEST

pytestmark = pytest.mark.django_db

OTHER = {
    "working_dx": "other",
    "other_dx_text": "Hip <b>bursitis</b>",
    "deciding_test": "repeated_movements",
    "deciding_test_note": "Twice & again",
}


def _fields(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names}


def test_it_builds_the_same_decisions_and_working_diagnoses_as_the_separate_reads(therapist):
    intake = AssessmentFactory(therapist=therapist, final=True, findings=MIXED_FINDINGS)
    working_diagnosis_record(assessment=intake, by=therapist, **OTHER)
    working_diagnosis_record(assessment=intake, by=therapist, **RETEST)
    decision_record(
        assessment=intake, by=therapist, final_dx="lumbar", override_reason="Slump negative"
    )
    decision_record(assessment=intake, by=therapist, final_dx="mixed_neural_lumbar")

    page = assessment_page_for_user(user=therapist, public_id=intake.public_id)
    plain = selectors.assessment_for_user(user=therapist, public_id=intake.public_id)
    decisions = selectors.assessment_decisions(assessment=page)
    expected = selectors.assessment_decisions(assessment=plain)
    working = selectors.episode_working_diagnoses(episode=page.episode)
    expected_working = selectors.episode_working_diagnoses(episode=plain.episode)

    shown = [
        "pk", "public_id", "clinician_final_dx", "other_dx_text", "override_reason",
        "suggested_dx", "model_version", "score_snapshot", "confirmed_at", "confirmed_by_id",
    ]  # fmt: skip
    assert [_fields(d, shown) for d in decisions] == [_fields(d, shown) for d in expected]
    assert [d.clinician_final_dx for d in decisions] == ["mixed_neural_lumbar", "lumbar"]
    assert [str(d.confirmed_by) for d in decisions] == [str(therapist)] * 2
    assert all(d.confirmed_at.utcoffset() == dt.timedelta(0) for d in decisions)
    names = [
        "pk", "label", "deciding_test_text", "recorded_at", "recorded_by_id", "in_force",
        "confirmed_at_later", "replaced", "assessment_public_id",
    ]  # fmt: skip
    assert [_fields(w, names) for w in working] == [_fields(w, names) for w in expected_working]
    assert [w.replaced for w in working] == [False, True]
    assert all(w.confirmed_at_later == decisions[1].confirmed_at for w in working)
    assert [str(w.recorded_by) for w in working] == [str(therapist)] * 2


def test_it_reads_no_more_for_the_lists_and_nothing_it_does_not_show(
    therapist, django_assert_num_queries
):
    intake = AssessmentFactory(therapist=therapist, final=True, findings=NEURAL_FINDINGS)
    decision_record(assessment=intake, by=therapist, final_dx="neural")
    amendment = assessment_amend(assessment=intake, by=therapist, reason="Typo")

    with django_assert_num_queries(1):  # one statement (the audit trail writes after a view)
        page = assessment_page_for_user(user=therapist, public_id=intake.public_id)
        selectors.assessment_decisions(assessment=page)
        selectors.episode_working_diagnoses(episode=page.episode)
        later = page.superseded_by
        assert (later.public_id, later.version, later.status) == (
            amendment.public_id,
            2,
            "draft",
        )
    assert "findings" in selectors.assessment_decisions(assessment=page)[0].get_deferred_fields()


def test_it_shows_a_new_decision_and_working_diagnosis_on_the_next_view(
    therapist_client, therapist, other_therapist
):
    intake = AssessmentFactory(therapist=therapist, final=True, findings=MIXED_FINDINGS)
    url = reverse("assessments:detail", args=[intake.public_id])
    assert "Hip &lt;b&gt;bursitis&lt;/b&gt;" not in therapist_client.get(url).content.decode()

    working_diagnosis_record(assessment=intake, by=therapist, **OTHER)
    page = therapist_client.get(url).content.decode()
    assert "Something else: Hip &lt;b&gt;bursitis&lt;/b&gt;" in page
    assert "Not confirmed yet" in page

    decision_record(
        assessment=intake, by=other_therapist, final_dx="lumbar", override_reason="Seen"
    )
    page = therapist_client.get(url).content.decode()
    assert "by Colin" in page
    assert "Superseded by the confirmed diagnosis" in page


def _findings_through_fields(assessment) -> dict:
    """`findings()` as it was written before it read the instance's values: each field through
    `getattr`, decimals as floats, blanks left out."""
    recorded = {}
    for name in FIELDS:
        value = getattr(assessment, name)
        if value is not None:
            recorded[name] = float(value) if isinstance(value, Decimal) else value
    return recorded


@pytest.mark.parametrize("psfs_mean", [None, Decimal("2.5")])
def test_its_findings_are_the_fields_values_loaded_or_deferred(therapist, psfs_mean):
    """The page's instance (every finding loaded) and one with its findings deferred give the
    same findings, in the same order, with the same types."""
    findings = {**NEURAL_FINDINGS, "pain_quality": ["sharp", "burning"]}
    intake = AssessmentFactory(therapist=therapist, final=True, findings=findings)
    Assessment.objects.filter(pk=intake.pk).update(psfs_mean=psfs_mean)
    page = assessment_page_for_user(user=therapist, public_id=intake.public_id)
    deferred = Assessment.objects.only("id").get(pk=intake.pk)
    expected = _findings_through_fields(Assessment.objects.get(pk=intake.pk))
    assert ("psfs_mean" in expected) is (psfs_mean is not None)
    for assessment in (page, deferred):
        found = assessment.findings()
        assert list(found.items()) == list(expected.items())
        assert [type(value) for value in found.values()] == [
            type(value) for value in expected.values()
        ]
