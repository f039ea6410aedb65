import pytest

from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory


@pytest.fixture
def neural_final(therapist):
    return AssessmentFactory(therapist=therapist, final=True, findings=NEURAL_FINDINGS)
