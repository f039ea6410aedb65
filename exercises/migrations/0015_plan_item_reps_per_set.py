"""Repetitions set by set on a plan item, and a correction of the Nordic build-up.

The Nordic lowers' build-up and keep-up steps prescribe 3 sets of 12, then 10, then 8; until
now they were stored as 3 sets of 10, which is wrong data, not a therapist's choice. Items at
those steps still holding exactly that stored dose are corrected in the working copy; what the
patient was given stays in its published version until the therapist publishes again (the plan
page then shows the change).
"""

from django.db import migrations, models

STEPS = ("a07_build", "a07_keep")


def correct_nordic_build_up(apps, schema_editor):
    PlanItem = apps.get_model("exercises", "PlanItem")
    PlanItem.objects.filter(
        exercise__code="EX-A07", progression_step__in=STEPS, sets=3, reps=10, reps_per_set=[]
    ).update(reps_per_set=[12, 10, 8])


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0014_merge_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="planitem",
            name="reps_per_set",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(correct_nordic_build_up, migrations.RunPython.noop),
    ]
