"""The current rules' explanation kept per process (`explain.current_explanation`): keyed by
what it is worked out from, so changed findings show on the very next view, and a page drawn
from a kept explanation is the page drawn afresh."""

import pytest

from assessments import explain, services
from assessments.models import Assessment
from tests.assessments.factories import NEURAL_FINDINGS, assessment_page
from tests.patients.factories import EpisodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(therapist):
    return services.assessment_create(
        episode=EpisodeFactory(), therapist=therapist, findings=NEURAL_FINDINGS
    )


@pytest.fixture
def final(draft, therapist):
    return services.assessment_finalise(assessment=draft, by=therapist)


def test_it_draws_the_same_page_from_a_kept_explanation(therapist_client, final, engine_runs):
    explain._KEPT.clear()
    fresh = assessment_page(therapist_client, final)
    assert len(explain._KEPT) == 1
    kept = assessment_page(therapist_client, final)
    assert kept == fresh
    assert engine_runs == []
    assert b"Neural tissue sensitivity" in kept


def test_it_shows_findings_saved_between_two_views(therapist_client, draft, therapist):
    before = assessment_page(therapist_client, draft)
    assert b"redflag-banner" not in before
    services.assessment_save_draft(
        assessment=draft, findings={**NEURAL_FINDINGS, "rf_saddle_anaesthesia": True}
    )
    after = assessment_page(therapist_client, draft)
    assert b"redflag-banner" in after
    assert b"Red flag: refer on before any treatment." in after


def test_it_shows_findings_changed_outside_the_services(therapist_client, final, engine_runs):
    assessment_page(therapist_client, final)
    Assessment.objects.filter(pk=final.pk).update(rf_saddle_anaesthesia=True)
    page = assessment_page(therapist_client, final)
    assert b"redflag-banner" in page
    assert len(engine_runs) == 1  # the stored result no longer matches: run afresh


def test_two_assessments_with_the_same_findings_each_show_their_own(
    therapist_client, final, therapist
):
    other = services.assessment_finalise(
        assessment=services.assessment_create(
            episode=EpisodeFactory(), therapist=therapist, findings=NEURAL_FINDINGS
        ),
        by=therapist,
    )
    first, second = (
        assessment_page(therapist_client, final),
        assessment_page(therapist_client, other),
    )
    assert final.episode.patient.last_name.encode() in first
    assert other.episode.patient.public_id.hex.encode() not in first
    assert str(other.public_id).encode() in second
    assert str(final.public_id).encode() not in second
