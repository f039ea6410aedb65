"""Reads for the library, plans, logs and the adherence loop, scoped by who is asking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from clinic import audit
from clinic.access import CLINICAL, has_role
from clinic.models import beyond_name
from clinic.rows import prepared_list
from exercises import schedule, text_safety
from exercises.adherence import (
    MEDIAN_DAYS,
    WEEK_COLUMNS,
    Alert,
    LogFacts,
    WeekRow,
    WeekStat,
    chart_for,
    plan_alerts,
    session_alerts,
    week_series,
)
from exercises.chart import series_svg
from exercises.models import (
    AlertAcknowledgement,
    CommentRead,
    CommentReply,
    Exercise,
    ExercisePlan,
    PlanItem,
    PlanVersion,
    PlanWeek,
    SessionLog,
    SymptomReport,
)
from exercises.safety import ACTIONS, labels_for, urgency_of
from exercises.videos.selectors import has_video
from patients import page_rows


def patient_today(patient) -> dt.date:
    """Today's date where the patient lives (plans, logs and alerts all count in it)."""
    return timezone.now().astimezone(ZoneInfo(patient.time_zone)).date()


def exercises_search(
    *,
    query: str = "",
    tag: str = "",
    phase: str = "",
    include_archived: bool = False,
    without_video: bool = False,
) -> QuerySet[Exercise]:
    """Library exercises matching the filter, each annotated `has_video` (a current one)."""
    exercises = Exercise.objects.annotate(has_video=has_video())
    if without_video:
        exercises = exercises.filter(has_video=False)
    if not include_archived:
        exercises = exercises.filter(archived_at__isnull=True)
    if tag in Exercise.Tag.values:
        # Tags are a JSON list; the quoted token matches one whole tag on SQLite and PostgreSQL.
        exercises = exercises.filter(tags__icontains=f'"{tag}"')
    if phase in Exercise.Phase.values:
        exercises = exercises.filter(phases__icontains=f'"{phase}"')
    query = query.strip()
    if query:
        exercises = exercises.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return exercises.order_by("code")


def exercise_get(*, public_id: UUID | str) -> Exercise:
    try:
        return Exercise.objects.get(public_id=public_id)
    except (Exercise.DoesNotExist, ValueError, TypeError):
        raise Http404("No such exercise") from None


def exercise_in_plan(*, plan: ExercisePlan | None, code: str) -> Exercise:
    """An exercise of the plan's current version, or 404: what a patient may look at."""
    version = plan.current_version if plan is not None else None
    if version is None or code not in {item["key"] for item in version.items}:
        raise Http404("No such exercise in your plan")
    try:
        return Exercise.objects.get(code=code)
    except Exercise.DoesNotExist:
        raise Http404("No such exercise") from None


def plans_for_user(*, user) -> QuerySet[ExercisePlan]:
    """Plans are clinical records: therapists and the manager see them all, nobody else any."""
    if not has_role(user, CLINICAL):
        return ExercisePlan.objects.none()
    return ExercisePlan.objects.all()


def plan_for_user(*, user, public_id: UUID | str) -> ExercisePlan:
    try:
        plan = (
            plans_for_user(user=user)
            .select_related(
                "patient__user", "episode", "current_version", "created_by", "resumed_by"
            )
            .get(public_id=public_id)
        )
    except (ExercisePlan.DoesNotExist, ValueError, TypeError):
        raise Http404("No such plan") from None
    audit.note_patient(plan.patient, plan)
    return plan


def plan_items(*, plan: ExercisePlan) -> list[PlanItem]:
    return list(plan.items.select_related("exercise").order_by("position", "id"))


def plan_active_for_patient(*, patient) -> ExercisePlan | None:
    """The plan the patient follows now: the newest active plan with a published version.
    Compiled once per process (clinic/rows.py): most portal pages ask."""
    found = prepared_list(
        "plan_active_for_patient", ExercisePlan, _active_plan, patient_id=patient.pk
    )
    return found[0] if found else None


def _active_plan(*, patient_id: int):
    return active_plans_newest_first(patient_id=patient_id)[:1]


def active_plans_newest_first(*, patient_id: int) -> QuerySet[ExercisePlan]:
    """The patient's active plans with a published version (and that version), newest
    first: the first is the one they follow now."""
    return (
        ExercisePlan.objects.filter(patient_id=patient_id, status=ExercisePlan.Status.ACTIVE)
        .exclude(current_version__isnull=True)
        .select_related("current_version")
        .order_by("-start_date", "-created_at")
    )


