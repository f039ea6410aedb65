"""The generator behind `manage.py seed_load`: a clinic group's worth of consistent data.

Counts per 10,000 patients: 20 therapists, 15,000 episodes, 20,000 assessments, 10,000
plans with 40,000 items, 500,000 session logs, 100,000 appointments and 200,000 reminder
deliveries; every count scales with the number of patients. Rows are written with
`loadgen.bulk.TableWriter` (COPY on PostgreSQL), so the generator keeps the invariants that
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

This module writes the accounts, patients and episodes; `clinical.py` the assessments, plans
and logs; `schedule.py` the reminders and appointments; `course.py` the course of care
(diagnoses, session notes, stage changes, return-to-run programmes and runs); `state.py` holds
what the steps share.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.contrib.auth.hashers import make_password

from assessments.models import Assessment
from bookings.models import Appointment, Room, WorkingHours
from clinic.models import User
from exercises.models import ExercisePlan, PlanItem, PlanVersion, PlanWeek, SessionLog
from loadgen.bulk import TableWriter, sequences_reset, tables_analyze
from loadgen.clinical import assessments_build, plans_build
from loadgen.course import MODELS as COURSE_MODELS
from loadgen.course import course_build
from loadgen.schedule import appointments_build, reminders_build
from loadgen.state import (
    EMAIL_DOMAIN,
    FIRST_NAMES,
    LAST_NAMES,
    PER_10K,
    TIME_ZONES,
    Build,
    PatientRow,
    tick,
)
from notifications.models import ReminderDelivery, ReminderSchedule
from patients.models import Episode, Patient

__all__ = ["EMAIL_DOMAIN", "build"]


def build(*, patients: int, rng: random.Random, progress) -> dict[str, int]:
    """Write the whole data set; returns how many rows of each kind were created."""
    run = Build(n=patients, rng=rng, progress=progress)
    _accounts(run)
    _patients(run)
    episode_dates = _episodes(run)
    assessments_build(run, episode_dates)
    plans = plans_build(run)
    reminders_build(run, plans)
    appointments_build(run)
    course_build(run)
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
        *COURSE_MODELS,
    ]
    sequences_reset(written)
    tables_analyze(written)
    return run.counts


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
        tick(run, "patients", index + 1, run.n)
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
        tick(run, "episodes", len(dates), total)
    writer.flush()
    run.counts["episodes"] = writer.written
    return dates
