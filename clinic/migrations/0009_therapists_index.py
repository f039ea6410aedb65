"""The active therapists, in the order the calendars list them (`clinic_user_therapists`).

Every calendar view reads the active therapists (`bookings.selectors.therapists()`, with the
active sites in one statement: `bookings.calendar_filter.sites_and_therapists`); without this
partial index the server scanned every user (mostly patients) for about twenty rows. The user
table is small and rarely written, so a plain CREATE INDEX is enough.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("clinic", "0008_audit_patients_shown"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                condition=models.Q(("is_active", True), ("role", "therapist")),
                fields=["first_name", "last_name", "email"],
                name="clinic_user_therapists",
            ),
        ),
    ]
