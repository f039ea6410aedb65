"""What the portal reads of the patient's exercises on every view (the home, the log page):
one query each, its SQL compiled once per process (clinic/rows.py), because building a
queryset costs more than running it. Scoped by the patient the caller has already found."""

from __future__ import annotations

import datetime as dt

from django.db import router
from django.db.models import BooleanField, Exists, JSONField, OuterRef

from clinic.json_rows import instances, rows_array
from clinic.panels import NOT_READ, portal_read
from clinic.rows import prepared_list, reads_combined
from exercises.models import CommentReply, ExercisePlan, SessionLog
from exercises.selectors import active_plans_newest_first, replies_for_patient
from exercises.videos.selectors import media_of_current_version

PORTAL_REPLY_LIMIT = 3


def plan_on_hold_for_patient(*, patient) -> bool:
    """Whether a plan of the patient is on hold for a red flag referral (SPEC 3.9b, 26).
    The portal home asks when the patient has no active plan (its statement reads it:
    `portal_home_reads`)."""
    found = portal_read(patient, "exercises.on_hold")
    if found is not NOT_READ:
        return found
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
    pictures and videos (`videos.selectors.plan_media`), in the same query (or in the portal
    home's statement: `portal_home_reads`, read for the same day)."""
    found = portal_read(patient, "exercises.plan")
    if found is NOT_READ:
        found = prepared_list(
            "plan_active_with_day_logged",
            ExercisePlan,
            _plan_active_with_day_logged,
            patient_id=patient.pk,
            day=day,
        )
    else:
        found = instances(ExercisePlan, router.db_for_read(ExercisePlan), found, **_PLAN_ROWS)
    return found[0] if found else None


def _plan_active_with_day_logged(*, patient_id: int, day: dt.date):
    logged = SessionLog.objects.filter(
        plan_id=OuterRef("pk"), patient_id=OuterRef("patient_id"), date=day
    )
    plans = active_plans_newest_first(patient_id=patient_id).annotate(logged_on_day=Exists(logged))
    if reads_combined(ExercisePlan):  # PostgreSQL reads the items' JSON in SQL; plan_media
        plans = plans.annotate(media=media_of_current_version())  # reads it on SQLite
    return plans[:1]


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
    """The newest PORTAL_REPLY_LIMIT of `replies_for_patient`, for the portal home's panel
    (which reads them in its statement: `portal_home_reads`)."""
    found = portal_read(patient, "exercises.replies")
    if found is not NOT_READ:
        return instances(CommentReply, router.db_for_read(CommentReply), found, **_REPLY_ROWS)
    return prepared_list(
        "replies_newest_for_patient", CommentReply, _replies_newest, patient_id=patient.pk
    )


def _replies_newest(*, patient_id: int):
    return replies_for_patient(patient=patient_id)[:PORTAL_REPLY_LIMIT]


def _columns(model) -> list[str]:
    """Every column of `model`, so that nothing of an instance built from JSON is deferred."""
    return [field.attname for field in model._meta.concrete_fields]


#: What the portal home draws of the plan (the rest is deferred: each value built back from
#: JSON costs Python time, and the server builds it first): its dates and status, and of its
#: published version the items. In the model's order, as `Model.from_db` takes them.
_PLAN_DRAWN = {"id", "patient", "status", "start_date", "end_date", "current_version"}
_PLAN_ROWS = {
    "fields": [f.attname for f in ExercisePlan._meta.concrete_fields if f.name in _PLAN_DRAWN],
    "related": {"current_version": ["items"]},
    "annotations": {"logged_on_day": BooleanField(), "media": JSONField()},
}
_REPLY_ROWS = {
    "fields": _columns(CommentReply),
    "related": {"session_log": ["public_id", "date"], "author": ["first_name", "last_name"]},
}


def portal_home_reads(*, day: dt.date) -> dict:
    """For the portal home's one statement (portal.selectors.home_reads), correlated with the
    patient's row: the active plan with whether `day` is logged and its media, whether a plan
    is on hold, and the newest replies, as the selectors above read them."""
    patient_id = OuterRef("pk")
    return {
        "exercises.plan": rows_array(
            _plan_active_with_day_logged(patient_id=patient_id, day=day),
            fields=_PLAN_ROWS["fields"],
            related=_PLAN_ROWS["related"],
            annotations=_PLAN_ROWS["annotations"],
        ),
        "exercises.on_hold": Exists(_plan_on_hold(patient_id=patient_id)),
        "exercises.replies": rows_array(
            _replies_newest(patient_id=patient_id),
            fields=_REPLY_ROWS["fields"],
            related=_REPLY_ROWS["related"],
        ),
    }
