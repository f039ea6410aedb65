import pytest
from django.core.management import CommandError, call_command

from clinic.models import User
from patients.models import Episode, Patient


def _snapshot():
    return (
        sorted(User.objects.values_list("email", "role", "password")),
        sorted(Patient.objects.values_list("public_id", "email")),
        sorted(Episode.objects.values_list("public_id", "number")),
    )


@pytest.mark.django_db
def test_it_creates_the_demo_accounts_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first
    emails = {email for email, _, _ in first[0]}
    assert {"therapist@example.com", "reception@example.com", "patient@example.com"} <= emails
    patient = User.objects.get(email="patient@example.com")
    assert patient.check_password("apex-demo-pass")
    assert patient.patient.episodes.count() == 1


@pytest.mark.django_db
def test_it_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()
