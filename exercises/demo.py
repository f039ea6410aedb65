"""Demo data: an active plan for the demo patient and four weeks of logs.

The logs are shaped so the therapist's chart has a story and two alerts fire: adherence drops
below half in week 3 and pain in week 4 is more than 2 points above week 1.
"""

from __future__ import annotations

import datetime as dt

from exercises.library import library_load
from exercises.models import Exercise, ExercisePlan
from exercises.services import plan_create, plan_publish, session_log_save

DEMO_CODES = ["EX-N01", "EX-N02", "EX-N03", "EX-N04"]
# (days before today, pain during, pain after, difficulty, exercises done)
DEMO_LOGS = [
    (24, 3, 2, "about_right", 4),
    (23, 2, 3, "about_right", 4),
    (22, 3, 2, "hard", 3),
    (21, 2, 2, "about_right", 4),
    (20, 2, 3, "about_right", 4),
    (19, 2, 2, "easy", 4),
    (17, 2, 2, "easy", 4),
    (16, 1, 2, "easy", 4),
    (15, 2, 2, "about_right", 4),
    (13, 2, 3, "about_right", 3),
    (12, 2, 2, "easy", 4),
    (9, 4, 5, "hard", 2),
    (6, 4, 4, "hard", 3),
    (2, 5, 6, "hard", 2),
]
START_DAYS_AGO = 24


def seed(context: dict) -> list[str]:
    episode = context.get("episode")
    if episode is None:
        return []
    patient = context["patient"]
    plan = ExercisePlan.objects.filter(episode=episode).order_by("created_at").first()
    if plan is None:
        # Test runs that flush tables lose the migration's rows; put the library back.
        library_load(Exercise)
        exercises = sorted(Exercise.objects.filter(code__in=DEMO_CODES), key=lambda ex: ex.code)
        plan = plan_create(episode=episode, user=context["therapist"], exercises=exercises)
        plan_publish(plan=plan, user=context["therapist"])
        ExercisePlan.objects.filter(pk=plan.pk).update(
            start_date=context["today"] - dt.timedelta(days=START_DAYS_AGO)
        )
        plan.refresh_from_db()
        keys = [item["key"] for item in plan.current_version.items]
        for days_ago, during, after, difficulty, done in DEMO_LOGS:
            session_log_save(
                patient=patient,
                plan=plan,
                date=context["today"] - dt.timedelta(days=days_ago),
                done=keys[:done],
                pain_during=during,
                pain_after=after,
                difficulty=difficulty,
                comment="Felt tight on the hills." if during >= 4 else "",
            )
    context["exercise_plan"] = plan
    return [
        f"exercise plan: {plan.items.count()} exercises, {plan.session_logs.count()} session logs"
    ]
