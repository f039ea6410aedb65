import uuid

from django.db import migrations

DEFAULT_TYPES = [
    ("initial-assessment", "Initial assessment", 60),
    ("follow-up", "Follow-up", 30),
]


def create_types(apps, schema_editor):
    AppointmentType = apps.get_model("bookings", "AppointmentType")
    for slug, name, minutes in DEFAULT_TYPES:
        AppointmentType.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "duration_minutes": minutes, "public_id": uuid.uuid4()},
        )


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [migrations.RunPython(create_types, migrations.RunPython.noop)]
