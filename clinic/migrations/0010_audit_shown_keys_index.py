"""Index only the ids of the patients a several-patient audit event showed.

Migration 0008's GIN index held every key and every value of `patients_shown`, and an empty
entry for each one-patient event: a week's calendar view added about a hundred index entries
(fifty patient ids and fifty labels that no query ever looks for), and every patient page one
more. Measured on 200,000 events with pgbench (four one-patient events to one week's), the
server spent 153-190 µs of CPU an insert with that index, 114-117 µs with this one and 108 µs
with none (docs/performance.md, "Stop 49: the audit trail's index").

This one holds the keys alone, as a JSON array (`jsonb_path_query_array`, immutable), and only
for the events that have any; `AuditEvent.objects.concerning()` asks through the same
expression. Both indexes are built and dropped CONCURRENTLY (so outside a transaction): every
page view writes to this table. The new one is built before the old one goes, so a privacy
request never finds the table without an index.
"""

from django.db import migrations

OLD = "clinic_audit_patients_shown"
NEW = "clinic_audit_shown_keys"
KEYS = "jsonb_path_query_array(patients_shown, '$.keyvalue().key')"


def keys_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{NEW}" ON "clinic_auditevent" '
            f"USING gin (({KEYS})) WHERE patients_shown <> '{{}}'::jsonb"
        )
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{OLD}"')


def whole_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{OLD}" '
            'ON "clinic_auditevent" USING gin ("patients_shown")'
        )
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{NEW}"')


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("clinic", "0009_therapists_index")]

    operations = [migrations.RunPython(keys_index, whole_index)]
