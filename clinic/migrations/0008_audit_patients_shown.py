"""One audit event for a request that shows several patients (`AuditEvent.patients_shown`).

The GIN index serves `AuditEvent.objects.concerning()` (the `?|` operator: is any of these
patients' ids a key) on PostgreSQL; SQLite has no GIN, so there the operation does nothing.
"""

from django.db import migrations, models

INDEX = "clinic_audit_patients_shown"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{INDEX}" ON "clinic_auditevent" USING gin ("patients_shown")'
        )


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("clinic", "0007_default_site")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="patients_shown",
            field=models.JSONField(blank=True, db_default={}, default=dict),
        ),
        migrations.RunPython(add_index, remove_index),
    ]
