"""Background work of the exercises app."""

from __future__ import annotations

import logging

from celery import shared_task

from clinic.changes import table_versions
from clinic.models import User
from exercises import dashboard
from exercises.models import ExercisePlan

logger = logging.getLogger(__name__)


@shared_task(name="exercises.dashboard_alerts_warm", ignore_result=True)
def dashboard_alerts_warm() -> int:
    """Run by beat at every quarter hour: work out the dashboard's alerts
    (`exercises.dashboard.dashboard_alerts`) for each active user who prescribed an active plan,
    so that no therapist's view pays for it.

    The alerts' summary is kept per quarter hour, and every plan's alerts depend on its patient's
    local date, which changes at midnight in each zone (on a quarter hour in every zone): the
    first dashboard view after midnight worked out a whole caseload again (about 0.3 s of Python,
    1.9 billion instructions, for 500 plans), and the first view of each quarter hour read the
    plans' stamps. This does that work here, with the same function, so what a view finds is
    exactly what it would have worked out itself. Where the database keeps no change counters
    (SQLite, `make run`) nothing is kept and each view works its alerts out: nothing to do.
    Returns how many users it warmed."""
    if table_versions([ExercisePlan]) is None:
        return 0
    prescribers = ExercisePlan.objects.filter(status=ExercisePlan.Status.ACTIVE).values(
        "created_by_id"
    )
    warmed = 0
    for user in User.objects.filter(is_active=True, pk__in=prescribers).order_by("pk"):
        try:
            dashboard.dashboard_alerts(user=user)
        except Exception:  # one user's failure must not keep the others cold
            logger.exception("Could not work out the dashboard's alerts of user %s", user.pk)
            continue
        warmed += 1
    return warmed
