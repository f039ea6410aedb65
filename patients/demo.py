"""Demo patient for the patient@example.com account."""

import datetime as dt

from patients.models import Patient
from patients.services import episode_open


def seed(context: dict) -> list[str]:
    user = context["patient_user"]
    patient, _ = Patient.objects.get_or_create(
        user=user,
        defaults={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_of_birth": dt.date(1986, 4, 12),
            "sex": Patient.Sex.FEMALE,
            "email": user.email,
            # Ofcom keeps 020 7946 0xxx for drama, so it rings nobody; unlike the mobile drama
            # range (07700 900xxx) it passes the phone validation of the patient form.
            "phone": "+442079460123",
            "runner_level": Patient.RunnerLevel.CLUB,
            "weekly_km": 45,
            "main_terrain": Patient.Terrain.TRAIL_HILLY,
            "goal_event": "Trail half marathon",
            "email_reminders_consent": True,
            "created_by": context["therapist"],
        },
    )
    if not patient.episodes.exists():
        episode_open(
            patient=patient,
            side="left",
            started_on=context["today"] - dt.timedelta(days=120),
        )
    context["patient"] = patient
    context["episode"] = patient.episodes.order_by("-number").first()
    return [f"patient: {patient.full_name} with {patient.episodes.count()} episode(s)"]
