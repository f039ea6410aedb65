"""What a recurrence shows of the clinic's treatment in the earlier episode (treatment's
`recurrence.py`, gathered by rehab with every app's part)."""

import pytest
from django.core.management import call_command

from patients.models import Patient
from rehab.selectors import care_facts

pytestmark = pytest.mark.django_db


def test_it_tells_a_recurrence_which_treatments_were_given_and_at_how_many_visits(settings):
    settings.DEBUG = True  # seed_demo refuses to run in production
    call_command("seed_demo")
    episode = Patient.objects.get(email="patient@example.com").episodes.get()
    facts = {fact["label"]: fact["items"] for fact in care_facts(episode=episode)}
    assert facts["Treatment in the clinic"] == [
        "Lumbar mobilisation (Central PA glide, L5): 1 visit",
        "Education: 1 visit",
        "Neural mobilisation (Slider): 2 visits",
        "Exercise progression: 2 visits",
    ]
