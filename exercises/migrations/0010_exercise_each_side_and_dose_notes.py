"""Exercises done on each side say so, and the library's dose notes and two instructions are
corrected (issue 16, items 1 and 6).

Each dose note now says only what the structured dose cannot (when to start, how to build up,
how often early on), because the patient now reads both together: the old notes repeated the
numbers, and some contradicted them (press-ups "twice a day" beside "every 2 to 3 hours").
A note is replaced only where it still reads as shipped, so a therapist's own wording stays.
The Extender and Glider steps said to stop before any pain while their stop rules allow up to
2 out of 10: that wrong sentence is corrected wherever it still stands, edited or not.
"""

from django.db import migrations, models

EACH_SIDE = ["EX-L06", "EX-L07", "EX-L10", "EX-L11", "EX-A06"]

#: code: (as shipped, corrected)
DOSE_NOTES = {
    "EX-N01": (
        "Start with 2 sets of 10. Build up to 3 sets of 15. Twice a day.",
        "When it feels easy, build up to 3 sets of 15.",
    ),
    "EX-N02": (
        "Start with 2 sets of 10. Build up to 3 sets of 15. Once or twice a day.",
        "When it feels easy, build up to 3 sets of 15. Your physio may add a second round later in the day.",
    ),
    "EX-N03": (
        "Start with 2 sets of 10. Build up to 3 sets of 15. Once or twice a day.",
        "When it feels easy, build up to 3 sets of 15. Your physio may add a second round later in the day.",
    ),
    "EX-N04": (
        "Start with 2 sets of 8. Build up to 2 sets of 10. Twice a day. The easiest glide, for when the leg is very sore.",
        "When it feels easy, build up to 2 sets of 10. This is the gentlest glide, for days when the leg is very sore.",
    ),
    "EX-N05": (
        "Start with 2 sets of 10. Build up to 2 sets of 12. Do it before each run.",
        "Do it before each run. When it feels easy, build up to 2 sets of 12.",
    ),
    "EX-N06": (
        "Start with 2 sets of 5. Build up to 2 sets of 10. Once a day.",
        "Start only once the gentler glides bring on no symptoms. When it feels easy, build up to 2 sets of 10.",
    ),
    "EX-N07": (
        "Start with 2 sets of 5. Build up to 2 sets of 8. Once a day.",
        "Start only once the gentler glides bring on no symptoms. When it feels easy, build up to 2 sets of 8.",
    ),
    "EX-N08": (
        "3 holds of 20 seconds, building to 30 seconds. Once a day. Only as taught by your physio.",
        "Build each hold up to 30 seconds over time. Only do this one the way your physio showed you.",
    ),
    "EX-N09": (
        "60 to 90 seconds on each area. Once a day. For comfort.",
        "About 60 to 90 seconds on each part of the thigh. It is there for comfort.",
    ),
    "EX-N10": (
        "Over 3 to 6 weeks. First: step rate up by about 5–10% and no steep downhills. Then bring back short, easy downhills and relaxed strides. Change one thing a week, and only if your leg has settled by the next morning.",
        "Spread over 3 to 6 weeks. First take shorter, quicker steps (about 5 to 10% more steps a minute) and keep off steep downhills. Then bring back short, easy downhills and relaxed strides. Change one thing a week, and only if your leg has settled by the next morning.",
    ),
    "EX-L01": (
        "2 to 3 minutes lying flat, then 2 to 3 minutes on your elbows. 3 to 4 times a day.",
        "2 to 3 minutes flat on your front, then 2 to 3 minutes up on your elbows. Up to 4 times a day is fine.",
    ),
    "EX-L02": (
        "10 per set. In the early stage, do a set every 2 to 3 hours. After that, 2 to 3 times a day.",
        "Your physio sets how often. Early on that can be a set every 2 to 3 hours through the day; later, 2 to 3 times a day.",
    ),
    "EX-L03": (
        "5 to 10 each time. Before and after runs, and after every hour of sitting.",
        "Up to 10 each time. Do it before and after runs, and after each hour of sitting.",
    ),
    "EX-L04": (
        "10 each time. 3 to 4 times a day.",
        "A fourth time in the day is fine if it helps.",
    ),
    "EX-L05": (
        "6 to 10 each time. 2 to 3 times a day.",
        "Build up to 10 each time. A third time in the day is fine if it helps.",
    ),
    "EX-L06": ("10 to 15 to each side. Twice a day.", "Build up to 15 to each side."),
    "EX-L07": (
        "8 to 10 on each side. Once or twice a day.",
        "Build up to 10 on each side. A second time in the day is fine if it helps.",
    ),
    "EX-L08": (
        "8 to 10 slow rounds. Once or twice a day, and before runs.",
        "Go slowly and build up to 10 rounds. It is also good before a run, and a second time in the day is fine.",
    ),
    "EX-L09": ("10 to 15 each time. Twice a day.", "Build up to 15 each time."),
    "EX-L10": (
        "6 to 8 on each side, holding 5 to 8 seconds. 2 to 3 sets. How often: as your physio advises.",
        "Build up to 3 sets of 8, holding for up to 8 seconds. How often: as your physio tells you.",
    ),
    "EX-L11": (
        "3 holds of 10 seconds on each side, building to 20 seconds. Start on your knees, then move to your feet. How often: as your physio advises.",
        "Build each hold up to 20 seconds. Start on your knees; move to your feet when that is easy. How often: as your physio tells you.",
    ),
    "EX-A01": (
        "5 presses of 10 seconds, at half effort or less to begin. Push a little harder over the days. Twice a day. Can start 1 to 2 days after the injury.",
        "Start at half effort or less and press a little harder over the days. You can start 1 to 2 days after the injury.",
    ),
    "EX-A02": (
        "3 sets of 10, building to 12. Daily or every other day. Switch to one leg once both legs together is easy.",
        "Build up to 3 sets of 12. Every other day is fine too. Move to one leg once two legs feel easy.",
    ),
    "EX-A03": (
        "3 sets of 12. Twice a day. Start from about day 5 after the injury.",
        "Start from about day 5 after the injury, not before.",
    ),
    "EX-A04": (
        "3 sets of 6. Every other day (about 3 days a week, never two days in a row). Start slow and speed up as it gets comfortable.",
        "Never two days in a row: rest at least a day between sessions. Start slowly and speed up as it gets comfortable.",
    ),
    "EX-A05": (
        "3 sets of 4. Every third day (about 2 days a week).",
        "Every third day: two rest days between sessions.",
    ),
    "EX-A06": ("3 sets of 8 on each leg. 2 times a week.", ""),
    "EX-A07": (
        "Start with 2 sets of 5, once a week. Build up over the weeks to 3 sets (12, then 10, then 8), 2 to 3 times a week. After that, once a week keeps the strength.",
        "Start only when your physio says so. Over the weeks, build up to 3 sets (12, then 10, then 8) 2 to 3 times a week. After that, once a week keeps the strength.",
    ),
    "EX-G01": (
        "10 to 20 minutes at an easy effort. Every day.",
        "Build up to 20 minutes. Keep it easy enough to chat.",
    ),
}

