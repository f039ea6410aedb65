"""Demo data for `manage.py seed_demo`. Each app adds its part through a `demo.seed()` hook.

Every step looks records up by a natural key before creating them, so running the seed twice
leaves the same data.
"""

from __future__ import annotations

import datetime as dt

from clinic.models import User
from clinic.plugins import plugin_modules

PASSWORD = "apex-demo-pass"  # noqa: S105 (documented demo password; seed refuses to run in production)
THERAPIST_EMAIL = "therapist@example.com"
RECEPTION_EMAIL = "reception@example.com"
PATIENT_EMAIL = "patient@example.com"
MANAGER_EMAIL = "manager@example.com"


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
    # Apps seed in INSTALLED_APPS order, which lists an app after the apps it depends on.
    for module in plugin_modules("demo"):
        summary.extend(module.seed(context))
    return summary
