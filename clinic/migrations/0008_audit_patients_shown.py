"""One audit event for a request that shows several patients (`AuditEvent.patients_shown`).

The GIN index serves `AuditEvent.objects.concerning()` (the `?|` operator: is any of these
patients' ids a key) on PostgreSQL; SQLite has no GIN, so there the operation does nothing.
It is built CONCURRENTLY (so outside a transaction): every page view writes to this table,
and a plain CREATE INDEX would hold those writes for as long as it reads a large audit trail.
The column itself comes with a database default, which PostgreSQL adds without a rewrite.
"""

from django.db import migrations, models

INDEX = "clinic_audit_patients_shown"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{INDEX}" '
            'ON "clinic_auditevent" USING gin ("patients_shown")'
        )


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("clinic", "0007_default_site")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="patients_shown",
            field=models.JSONField(blank=True, db_default={}, default=dict),
        ),
        migrations.RunPython(add_index, remove_index),
    ]
