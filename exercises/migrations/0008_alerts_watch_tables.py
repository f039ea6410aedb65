"""The dashboard's alerts are cached under the change counters of the tables they are computed
from (exercises.selectors.ALERT_MODELS); on PostgreSQL the database bumps them on every write."""

from django.db import migrations

from clinic.changes import unwatch_sql, watch_sql

TABLES = (
    "exercises_exerciseplan",
    "exercises_planversion",
    "exercises_planweek",
    "exercises_alertacknowledgement",
    "exercises_symptomreport",
    "exercises_sessionlog",  # a report's log date
    "patients_patient",
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(watch_sql(table))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(unwatch_sql(table))


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0005_table_change_counter"),
        ("exercises", "0007_alert_notes_and_dose_adherence"),
        ("patients", "0003_date_of_birth_range"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
