"""The generator behind `manage.py seed_load`: a clinic group's worth of consistent data.

Counts per 10,000 patients: 20 therapists, 15,000 episodes, 20,000 assessments, 10,000
plans with 40,000 items, 500,000 session logs, 100,000 appointments and 200,000 reminder
deliveries; every count scales with the number of patients. Rows are written with
`loadgen.bulk.TableWriter` (COPY on PostgreSQL), so this module keeps the invariants that
models, services and signals would otherwise keep:

* each patient has one open episode (the latest) and their earlier ones are discharged;
  `Patient.episode_count` matches;
* every plan has one published version; `last_logged_on` and the `PlanWeek` totals match its
  session logs (one per plan and day, never in the future);
* every plan has a reminder schedule with a correct `next_due_at`; deliveries are unique per
  schedule, local date and slot, and a day with a log before the reminder is "skipped";
* appointments never overlap for a therapist (one after another), a patient (each therapist
  has a caseload of their own) or a room (each room belongs to one therapist), and lie within
  the therapist's working hours.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from assessments.diagnosis.schema import FIELDS, Kind
from assessments.models import Assessment
from bookings.models import Appointment, AppointmentType, Room, WorkingHours
from clinic.models import User
from exercises.adherence import doses_due, week_doses
from exercises.models import Exercise, ExercisePlan, PlanItem, PlanVersion, PlanWeek, SessionLog
from exercises.services import plan_snapshot, sessions_per_week_for
from loadgen.bulk import TableWriter, sequences_reset, tables_analyze
from notifications import timing
from notifications.models import ALL_WEEKDAYS, ReminderDelivery, ReminderSchedule
from patients.models import Episode, Patient

EMAIL_DOMAIN = "@load.example"
PER_10K = {
    "therapists": 20,
    "assessments": 20_000,
    "plan_items_per_plan": 4,
    "logs_per_plan": 50,
    "appointments": 100_000,
    "deliveries_per_schedule": 20,
}
APPOINTMENTS_PER_DAY = 10
ROOMS_MAX = 10
FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kira",
    "Leo",
    "Maya",
    "Noah",
    "Olive",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Will",
    "Xena",
    "Yusuf",
    "Zoe",
    "Aled",
    "Bryony",
    "Ciaran",
    "Dora",
    "Ewan",
    "Farah",
    "Gus",
    "Hana",
    "Ivo",
    "Jess",
    "Kwame",
    "Lena",
    "Max",
    "Nia",
]
LAST_NAMES = [
    "Adams",
    "Baker",
    "Clarke",
    "Davies",
    "Evans",
    "Foster",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nolan",
    "Owen",
    "Patel",
    "Quigley",
    "Roberts",
    "Singh",
    "Taylor",
    "Usman",
    "Vaughan",
    "Walker",
    "Young",
    "Zhang",
    "Ahmed",
    "Bell",
    "Cole",
    "Doyle",
    "Ellis",
    "Fraser",
    "Gill",
    "Hart",
    "Ince",
    "Joyce",
    "Kerr",
    "Lowe",
    "Mills",
    "Nash",
    "Orr",
    "Price",
    "Reid",
    "Shaw",
    "Todd",
    "Wood",
    "Byrne",
    "Carr",
    "Dunn",
    "Field",
    "Grant",
    "Hale",
    "Jarvis",
    "Knight",
    "Lamb",
    "Moss",
    "Norris",
    "Page",
    "Rowe",
    "Stone",
    "Ward",
]
# Most patients live near the clinic; some are abroad (reminders follow their clocks).
TIME_ZONES = ["Europe/London"] * 17 + ["Europe/Dublin", "America/New_York", "Australia/Sydney"]
REMINDER_TIMES = (dt.time(7, 30), dt.time(12, 0), dt.time(18, 0), dt.time(19, 30))


@dataclass
class PatientRow:
    pk: int
    index: int
    therapist_id: int
    time_zone: str
    archived: bool
    consent: bool
    episode_ids: list[int] = field(default_factory=list)
    open_since: dt.date | None = None  # when the open (latest) episode started


@dataclass
class Build:
    n: int
    rng: random.Random
    progress: Callable[[str, int, int], None]
    now: dt.datetime = field(default_factory=timezone.now)
    therapist_ids: list[int] = field(default_factory=list)
    reception_id: int = 0
    patients: list[PatientRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)

    def scaled(self, name: str) -> int:
        return max(1, round(PER_10K[name] * self.n / 10_000))

    def stamp(self, days_ago: float) -> dt.datetime:
        return self.now - dt.timedelta(days=days_ago)


def build(*, patients: int, rng: random.Random, progress) -> dict[str, int]:
    """Write the whole data set; returns how many rows of each kind were created."""
    run = Build(n=patients, rng=rng, progress=progress)
    _accounts(run)
    _patients(run)
    episode_dates = _episodes(run)
    _assessments(run, episode_dates)
    plans = _plans_and_logs(run)
    _reminders(run, plans)
    _appointments(run)
    written = [
        User,
        Patient,
        Episode,
        Assessment,
        ExercisePlan,
        PlanVersion,
        PlanItem,
        SessionLog,
        PlanWeek,
        ReminderSchedule,
        ReminderDelivery,
        Room,
        WorkingHours,
        Appointment,
    ]
    sequences_reset(written)
    tables_analyze(written)
    return run.counts


def _tick(run: Build, label: str, done: int, total: int) -> None:
    if done % 10_000 == 0 or done == total:
        run.progress(label, done, total)


# --- Accounts, patients, episodes, assessments --------------------------------------------


def _accounts(run: Build) -> None:
    therapists = min(run.n, max(2, round(PER_10K["therapists"] * run.n / 10_000)))
    users = [
        User(
            email=f"therapist{k:02d}{EMAIL_DOMAIN}",
            first_name=run.rng.choice(FIRST_NAMES),
            last_name=run.rng.choice(LAST_NAMES),
            role=User.Role.THERAPIST,
            password=make_password(None),
        )
        for k in range(1, therapists + 1)
    ]
    users.append(
        User(
            email=f"reception{EMAIL_DOMAIN}",
            first_name="Front",
            last_name="Desk",
            role=User.Role.RECEPTION,
            password=make_password(None),
        )
    )
    created = User.objects.bulk_create(users)
    run.therapist_ids = [user.pk for user in created[:-1]]
    run.reception_id = created[-1].pk
    run.counts["therapists"] = therapists


def _patients(run: Build) -> None:
    rng = run.rng
    writer = TableWriter(
        Patient,
        [
            "id",
            "public_id",
            "created_at",
            "updated_at",
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "email",
            "phone",
            "preferred_contact",
            "time_zone",
            "runner_level",
            "weekly_km",
            "main_terrain",
            "goal_event",
            "goal_date",
            "email_reminders_consent",
            "user",
            "created_by",
            "archived_at",
            "episode_count",
        ],
    )
    for index, pk in enumerate(writer.reserve_ids(run.n)):
        row = PatientRow(
            pk=pk,
            index=index,
            therapist_id=run.therapist_ids[index % len(run.therapist_ids)],
            time_zone=rng.choice(TIME_ZONES),
            archived=rng.random() < 0.02,
            consent=rng.random() < 0.9,
        )
        run.patients.append(row)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        created = run.stamp(rng.uniform(200, 900))
        writer.add(
            (
                pk,
                uuid.uuid4(),
                created,
                created,
                first,
                last,
                dt.date(rng.randint(1960, 2006), rng.randint(1, 12), rng.randint(1, 28)),
                rng.choice(Patient.Sex.values),
                f"{first}.{last}.{index}{EMAIL_DOMAIN}".lower(),
                f"+4477009{index % 100_000:05d}",
                Patient.ContactChannel.EMAIL,
                row.time_zone,
                rng.choice(Patient.RunnerLevel.values),
                rng.randint(10, 120),
                rng.choice(Patient.Terrain.values),
                "",
                None,
                row.consent,
                None,
                row.therapist_id,
                run.stamp(rng.uniform(1, 100)) if row.archived else None,
                _episode_count(index),
            )
        )
        _tick(run, "patients", index + 1, run.n)
    writer.flush()
    run.counts["patients"] = writer.written


def _episode_count(index: int) -> int:
    return 2 if index % 2 else 1  # 1.5 episodes per patient on average


def _episodes(run: Build) -> dict[int, tuple[dt.date, bool]]:
    """Earlier episodes are discharged, the latest is open. Returns id -> (started, open)."""
    rng = run.rng
    total = sum(_episode_count(row.index) for row in run.patients)
    writer = TableWriter(
        Episode,
        [
            "id",
            "public_id",
            "created_at",
            "updated_at",
            "patient",
            "number",
            "side",
            "started_on",
            "status",
            "discharged_on",
            "outcome",
            "outcome_note",
        ],
    )
    ids = iter(writer.reserve_ids(total))
    dates: dict[int, tuple[dt.date, bool]] = {}
    for row in run.patients:
        count = _episode_count(row.index)
        for number in range(1, count + 1):
            pk = next(ids)
            is_open = number == count
            started = run.today - dt.timedelta(
                days=rng.randint(160, 240) if is_open else rng.randint(420, 700)
            )
            created = dt.datetime.combine(started, dt.time(10), tzinfo=dt.UTC)
            writer.add(
                (
                    pk,
                    uuid.uuid4(),
                    created,
                    created,
                    row.pk,
                    number,
                    rng.choice(Episode.Side.values),
                    started,
                    Episode.Status.OPEN if is_open else Episode.Status.DISCHARGED,
                    None if is_open else started + dt.timedelta(days=rng.randint(30, 120)),
                    "" if is_open else rng.choice(Episode.Outcome.values),
                    "",
                )
            )
            row.episode_ids.append(pk)
            dates[pk] = (started, is_open)
            if is_open:
                row.open_since = started
        _tick(run, "episodes", len(dates), total)
    writer.flush()
    run.counts["episodes"] = writer.written
    return dates


def _finding(spec, rng: random.Random):
    if rng.random() < 0.2:
        return None  # not recorded
    if spec.kind is Kind.ENUM:
        return rng.choice(spec.values)
    if spec.kind is Kind.MULTI_ENUM:
        return [rng.choice(spec.values)]
    if spec.kind is Kind.BOOL:
        return rng.random() < 0.1
    low = spec.min_value if spec.min_value is not None else 0
    high = spec.max_value if spec.max_value is not None else 10
    if spec.kind is Kind.INT:
        return rng.randint(low, high)
    places = spec.decimal_places or 2
    return Decimal(f"{rng.uniform(low, high):.{places}f}")


def _assessments(run: Build, episode_dates: dict[int, tuple[dt.date, bool]]) -> None:
    """An intake on every episode; follow-ups on single-episode patients make up the rest."""
    rng = run.rng
    target = round(PER_10K["assessments"] * run.n / 10_000)
    plan: list[tuple[PatientRow, int, str]] = [
        (row, episode_id, Assessment.Kind.INTAKE)
        for row in run.patients
        for episode_id in row.episode_ids
    ]
    single = [row for row in run.patients if len(row.episode_ids) == 1]
    for k in range(max(0, target - len(plan))):
        row = single[k % len(single)]
        plan.append((row, row.episode_ids[-1], Assessment.Kind.FOLLOW_UP))
    finding_names = list(FIELDS)
    writer = TableWriter(
        Assessment,
        [
            "id",
            "public_id",
            "created_at",
            "updated_at",
            "episode",
            "therapist",
            "kind",
            "status",
            "assessed_on",
            "version",
            "supersedes",
            "amendment_reason",
            "finalised_at",
            "finalised_by",
            "prefilled_from",
            *finding_names,
        ],
    )
    for done, ((row, episode_id, kind), pk) in enumerate(
        zip(plan, writer.reserve_ids(len(plan)), strict=True), start=1
    ):
        started, _ = episode_dates[episode_id]
        offset = rng.randint(1, 5) if kind == Assessment.Kind.INTAKE else rng.randint(30, 90)
        assessed_on = min(started + dt.timedelta(days=offset), run.today)
        at = dt.datetime.combine(assessed_on, dt.time(11), tzinfo=dt.UTC)
        final = kind == Assessment.Kind.INTAKE or rng.random() < 0.95
        writer.add(
            (
                pk,
                uuid.uuid4(),
                at,
                at,
                episode_id,
                row.therapist_id,
                kind,
                Assessment.Status.FINAL if final else Assessment.Status.DRAFT,
                assessed_on,
                1,
                None,
                "",
                at if final else None,
                row.therapist_id if final else None,
                "",
                *(_finding(FIELDS[name], rng) for name in finding_names),
            )
        )
        _tick(run, "assessments", done, len(plan))
    writer.flush()
    run.counts["assessments"] = writer.written


# --- Exercise plans, session logs, weekly totals ------------------------------------------


@dataclass
class PlanRow:
    pk: int
    patient: PatientRow
    status: str
    start: dt.date
    end: dt.date | None
    logged: set[dt.date]


def _plans_and_logs(run: Build) -> list[PlanRow]:
    """One published plan per patient, on their open episode, with its session logs."""
    rng = run.rng
    library = list(Exercise.objects.filter(archived_at__isnull=True).order_by("code"))
    per_plan = PER_10K["plan_items_per_plan"]
    if len(library) < per_plan:
        raise ValueError("The exercise library must hold at least 4 exercises.")
    entries = {
        exercise.pk: plan_snapshot(plan=None, items=[PlanItem(exercise=exercise)])[0]
        for exercise in library
    }
    plans = TableWriter(
        ExercisePlan,
        [
            "id",
            "public_id",
            "created_at",
            "updated_at",
            "episode",
            "patient",
            "status",
            "start_date",
            "end_date",
            "created_by",
            "current_version",
            "last_logged_on",
            "hold_reason",
            "resume_reason",
        ],
    )
    versions = TableWriter(
        PlanVersion,
        ["id", "plan", "number", "items", "sessions_per_week", "published_at", "published_by"],
    )
    items = TableWriter(
        PlanItem,
        [
            "public_id",
            "plan",
            "exercise",
            "position",
            "sets",
            "reps",
            "hold_seconds",
            "duration_minutes",
            "times_per_day",
            "days_per_week",
            "note",
        ],
    )
    logs = TableWriter(
        SessionLog,
        [
            "public_id",
            "created_at",
            "updated_at",
            "patient",
            "plan",
            "version",
            "date",
            "done",
            "done_count",
            "item_count",
            "pain_during",
            "pain_after",
            "difficulty",
            "comment",
            "lasting_pins_needles",
            "new_symptoms",
        ],
    )
    weeks = TableWriter(
        PlanWeek,
        [
            "plan",
            "week_start",
            "sessions_logged",
            "sessions_prescribed",
            "pain_count",
            "pain_during_sum",
            "pain_after_sum",
            "pain_peak_sum",
            "doses_done",
            "doses_due",
        ],
    )
    logs_per_plan = PER_10K["logs_per_plan"]
    plan_ids = plans.reserve_ids(run.n)
    version_ids = versions.reserve_ids(run.n)
    result: list[PlanRow] = []
    difficulties = SessionLog.Difficulty.values
    for done, (row, pk, version_id) in enumerate(
        zip(run.patients, plan_ids, version_ids, strict=True), start=1
    ):
        roll = rng.random()
        status = (
            ExercisePlan.Status.ACTIVE
            if roll < 0.9
            else ExercisePlan.Status.COMPLETED
            if roll < 0.97
            else ExercisePlan.Status.PAUSED
        )
        # Fifty logs over the plan's first 52-66 days: 75-95% adherence, as in a real clinic.
        if status == ExercisePlan.Status.COMPLETED:
            start = run.today - dt.timedelta(days=rng.randint(60, 120))
            end = start + dt.timedelta(days=55)
        else:
            start, end = run.today - dt.timedelta(days=rng.randint(52, 66)), None
        last_day = min(end or run.today, run.today - dt.timedelta(days=1))
        span = (last_day - start).days + 1
        dates = sorted(start + dt.timedelta(days=d) for d in rng.sample(range(span), logs_per_plan))
        chosen = rng.sample(library, per_plan)
        snapshot = [entries[exercise.pk] for exercise in chosen]
        keys = [entry["key"] for entry in snapshot]
        per_week = sessions_per_week_for(snapshot)
        published = dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC)
        plans.add(
            (
                pk,
                uuid.uuid4(),
                published,
                published,
                row.episode_ids[-1],
                row.pk,
                status,
                start,
                end,
                row.therapist_id,
                version_id,
                dates[-1],
                "",  # no plan is on hold for a red flag in the generated data
                "",
            )
        )
        versions.add((version_id, pk, 1, snapshot, per_week, published, row.therapist_id))
        for position, exercise in enumerate(chosen):
            items.add((uuid.uuid4(), pk, exercise.pk, position, *([None] * 6), ""))
        totals: dict[dt.date, list[int]] = {}
        done_on: dict[dt.date, dict[dt.date, set[str]]] = {}
        first_pain = rng.randint(2, 6)
        for number, day in enumerate(dates):
            did = [key for key in keys if rng.random() < 0.85]
            # Pain eases over the plan, with day-to-day noise.
            during = _clamp(first_pain * (1 - number / (2 * len(dates))) + rng.gauss(0, 0.8))
            after = _clamp(during + rng.choice((-1, 0, 0, 1)))
            at = dt.datetime.combine(day, dt.time(19), tzinfo=dt.UTC)
            logs.add(
                (
                    uuid.uuid4(),
                    at,
                    at,
                    row.pk,
                    pk,
                    version_id,
                    day,
                    did,
                    len(did),
                    len(keys),
                    during,
                    after,
                    rng.choice(difficulties),
                    "",
                    False,
                    [],
                )
            )
            week = start + dt.timedelta(days=7 * ((day - start).days // 7))
            total = totals.setdefault(week, [0, 0, 0, 0, 0])
            total[0] += 1 if did else 0
            total[1] += 1
            total[2] += during
            total[3] += after
            total[4] += max(during, after)
            done_on.setdefault(week, {})[day] = set(did)
        due = doses_due(items=snapshot, sessions_per_week=per_week)
        for week, (logged, count, during, after, peak) in sorted(totals.items()):
            doses = week_doses(due=due, done_on=done_on[week])
            weeks.add((pk, week, logged, per_week, count, during, after, peak, *doses))
        result.append(PlanRow(pk, row, status, start, end, set(dates)))
        _tick(run, "plans and logs", done, run.n)
    for writer in (plans, versions, items, logs, weeks):
        writer.flush()
    run.counts.update(plans=plans.written, plan_items=items.written, session_logs=logs.written)
    return result


def _clamp(value: float) -> int:
    return max(0, min(10, round(value)))


# --- Reminders -----------------------------------------------------------------------------


SCHEDULE_COLUMNS = [
    "id",
    "public_id",
    "created_at",
    "updated_at",
    "patient",
    "source",
    "subject_id",
    "times",
    "weekdays",
    "once_at",
    "channel",
    "time_zone",
    "quiet_start",
    "quiet_end",
    "paused_until",
    "unsubscribed_at",
    "ended_at",
    "next_due_at",
]
APPOINTMENT_REMINDER_LEAD = dt.timedelta(hours=24)


def _reminders(run: Build, plans: list[PlanRow]) -> None:
    """A schedule per plan, and its last few weeks of deliveries."""
    rng = run.rng
    schedules = TableWriter(ReminderSchedule, SCHEDULE_COLUMNS)
    deliveries = TableWriter(
        ReminderDelivery,
        [
            "public_id",
            "created_at",
            "updated_at",
            "schedule",
            "patient",
            "local_date",
            "slot",
            "due_at",
            "channel",
            "status",
            "reason",
            "attempts",
            "last_error",
            "queued_at",
            "next_attempt_at",
            "claim_token",
            "claimed_at",
            "handed_over_at",
            "sent_at",
        ],
    )
    per_schedule = PER_10K["deliveries_per_schedule"]
    kinds = ReminderDelivery.Status
    for done, (plan, pk) in enumerate(
        zip(plans, schedules.reserve_ids(len(plans)), strict=True), start=1
    ):
        zone = ZoneInfo(plan.patient.time_zone)
        moment = rng.choice(REMINDER_TIMES)
        unsubscribed = run.stamp(rng.uniform(1, 30)) if rng.random() < 0.03 else None
        ended = (
            dt.datetime.combine(plan.end, dt.time(12), tzinfo=dt.UTC)
            if plan.status == ExercisePlan.Status.COMPLETED
            else None
        )
        next_due = None
        if unsubscribed is None and ended is None:
            occurrence = timing.next_occurrence(after=run.now, zone=zone, times=[moment])
            next_due = occurrence.due_at if occurrence else None
        created = dt.datetime.combine(plan.start, dt.time(9), tzinfo=dt.UTC)
        schedules.add(
            (
                pk,
                uuid.uuid4(),
                created,
                created,
                plan.patient.pk,
                "exercise_plan",
                plan.pk,
                [moment.strftime("%H:%M")],
                ALL_WEEKDAYS,
                None,
                ReminderSchedule.Channel.EMAIL,
                plan.patient.time_zone,
                None,
                None,
                None,
                unsubscribed,
                ended,
                next_due,
            )
        )
        last_day = min(plan.end or run.today, run.today - dt.timedelta(days=1))
        for back in range(per_schedule):
            day = last_day - dt.timedelta(days=back)
            occurrence = timing.resolve(day, moment, zone, None)
            due = occurrence.due_at
            attempts, error, handed, sent, reason = 1, "", None, None, ""
            roll = rng.random()
            if day in plan.logged and roll < 0.5:
                status, reason, attempts = kinds.SKIPPED, "Today's session is already logged.", 0
            elif roll < 0.97:
                status = kinds.SENT
                handed = sent = due + dt.timedelta(seconds=rng.randint(1, 40))
            elif roll < 0.99:
                status, attempts, error = kinds.FAILED, 5, "550 Mailbox unavailable"
            else:
                status, attempts = kinds.MISSED, 0
                reason = "The reminder service was not running when this was due."
            deliveries.add(
                (
                    uuid.uuid4(),
                    due,
                    sent or due,
                    pk,
                    plan.patient.pk,
                    occurrence.local_date,
                    occurrence.slot,
                    due,
                    ReminderSchedule.Channel.EMAIL,
                    status,
                    reason,
                    attempts,
                    error,
                    due if attempts else None,
                    None,
                    None,
                    due if attempts else None,
                    handed,
                    sent,
                )
            )
        _tick(run, "reminders", done, len(plans))
    schedules.flush()
    deliveries.flush()
    run.counts["reminder_deliveries"] = deliveries.written


# --- Bookings ------------------------------------------------------------------------------


def _appointments(run: Build) -> None:
    """Each therapist works weekdays 09:00-17:00 (clinic time) and sees their own caseload:
    one initial assessment then follow-ups back to back, about 80% in the past."""
    rng = run.rng
    zone = ZoneInfo(settings.TIME_ZONE)
    initial = AppointmentType.objects.get(slug="initial-assessment")
    follow_up = AppointmentType.objects.get(slug="follow-up")
    therapists = run.therapist_ids
    room_count = min(len(therapists), ROOMS_MAX)
    rooms = Room.objects.bulk_create(
        Room(name=f"Treatment room {k} (load)") for k in range(1, room_count + 1)
    )
    hours = TableWriter(
        WorkingHours,
        ["public_id", "created_at", "updated_at", "therapist", "weekday", "start_time", "end_time"],
    )
    for therapist_id in therapists:
        for weekday in range(5):
            hours.add(
                (uuid.uuid4(), run.now, run.now, therapist_id, weekday, dt.time(9), dt.time(17))
            )
    hours.flush()

    total = round(PER_10K["appointments"] * run.n / 10_000)
    per_therapist = -(-total // len(therapists))
    # However small the data set: a day before today, today and days far enough ahead for
    # appointment reminders.
    days_needed = max(4, -(-per_therapist // APPOINTMENTS_PER_DAY))
    per_day = -(-per_therapist // days_needed)
    past_days = max(1, min(days_needed - 3, days_needed * 4 // 5))
    days = _weekdays_around(run.today, past_days, days_needed - past_days)
    caseloads = {t: [] for t in therapists}
    for row in run.patients:
        caseloads[row.therapist_id].append(row)
    writer = TableWriter(
        Appointment,
        [
            "id",
            "public_id",
            "created_at",
            "updated_at",
            "patient",
            "therapist",
            "appointment_type",
            "room",
            "episode",
            "start",
            "end",
            "status",
            "notes",
            "cancellation_reason",
            "late_cancellation",
            "outside_hours",
            "series_id",
            "sequence",
            "created_by",
        ],
    )
    kinds = Appointment.Status
    written = 0
    ids = iter(writer.reserve_ids(per_therapist * len(therapists)))
    reminded: list[tuple[int, PatientRow, dt.datetime]] = []
    for t_index, therapist_id in enumerate(therapists):
        caseload = caseloads[therapist_id]
        room_id = rooms[t_index].pk if t_index < room_count else None
        slot = 0
        for day in days:
            minute = 9 * 60
            for position in range(per_day):
                if written >= total or slot >= per_therapist:
                    break
                kind = initial if position == 0 else follow_up
                row = caseload[slot % len(caseload)]
                start = dt.datetime.combine(
                    day, dt.time(minute // 60, minute % 60), tzinfo=zone
                ).astimezone(dt.UTC)
                end = start + dt.timedelta(minutes=kind.duration_minutes)
                minute += kind.duration_minutes
                roll = rng.random()
                if start < run.now:
                    status = (
                        kinds.COMPLETED
                        if roll < 0.88
                        else kinds.NO_SHOW
                        if roll < 0.94
                        else kinds.CANCELLED
                    )
                else:
                    status = kinds.BOOKED if roll < 0.97 else kinds.CANCELLED
                booked = start - dt.timedelta(days=rng.randint(1, 28))
                pk = next(ids)
                if status == kinds.BOOKED and start - APPOINTMENT_REMINDER_LEAD > run.now:
                    reminded.append((pk, row, start - APPOINTMENT_REMINDER_LEAD))
                writer.add(
                    (
                        pk,
                        uuid.uuid4(),
                        booked,
                        booked,
                        row.pk,
                        therapist_id,
                        kind.pk,
                        room_id,
                        row.episode_ids[-1] if day >= row.open_since else None,
                        start,
                        end,
                        status,
                        "",
                        "Patient unwell" if status == kinds.CANCELLED else "",
                        False,
                        False,
                        None,
                        0,
                        run.reception_id,
                    )
                )
                slot += 1
                written += 1
                _tick(run, "appointments", written, total)
    writer.flush()
    run.counts["appointments"] = writer.written
    _appointment_reminders(run, reminded)


def _appointment_reminders(run: Build, reminded: list[tuple[int, PatientRow, dt.datetime]]):
    """The one-off reminder schedule the booking service gives every future appointment."""
    writer = TableWriter(ReminderSchedule, SCHEDULE_COLUMNS)
    for (appointment_id, row, once_at), pk in zip(
        reminded, writer.reserve_ids(len(reminded)), strict=True
    ):
        writer.add(
            (
                pk,
                uuid.uuid4(),
                run.now,
                run.now,
                row.pk,
                "appointment",
                appointment_id,
                [],
                ALL_WEEKDAYS,
                once_at,
                ReminderSchedule.Channel.EMAIL,
                row.time_zone,
                None,
                None,
                None,
                None,
                None,
                once_at,
            )
        )
    writer.flush()


def _weekdays_around(today: dt.date, before: int, after: int) -> list[dt.date]:
    """`before` weekdays ending yesterday, then `after` weekdays from today on, in order."""
    past, day = [], today
    while len(past) < before:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            past.append(day)
    future, day = [], today
    while len(future) < after:
        if day.weekday() < 5:
            future.append(day)
        day += dt.timedelta(days=1)
    return [*reversed(past), *future]