#: code: (wrong step, corrected step)
STEPS = {
    "EX-A03": (
        "Stop before you feel any pain.",
        "Straighten only as far as you can with mild pain at most: no more than 2 out of 10.",
    ),
    "EX-A05": (
        "Slide your other foot slowly backwards. A sock on a smooth floor helps. Stop before it hurts.",
        "Slide your other foot slowly backwards. A sock on a smooth floor helps. Stop sliding before the pain goes above about 2 out of 10.",
    ),
}


def _correct(apps, *, forward: bool) -> None:
    Exercise = apps.get_model("exercises", "Exercise")
    Exercise.objects.filter(code__in=EACH_SIDE).update(each_side=forward)
    for exercise in Exercise.objects.filter(code__in=set(DOSE_NOTES) | set(STEPS)):
        changed = []
        if exercise.code in DOSE_NOTES:
            old, new = DOSE_NOTES[exercise.code] if forward else DOSE_NOTES[exercise.code][::-1]
            if exercise.dose_note == old:
                exercise.dose_note = new
                changed.append("dose_note")
        if exercise.code in STEPS:
            old, new = STEPS[exercise.code] if forward else STEPS[exercise.code][::-1]
            if old in exercise.instructions:
                exercise.instructions = [
                    new if step == old else step for step in exercise.instructions
                ]
                changed.append("instructions")
        if changed:
            exercise.save(update_fields=changed)


def correct(apps, schema_editor):
    _correct(apps, forward=True)


def restore(apps, schema_editor):
    _correct(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0009_sessionlog_comment_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="exercise",
            name="each_side",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="historicalexercise",
            name="each_side",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(correct, restore),
    ]
