"""What the portal reads of the patient's exercises on every view (the home, the log page):
one query each, its SQL compiled once per process (clinic/rows.py), because building a
queryset costs more than running it. Scoped by the patient the caller has already found."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from clinic.rows import prepared_list
from exercises.models import CommentReply, ExercisePlan, SessionLog
from exercises.selectors import active_plans_newest_first, replies_for_patient
from exercises.videos.selectors import media_of_current_version

PORTAL_REPLY_LIMIT = 3


def plan_on_hold_for_patient(*, patient) -> bool:
    """Whether a plan of the patient is on hold for a red flag referral (SPEC 3.9b, 26).
    The portal home asks when the patient has no active plan."""
    return bool(
        prepared_list(
            "plan_on_hold_for_patient", ExercisePlan, _plan_on_hold, patient_id=patient.pk
        )
    )


def _plan_on_hold(*, patient_id: int):
    return (
        ExercisePlan.objects.filter(patient_id=patient_id, status=ExercisePlan.Status.PAUSED)
        .exclude(hold_reason="")
        .values("id")[:1]
    )


def plan_active_with_day_logged(*, patient, day: dt.date) -> ExercisePlan | None:
    """`selectors.plan_active_for_patient`'s plan, with `logged_on_day`: whether the patient
    has logged it on `day` (the portal home's "logged today"), and `media`: its exercises'
    pictures and videos (`videos.selectors.plan_media`), in the same query."""
    found = prepared_list(
        "plan_active_with_day_logged",
        ExercisePlan,
        _plan_active_with_day_logged,
        patient_id=patient.pk,
        day=day,
    )
    return found[0] if found else None


def _plan_active_with_day_logged(*, patient_id: int, day: dt.date):
    logged = SessionLog.objects.filter(
        plan_id=OuterRef("pk"), patient_id=OuterRef("patient_id"), date=day
    )
    return active_plans_newest_first(patient_id=patient_id).annotate(
        logged_on_day=Exists(logged), media=media_of_current_version()
    )[:1]


def session_log_for_day(*, patient, plan: ExercisePlan, day: dt.date) -> SessionLog | None:
    """The patient's log of `plan` on one of their days, if they logged it (the portal
    home and the log page ask)."""
    found = prepared_list(
        "session_log_for_day",
        SessionLog,
        _session_log_for_day,
        patient_id=patient.pk,
        plan_id=plan.pk,
        day=day,
    )
    return found[0] if found else None


def _session_log_for_day(*, patient_id: int, plan_id: int, day: dt.date):
    return SessionLog.objects.filter(plan_id=plan_id, patient_id=patient_id, date=day).order_by(
        "pk"
    )[:1]


def replies_newest_for_patient(*, patient) -> list[CommentReply]:
    """The newest PORTAL_REPLY_LIMIT of `replies_for_patient`, for the portal home's panel."""
    return prepared_list(
        "replies_newest_for_patient", CommentReply, _replies_newest, patient_id=patient.pk
    )


def _replies_newest(*, patient_id: int):
    return replies_for_patient(patient=patient_id)[:PORTAL_REPLY_LIMIT]
