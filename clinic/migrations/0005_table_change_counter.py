"""On PostgreSQL, a change counter per table, bumped by the database on every write.

An app that keeps a derived result in the cache attaches `clinic_table_changed()` to the tables
the result is computed from (a statement-level trigger: INSERT, UPDATE, DELETE, TRUNCATE) and
reads the counters with `clinic.changes.tables_version`. The trigger fires for `save()`,
`QuerySet.update`, `bulk_create`, `bulk_update`, `delete` and raw SQL alike, and its update is
part of the writer's transaction: a reader sees the new counter exactly when it sees the data.
"""

from django.db import migrations

CREATE = """
CREATE TABLE clinic_table_change (
    table_name text PRIMARY KEY,
    version bigint NOT NULL
);
CREATE OR REPLACE FUNCTION clinic_table_changed() RETURNS trigger AS $$
BEGIN
    INSERT INTO clinic_table_change (table_name, version) VALUES (TG_TABLE_NAME, 1)
    ON CONFLICT (table_name) DO UPDATE SET version = clinic_table_change.version + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
DROP = """
DROP FUNCTION IF EXISTS clinic_table_changed() CASCADE;
DROP TABLE IF EXISTS clinic_table_change;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("clinic", "0004_audit_light_references")]
    operations = [migrations.RunPython(forwards, backwards)]
