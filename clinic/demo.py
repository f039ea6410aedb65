"""Demo data for `manage.py seed_demo`. Each app adds its part through a `demo.seed()` hook.

Every step looks records up by a natural key before creating them, so running the seed twice
leaves the same data.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from clinic.models import User

PASSWORD = "apex-demo-pass"  # noqa: S105 (documented demo password; seed refuses to run in production)
THERAPIST_EMAIL = "therapist@example.com"
RECEPTION_EMAIL = "reception@example.com"
PATIENT_EMAIL = "patient@example.com"
MANAGER_EMAIL = "manager@example.com"

# Apps seed in dependency order; each app's demo module may be absent.
APP_SEEDS = ["patients", "assessments", "exercises", "bookings"]


def demo_user(
    email: str, role: str, first_name: str, last_name: str, *, manager: bool = False
) -> User:
    """The demo account for `email`, created once with the demo password. The manager is a
    superuser (the audit trail, privacy tools and the admin)."""
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "role": role,
            "first_name": first_name,
            "last_name": last_name,
            "is_staff": manager,
            "is_superuser": manager,
        },
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def seed() -> list[str]:
    therapist = demo_user(THERAPIST_EMAIL, User.Role.THERAPIST, "Rebecca", "Hart")
    reception = demo_user(RECEPTION_EMAIL, User.Role.RECEPTION, "Sam", "Desk")
    patient = demo_user(PATIENT_EMAIL, User.Role.PATIENT, "Jamie", "Runner")
    # The manager runs the clinic and treats nobody, so the role is not therapist: a
    # therapist's role would put them on every calendar and therapist picker.
    manager = demo_user(MANAGER_EMAIL, User.Role.RECEPTION, "Jordan", "Lead", manager=True)
    accounts = ", ".join(user.email for user in (therapist, reception, patient, manager))
    summary = [f"accounts: {accounts}"]
    context = {
        "therapist": therapist,
        "reception": reception,
        "patient_user": patient,
        "manager": manager,
        "today": dt.date.today(),
    }
    for app in APP_SEEDS:
        try:
            module = import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.demo":
                raise
            continue
        summary.extend(module.seed(context))
    return summary