def plans_on_hold_for_patient(*, patient) -> list[ExercisePlan]:
    """The patient's plans on hold for a red flag referral, newest first (one query)."""
    return list(
        ExercisePlan.objects.filter(patient=patient, status=ExercisePlan.Status.PAUSED)
        .exclude(hold_reason="")
        .order_by("-start_date", "-created_at")
    )


def session_logs_for_patient(*, patient) -> QuerySet[SessionLog]:
    return SessionLog.objects.filter(patient=patient).select_related("version", "plan")


def session_log_history(*, patient) -> QuerySet[SessionLog]:
    """The patient's own logs for the portal's history, newest day first."""
    return session_logs_for_patient(patient=patient).order_by("-date")


def session_logs_for_staff(
    *, user, patient, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[SessionLog]:
    """A patient's session logs for clinicians, newest first, optionally between two of the
    patient's days, with each log's plan and episode joined in. None for other roles."""
    if not has_role(user, CLINICAL):
        return SessionLog.objects.none()
    logs = SessionLog.objects.filter(patient=patient)
    if date_from:
        logs = logs.filter(date__gte=date_from)
    if date_to:
        logs = logs.filter(date__lte=date_to)
    return logs.select_related("plan__episode").order_by("-date", "-id")


def session_log_for_patient(*, patient, public_id: UUID | str) -> SessionLog:
    """One of the patient's own logs, with the clinic's replies to its comment (two queries)."""
    replies = Prefetch("replies", queryset=CommentReply.objects.select_related("author"))
    try:
        return (
            session_logs_for_patient(patient=patient)
            .prefetch_related(replies)
            .get(public_id=public_id)
        )
    except (SessionLog.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session") from None


# --- Adherence ------------------------------------------------------------------------


def _series(plan: ExercisePlan, rows: list[PlanWeek], today) -> list[WeekStat]:
    if plan.start_date is None:
        return []
    return week_series(
        start_date=plan.start_date,
        today=today,
        end_date=plan.end_date,
        rows={row.week_start: row for row in rows},
        sessions_per_week=plan.current_version.sessions_per_week if plan.current_version else 7,
    )


@dataclass
class PlanAdherence:
    plan: ExercisePlan
    series: list[WeekStat]

    @property
    def chart(self):
        return chart_for(self.series)

    @property
    def chart_svg(self):
        return series_svg(self.series, title_id=f"chart-title-{self.plan.public_id}")


def plan_adherence(*, plan: ExercisePlan) -> PlanAdherence:
    """Weekly adherence and pain for one plan (one query; the plan comes with its version)."""
    today = patient_today(plan.patient)
    return PlanAdherence(plan=plan, series=_series(plan, list(plan.weeks.all()), today))


def adherence_for_patient(*, patient) -> list[PlanAdherence]:
    """Every published plan of the patient with its weekly series (two queries, compiled once)."""
    plans = page_rows.taken(patient, "adherence_for_patient")
    if plans is None:
        plans = prepared_list("adherence_for_patient", ExercisePlan, _plans, patient_id=patient.pk)
    weeks: dict[int, list[WeekRow]] = {plan.pk: [] for plan in plans}
    rows = page_rows.taken(patient, "adherence_weeks")
    if rows is None:
        rows = prepared_list("adherence_weeks", PlanWeek, _weeks, patient_id=patient.pk)
    for row in rows:  # values: a week's totals, without a model instance each
        if row["plan_id"] in weeks:  # not a week of a plan never published
            weeks[row["plan_id"]].append(WeekRow.of(row))
    today = patient_today(patient)
    return [PlanAdherence(plan=plan, series=_series(plan, weeks[plan.pk], today)) for plan in plans]


#: What no reader of `_plans` (the patient page's panels, suggestions, alerts, recurrence)
#: reads of a plan and its version: who made, resumed and published them, and when.
PLAN_NOT_DRAWN = ("created_at", "updated_at", "created_by", "resume_reason", "resumed_at")
PLAN_NOT_DRAWN += ("resumed_by", "current_version__published_at")
PLAN_NOT_DRAWN += ("current_version__published_by", "current_version__change_summary")


def _plans(*, patient_id: int):
    return (
        ExercisePlan.objects.filter(patient_id=patient_id)
        .exclude(current_version__isnull=True)
        .select_related("current_version", "episode")
        # The panel draws the version's number and weekly sessions: its items (a few
        # kilobytes of JSON a version, read with the progress suggestions' versions) are not
        # read or decoded here, nor what no panel of the page reads (PLAN_NOT_DRAWN).
        .defer("current_version__items", *PLAN_NOT_DRAWN)
        .order_by("-start_date", "-created_at")
    )


def _weeks(*, patient_id: int):
    return PlanWeek.objects.filter(plan__patient_id=patient_id).values(*WEEK_COLUMNS)


@dataclass
class PlanAlert:
    plan: ExercisePlan
    alert: Alert

    @property
    def label(self) -> str:
        """The alert's name for people ("Pain up"), never its code."""
        return AlertAcknowledgement.Kind(self.alert.kind).label


# Reported symptoms older than this no longer raise an alert (by then there has been a visit);
# nor do sessions logged before it.
REPORT_ALERT_DAYS = 28


def _symptom_alert(kind: str, symptoms: list[str], day: dt.date, by_text: bool = False) -> Alert:
    if by_text:
        screening = text_safety.Screening(text_safety.urgency_for(symptoms), tuple(symptoms))
        told = ACTIONS[screening.urgency]["heading"] if screening.urgency else ""
        message = (
            f"Texted the clinic on {day:%d %b} about: {'; '.join(screening.labels)}. "
            f"The automatic reply told them: {told} Read the text on their page."
        )
    elif kind == SymptomReport.Kind.URGENT_SYMPTOM:
        told = ACTIONS[urgency_of(symptoms)]["heading"] if urgency_of(symptoms) else ""
        message = (
            f"Reported on {day:%d %b}: {'; '.join(labels_for(symptoms))}. "
            f"The portal told them: {told}"
        )
    else:
        message = f"Pins and needles or numbness lasted after the exercises on {day:%d %b}."
    return Alert(kind, day, message, day, day)


def alert_windows(now: dt.datetime) -> tuple[dt.datetime, dt.date]:
    """What the alerts read at `now`: the symptom reports made since the first value, and the
    session logs dated on or after the second."""
    # A day's margin either side of UTC's date covers every patient's own date.
    return (
        now - dt.timedelta(days=REPORT_ALERT_DAYS),
        now.date() - dt.timedelta(days=REPORT_ALERT_DAYS + MEDIAN_DAYS + 1),
    )


def _log_alerts(plans: list[ExercisePlan]) -> dict[int, list[Alert]]:
    """Alerts from the plans' recent session logs and reports (one query): the symptom reports
    of the last REPORT_ALERT_DAYS, one per kind and log, saying what was reported and what
    the patient was told; and the session alerts of `exercises.adherence.session_alerts` for
    the sessions of the last REPORT_ALERT_DAYS (read with the MEDIAN_DAYS before them)."""
    ids = [plan.pk for plan in plans]
    reported_since, first_day = alert_windows(timezone.now())
    # One UNION ALL of two index scans with the same columns: the logs (kind "") and the
    # reports (with their log's date). Correlated subqueries per log cost ten times as much.
    columns = (
        "c_plan",
        "c_day",
        "c_during",
        "c_after",
        "c_worse",
        "c_kind",
        "c_symptoms",
        "c_at",
        "c_text",
    )
    logs_query = (
        SessionLog.objects.filter(plan_id__in=ids, date__gte=first_day)
        .order_by()  # no sort: the rules sort each plan's few logs themselves
        .annotate(
            c_plan=F("plan_id"),
            c_day=F("date"),
            c_during=F("pain_during"),
            c_after=F("pain_after"),
            c_worse=F("worse_next_morning"),
            c_kind=Value("", output_field=CharField()),
            # SQL's NULL, not JSON's null (`Value(None)`), which every log row would decode.
            c_symptoms=Cast(Value(None), output_field=JSONField()),
            c_at=Value(None, output_field=DateTimeField()),
            c_text=Value(False, output_field=BooleanField()),
        )
        .values_list(*columns)
    )
    reports_query = (
        SymptomReport.objects.filter(plan_id__in=ids, created_at__gte=reported_since)
        .order_by()
        .annotate(
            c_plan=F("plan_id"),
            # A report from a text has no log: the day it came.
            c_day=Coalesce(F("log__date"), TruncDate("created_at")),
            c_during=Value(None, output_field=IntegerField()),
            c_after=Value(None, output_field=IntegerField()),
            c_worse=Value(None, output_field=BooleanField()),
            c_kind=F("kind"),
            c_symptoms=F("symptoms"),
            c_at=F("created_at"),
            c_text=ExpressionWrapper(Q(text__isnull=False), output_field=BooleanField()),
        )
        .values_list(*columns)
    )
    logs: dict[int, list[LogFacts]] = {plan_id: [] for plan_id in ids}
    reported: dict[int, dict[tuple, Alert]] = {plan_id: {} for plan_id in ids}
    reports = []
    for plan_id, day, during, after, worse, kind, symptoms, at, by_text in logs_query.union(
        reports_query, all=True
    ):
        if kind:
            reports.append((at, plan_id, kind, symptoms, day, by_text))
        else:
            logs[plan_id].append(LogFacts(day, during, after, worse))
    for _at, plan_id, kind, symptoms, day, by_text in sorted(reports, key=lambda r: r[0]):
        # A later report for the same log replaces the earlier one (it lists every symptom);
        # a text's report sits beside the log's of the same day.
        reported[plan_id][(kind, day, by_text)] = _symptom_alert(kind, symptoms, day, by_text)
    found = {plan_id: list(alerts.values()) for plan_id, alerts in reported.items()}
    for plan in plans:
        since = patient_today(plan.patient) - dt.timedelta(days=REPORT_ALERT_DAYS)
        found[plan.pk].extend(session_alerts(logs=logs[plan.pk], since=since))
    return found


def plan_open_alerts(*, plan: ExercisePlan, adherence: PlanAdherence) -> list[Alert]:
    """Unacknowledged alerts for one active plan (two queries: acknowledgements, logs)."""
    if plan.status != ExercisePlan.Status.ACTIVE or plan.start_date is None:
        return []
    seen = set(plan.acknowledgements.values_list("kind", "period"))
    alerts = _log_alerts([plan])[plan.pk] + plan_alerts(
        series=adherence.series,
        today=patient_today(plan.patient),
        start_date=plan.start_date,
        last_logged_on=plan.last_logged_on,
    )
    return [alert for alert in alerts if (alert.kind, alert.period) not in seen]


def alert_plans(*, user, plan_ids=None) -> QuerySet[ExercisePlan]:
    """The active plans the user prescribed (of `plan_ids`, if given), as `plans_alerts` needs
    them: with their patients and the versions' sessions a week (two more queries)."""
    plans = ExercisePlan.objects.filter(status=ExercisePlan.Status.ACTIVE, created_by=user).exclude(
        current_version__isnull=True
    )
    if plan_ids is not None:
        plans = plans.filter(pk__in=plan_ids)
    # Fetched by id rather than joined: a join reads the whole patient and version tables.
    return plans.prefetch_related(
        "patient",
        # Only what the weekly series needs: a version's items are a large JSON document.
        Prefetch(
            "current_version",
            queryset=PlanVersion.objects.only("id", "plan_id", "sessions_per_week"),
        ),
    )


def open_alerts(*, user) -> list[PlanAlert]:
    """Unacknowledged alerts over the active plans the user prescribed, in six queries
    whatever the count (plans, patients, versions, weeks, acknowledgements, logs); urgent
    symptoms first."""
    if not has_role(user, CLINICAL):
        return []
    return plans_alerts(list(alert_plans(user=user)))


def plans_alerts(plans: list[ExercisePlan]) -> list[PlanAlert]:
    """`open_alerts` of these plans (read by `alert_plans`), in three queries (weeks,
    acknowledgements, logs): urgent symptoms first, then by the patient's name, and where
    those are equal in the order of `plans`."""
    weeks: dict[int, list[PlanWeek]] = {plan.pk: [] for plan in plans}
    for row in PlanWeek.objects.filter(plan__in=plans).order_by("week_start"):
        weeks[row.plan_id].append(row)
    seen = set(
        AlertAcknowledgement.objects.filter(plan__in=plans).values_list("plan_id", "kind", "period")
    )
    reported = _log_alerts(plans)
    found = []
    for plan in plans:
        today = patient_today(plan.patient)
        for alert in reported[plan.pk] + plan_alerts(
            series=_series(plan, weeks[plan.pk], today),
            today=today,
            start_date=plan.start_date,
            last_logged_on=plan.last_logged_on,
        ):
            if (plan.pk, alert.kind, alert.period) not in seen:
                found.append(PlanAlert(plan=plan, alert=alert))
    found.sort(key=alert_order)
    return found


def alert_order(item: PlanAlert) -> tuple[bool, str, str]:
    """How alerts are listed: urgent symptoms first, then by the patient's name."""
    patient = item.plan.patient
    return (
        item.alert.kind != AlertAcknowledgement.Kind.URGENT_SYMPTOM,
        patient.last_name,
        patient.first_name,
    )


def plan_open_alert(*, plan: ExercisePlan, kind: str, period: dt.date) -> Alert | None:
    """The plan's open alert of this kind and period, or None (acknowledged, or gone)."""
    adherence = plan_adherence(plan=plan)
    for alert in plan_open_alerts(plan=plan, adherence=adherence):
        if (alert.kind, alert.period) == (kind, period):
            return alert
    return None


#: What `open_alerts` is computed from; migration exercises 0008 makes the database count every
#: write to their tables (clinic/changes.py), and the dashboard's cached alerts are keyed by it.
ALERT_MODELS = (
    ExercisePlan,
    PlanVersion,
    PlanWeek,
    AlertAcknowledgement,
    SymptomReport,
    SessionLog,
)


# --- Patients' comments and the clinic's replies ----------------------------------------


def _comments() -> QuerySet[SessionLog]:
    """Session logs with a comment, each annotated `is_read`, unread first then newest first."""
    return (
        SessionLog.objects.exclude(comment="")
        .annotate(is_read=Exists(CommentRead.objects.filter(session_log=OuterRef("pk"))))
        .order_by("is_read", "-created_at", "-id")
    )


def comments_inbox(*, user) -> QuerySet[SessionLog]:
    """Comments for the user's inbox: from the patients whose plans they prescribed (the manager
    sees every patient's). Nobody outside the clinical roles sees any. Patient joined in."""
    if not has_role(user, CLINICAL):
        return SessionLog.objects.none()
    comments = _comments().select_related("patient")
    if not user.is_superuser:
        # By the plans' ids (an index lookup) rather than a join, which reads the plan table.
        comments = comments.filter(
            plan_id__in=ExercisePlan.objects.filter(created_by=user).values("pk")
        )
    return comments


def comments_unread_count(*, user) -> int:
    return comments_inbox(user=user).filter(is_read=False).count()


def comments_for_patient(*, user, patient) -> list[SessionLog]:
    """One patient's comments for the staff patient page, with their read marks and replies
    (three queries, the first compiled once: clinic/rows.py). Clinical roles only."""
    if not has_role(user, CLINICAL):
        return []
    comments = page_rows.taken(patient, "comments_for_patient")
    if comments is None:
        comments = prepared_list(
            "comments_for_patient", SessionLog, _of_patient, patient_id=patient.pk
        )
    prefetch_related_objects(comments, "replies__author")
    return comments


def _of_patient(*, patient_id: int):
    return (
        _comments()
        .filter(patient_id=patient_id)
        .select_related("comment_read__read_by")
        # The panel says who read a comment, by name: not their password hash and flags.
        .defer(*beyond_name("comment_read__read_by"))
    )


def comment_for_user(*, user, public_id: UUID | str) -> SessionLog:
    """A comment a clinician may read, mark read or answer: like plans, a clinical record every
    clinician may see. 404 for anyone else, and for a log without a comment."""
    if not has_role(user, CLINICAL):
        raise Http404("No such comment")
    try:
        log = _comments().select_related("patient", "comment_read").get(public_id=public_id)
    except (SessionLog.DoesNotExist, ValueError, TypeError):
        raise Http404("No such comment") from None
    audit.note_patient(log.patient, log)
    return log


def replies_for_patient(*, patient) -> QuerySet[CommentReply]:
    """The replies a patient reads in the portal, newest first, with the log they answer."""
    return (
        CommentReply.objects.filter(patient=patient)
        .select_related("session_log", "author")
        .order_by("-created_at", "-id")
    )


def plans_open_for_episode(*, episode) -> list[ExercisePlan]:
    """The episode's active and paused plans (what discharging it completes)."""
    return list(
        ExercisePlan.objects.filter(
            episode_id=episode.pk,
            status__in=[ExercisePlan.Status.ACTIVE, ExercisePlan.Status.PAUSED],
        ).order_by("created_at")
    )


def plan_day(*, plan: ExercisePlan, day: dt.date) -> tuple[list[dict], list[dict]]:
    """The published items of `plan` due on `day` (the patient's local date) and those not due
    then, with their next day (exercises.schedule.split_day). No query: the plan comes with
    its current version."""
    version = plan.current_version
    if version is None:
        return [], []
    return schedule.split_day(version.items, plan.start_date, day)
