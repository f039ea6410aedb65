import re

import factory
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from tests.patients.factories import EpisodeFactory

NEURAL_FINDINGS = {
    "affected_side": "left",
    "previous_hamstring_injury": "significant_tear",
    "symptom_duration": "3_to_12_months",
    "onset_type": "gradual",
    "aggr_downhill": "worse",
    "aggr_faster_speed": "worse",
    "symptom_timing": "worse_after_than_during",
    "slump_test": "positive_differentiated",
    "slr_test": "positive_differentiated",
    "sciatic_nerve_palpation": "tender_affected_side",
    "lumbar_rom": "full_painless",
    "repeated_movements": "no_change",
    "hamstring_palpation": "non_tender",
    "red_flag_screen_completed": True,
}


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    episode = factory.SubFactory(EpisodeFactory)
    therapist = None
    kind = Assessment.Kind.INTAKE

    class Params:
        final = factory.Trait(
            status=Assessment.Status.FINAL, finalised_at=factory.LazyFunction(timezone.now)
        )

    @classmethod
    def _create(cls, model_class, *args, findings=None, **kwargs):
        for name, value in (findings or {}).items():
            kwargs[name] = value
        return super()._create(model_class, *args, **kwargs)


_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def assessment_page(client, assessment) -> bytes:
    """The assessment's page as `client` sees it, its CSRF token left out so that two views
    compare byte for byte."""
    response = client.get(reverse("assessments:detail", args=[assessment.public_id]))
    assert response.status_code == 200
    return _CSRF.sub(b"", response.content)
