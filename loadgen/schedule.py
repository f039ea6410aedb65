"""Reminder schedules and deliveries, rooms, working hours and appointments for `seed_load`."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings

from bookings.models import Appointment, AppointmentType, Room, WorkingHours
from clinic.sites import Site, default_site
from exercises.models import ExercisePlan
from loadgen.bulk import TableWriter
from loadgen.clinical import PlanRow
from loadgen.state import (
    APPOINTMENTS_PER_DAY,
    PER_10K,
    REMINDER_TIMES,
    ROOMS_MAX,
    Build,
    PatientRow,
    tick,
)
from notifications import timing
from notifications.models import ALL_WEEKDAYS, ReminderDelivery, ReminderSchedule

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


def reminders_build(run: Build, plans: list[PlanRow]) -> None:
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
        tick(run, "reminders", done, len(plans))
    schedules.flush()
    deliveries.flush()
    run.counts["reminder_deliveries"] = deliveries.written


# --- Bookings ------------------------------------------------------------------------------


#: The group seed_load builds: the default site and two more (same clock and holidays, so
#: every site's hours read 09:00-17:00 in clinic time).
EXTRA_SITES = [("Apex Clinic Riverside", "riverside"), ("Apex Clinic Hillside", "hillside")]
#: A therapist who works at two sites is at the second one on these weekdays.
SECOND_SITE_DAYS = (3, 4)


def _sites() -> list[Site]:
    main = default_site()
    sites = [main]
    for name, slug in EXTRA_SITES:
        site, _ = Site.objects.get_or_create(
            slug=slug,
            defaults={
                "group": main.group,
                "name": name,
                "address": f"{name}\n1 High Street",
                "phone": main.phone,
                "email": main.email,
                "time_zone": main.time_zone,
                "holiday_region": main.holiday_region,
            },
        )
        sites.append(site)
    return sites


def _week_of(t_index: int, site_ids: list[int]) -> dict[int, int]:
    """Weekday to site for one therapist: spread over the sites, every other therapist at a
    second site on Thursdays and Fridays."""
    home = site_ids[t_index % len(site_ids)]
    second = site_ids[(t_index + 1) % len(site_ids)]
    return {
        weekday: second if t_index % 2 == 0 and weekday in SECOND_SITE_DAYS else home
        for weekday in range(5)
    }


def appointments_build(run: Build) -> None:
    """A group of three sites. Each therapist works weekdays 09:00-17:00 (clinic time), at
    one site or at two on different days, and sees their own caseload: one initial
    assessment then follow-ups back to back, about 80% in the past, each appointment at the
    site of the hours it lies in. A therapist has a room of their own at their first site."""
    rng = run.rng
    zone = ZoneInfo(settings.TIME_ZONE)
    initial = AppointmentType.objects.get(slug="initial-assessment")
    follow_up = AppointmentType.objects.get(slug="follow-up")
    therapists = run.therapist_ids
    room_count = min(len(therapists), ROOMS_MAX)
    site_ids = [site.pk for site in _sites()]
    weeks = [_week_of(t_index, site_ids) for t_index in range(len(therapists))]
    rooms = Room.objects.bulk_create(
        Room(site_id=weeks[k][0], name=f"Treatment room {k + 1} (load)") for k in range(room_count)
    )
    hours = TableWriter(
        WorkingHours,
        [
            "public_id",
            "created_at",
            "updated_at",
            "therapist",
            "site",
            "weekday",
            "start_time",
            "end_time",
        ],
    )
    for therapist_id, week in zip(therapists, weeks, strict=True):
        for weekday, site_id in week.items():
            hours.add(
                (
                    uuid.uuid4(),
                    run.now,
                    run.now,
                    therapist_id,
                    site_id,
                    weekday,
                    dt.time(9),
                    dt.time(17),
                )
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
            "site",
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
        room = rooms[t_index] if t_index < room_count else None
        slot = 0
        for day in days:
            site_id = weeks[t_index][day.weekday()]
            room_id = room.pk if room is not None and room.site_id == site_id else None
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
                episode_id = row.episode_ids[-1] if day >= row.open_since else None
                if status == kinds.COMPLETED and episode_id is not None:
                    run.attended.append((pk, row, therapist_id, episode_id, start))
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
                        site_id,
                        room_id,
                        episode_id,
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
                tick(run, "appointments", written, total)
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
