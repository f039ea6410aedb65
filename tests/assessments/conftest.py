import sys

import pytest

import assessments.views  # noqa: F401  (loaded before `engine_runs` wraps the names it imports)
from assessments.diagnosis import engine
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory


@pytest.fixture
def neural_final(therapist):
    return AssessmentFactory(therapist=therapist, final=True, findings=NEURAL_FINDINGS)


@pytest.fixture
def engine_runs(monkeypatch):
    """The findings of every run of the diagnosis engine during the test."""
    runs = []
    real = engine.diagnose

    def counting(*args, **kwargs):
        runs.append(args[0] if args else kwargs.get("findings"))
        return real(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("assessments") and getattr(module, "diagnose", None) is real:
            monkeypatch.setattr(module, "diagnose", counting)
    return runs
