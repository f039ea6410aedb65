"""Load the 30 starter exercises from exercises/library.json.

Uses the historical model and only adds missing codes, so it never overwrites an exercise a
therapist has edited.
"""

from django.db import migrations

from exercises.library import library_load


def load_library(apps, schema_editor):
    library_load(apps.get_model("exercises", "Exercise"))


class Migration(migrations.Migration):
    dependencies = [("exercises", "0001_initial")]

    operations = [migrations.RunPython(load_library, migrations.RunPython.noop)]
