"""Indexes for the patient list and search.

The search index is a pg_trgm GIN index on `patients.selectors.SEARCH_TEXT`, built from that
very expression so the planner matches it to the search's `LIKE '%...%'` conditions. It is
PostgreSQL-only (SQLite has neither GIN nor trigrams), so it is created here rather than in the
model's Meta: on other databases these two operations do nothing.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

SEARCH_INDEX = "patients_search_trgm"


def _create_search_index_sql(model, schema_editor) -> str:
    from patients.selectors import SEARCH_TEXT

    index = GinIndex(OpClass(SEARCH_TEXT, name="gin_trgm_ops"), name=SEARCH_INDEX)
    sql = str(index.create_sql(model, schema_editor))
    # Django renders "((expression gin_trgm_ops))", which PostgreSQL rejects for an operator
    # expression; the operator class belongs after the parenthesised expression.
    return sql.replace(" gin_trgm_ops))", ") gin_trgm_ops)")


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        model = apps.get_model("patients", "Patient")
        schema_editor.execute(_create_search_index_sql(model, schema_editor))


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{SEARCH_INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                condition=models.Q(("archived_at__isnull", True)),
                fields=["last_name", "first_name", "id"],
                name="patients_active_by_name",
            ),
        ),
        TrigramExtension(),
        migrations.RunPython(add_search_index, remove_search_index),
    ]
