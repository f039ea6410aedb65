"""Random and malformed input to every form on the site: never a 500, always a visible error,
nothing saved; no off-site redirects through `next`; oversized requests refused.

Each form case posts data built from a valid example in which every field may be kept,
replaced with junk, sent twice or left out, extra fields may be added, and one field is
always given a value that must be refused. The site has no JSON endpoint that takes input
(healthz only reads), so every case is an HTML form.
"""

from __future__ import annotations

import datetime as dt
import os
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessments.diagnosis.schema import FIELDS, Kind
from assessments.forms import FindingsForm, PreVisitForm
from assessments.models import Assessment, AssessmentDecision, PreVisitQuestionnaire
from bookings.models import (
    Appointment,
    BookingRequest,
    ScheduleException,
    UrgentScreen,
    WaitlistEntry,
    WaitlistOffer,
    WorkingHours,
)
from clinic.models import User
from exercises.models import (
    AlertAcknowledgement,
    Exercise,
    ExercisePlan,
    ExerciseVideo,
    PlanItem,
    SessionLog,
)
from exercises.safety import CODES as SYMPTOM_CODES
from exercises.validators import MAX_ILLUSTRATION_BYTES
from notifications.models import ContactConsent, ReminderSchedule
from patients.models import Episode, Patient
from portal.models import Invitation
from rehab.models import DischargeSummary, StageChange
from running.models import ProgrammeDecision, RunLog, RunProgramme
from tests.bookings.factories import follow_up
from tests.conftest import PASSWORD
from tests.exercises.video_files import mp4, video_files
from tests.security.conftest import INVITATION_TOKEN, PNG, World
from tests.security.test_url_walk import (
    booking_request,
    referral,
    run_of,
    run_programme,
    treatment_session,
    waitlist_entry,
    with_programme,
)
from tests.security.test_url_walk import comment as commented_log
from treatment.models import Retest, TreatmentGiven, TreatmentSession

pytestmark = pytest.mark.django_db

#: Kept small so the file runs in about a minute; raise it for a deeper hunt, e.g.
#: APEX_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/security/test_fuzz_forms.py
FUZZ = hypothesis_settings(
    max_examples=int(os.environ.get("APEX_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# --- Values -------------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
#: Prefixed with "x": never a valid date, time, number, UUID or choice on this site.
NONSENSE = TEXT.map(lambda text: "x" + text)
BAD_DATES = ["2026-02-30", "2026-13-01", "31/31/2026", "0000-00-00", "10000-01-01", "-2026-01-01"]
BAD_TIMES = ["25:00", "12:60", "24:00", "noon", "-1:00", "12:00:99"]
BAD_UUIDS = ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1", "' OR 1=1 --", "%00"]
BAD_INTS = ["-1", "-99999999999999999999", "99999999999999999999999999", "1e400", "NaN", "3.5"]
EXTREMES = ["9999-12-31", "0001-01-01", "23:59", "00:00", "0", "32768", "2147483648", "1e308"]
ODDITIES = ["", " ", "\x00", "a\x00b", "on", "true", "null", "[]", "<script>x</script>"]
HUGE = st.integers(min_value=1_000, max_value=300_000).map(lambda n: "x" * n)
JUNK = st.one_of(
    TEXT,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(str),
    st.sampled_from([*BAD_DATES, *BAD_TIMES, *BAD_UUIDS, *BAD_INTS, *EXTREMES, *ODDITIES]),
    HUGE,
)


#: Dates that parse but sit at the ends of the calendar, where date arithmetic overflows.
EDGE_DATES = st.sampled_from(["9999-12-31", "9999-12-25", "0001-01-01", "0001-01-07", "1900-01-01"])
EDGE_TIMES = st.sampled_from(["23:59", "00:00", "01:30", "23:59:59.999999"])
DATE_KEYS = ("date", "after", "period", "paused", "_on", "birth")


def junk_for(key: str) -> st.SearchStrategy[str]:
    """Junk, weighted towards values that parse for the field but are extreme."""
    if any(part in key for part in DATE_KEYS):
        return st.one_of(EDGE_DATES, EDGE_DATES, JUNK)
    if "time" in key or key.startswith("quiet"):
        return st.one_of(EDGE_TIMES, JUNK)
    return JUNK


def bad(*values: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(values), NONSENSE)


BAD_DATE = bad(*BAD_DATES)
BAD_TIME = bad(*BAD_TIMES)
BAD_UUID = bad(*BAD_UUIDS)
BAD_INT = bad(*BAD_INTS)
BAD_CHOICE = NONSENSE
BAD_EMAIL = st.one_of(st.sampled_from(["", "no-at-sign", "a@", "@b.example", "a@b@c"]), NONSENSE)
NUL = st.just("a\x00b")


def too_long(limit: int) -> st.SearchStrategy[str]:
    return st.integers(min_value=limit + 1, max_value=limit + 5_000).map(lambda n: "x" * n)


def waitlist_base() -> dict:
    return {
        "appointment_type": str(follow_up().public_id),
        "therapist": "",
        "days": "1",
        "periods": "morning",
        "available_from": today().isoformat(),
        "available_until": (today() + dt.timedelta(days=30)).isoformat(),
        "urgency": "soon",
        "note": "Short notice is fine",
    }


WAITLIST_BAD = {
    "appointment_type": BAD_UUID,
    "therapist": BAD_UUID,
    "days": bad("7", "-1", "x"),
    "periods": BAD_CHOICE,
    "available_from": st.one_of(BAD_DATE, st.just("2000-01-01"), st.just("")),
    "available_until": st.one_of(BAD_DATE, st.just("2000-01-01"), st.just("2999-01-01")),
    "urgency": BAD_CHOICE,
    "note": st.one_of(NUL, too_long(200)),
}

#: A new patient's request with every pre-screen answer "no" (an urgent "yes" is not refused:
#: it is sent to urgent help whatever else the form holds; tests/bookings covers it).
NEW_PATIENT_REQUEST = {
    "first_name": "Noor",
    "last_name": "Hill",
    "date_of_birth": "1991-06-02",
    "email": "noor@runners.example",
    "phone": "07911 123456",
    "sms_consent": "on",
    "days": ["1", "3"],
    "periods": "morning",
    "reason": "Sore hamstring after a long run.",
    **{f"screen_{code}": "no" for code in SYMPTOM_CODES},
}
NEW_PATIENT_REQUEST_BAD = {
    "first_name": st.one_of(st.just(""), NUL, too_long(100)),
    "date_of_birth": st.one_of(BAD_DATE, st.just("2999-01-01"), st.just("")),
    "email": st.one_of(BAD_EMAIL, NUL),
    "phone": st.one_of(st.sampled_from(["", "12", "07911", "+44"]), NONSENSE),
    "days": bad("7", "-1"),
    "periods": BAD_CHOICE,
    "reason": st.one_of(st.just(""), st.just("   "), NUL, too_long(300)),
    **{f"screen_{code}": st.one_of(st.just(""), BAD_CHOICE) for code in SYMPTOM_CODES},
}


def approve_base(w: World) -> dict:
    """The first free slot reception is offered for the walk's request, for a new record."""
    from bookings.requests import selectors as request_selectors

    found = BookingRequest.objects.get(**booking_request(w))
    kind = request_selectors.first_appointment_type()
    slots, _suited = request_selectors.slots_for_request(
        booking_request=found, appointment_type=kind
    )
    slot = f"{slots[0].therapist.public_id}|{slots[0].start.isoformat()}" if slots else ""
    return {"slot": slot, "patient": "new"}


# --- Cases --------------------------------------------------------------------------------

Build = Callable[[World], dict]


@dataclass
class Case:
    url: Callable[[World], str]
    role: str | None
    base: Build
    bad: dict[str, st.SearchStrategy]
    prefix: Callable[[World], str] | None = None
    files: dict = field(default_factory=dict)


def today() -> dt.date:
    return timezone.localdate()


def next_monday() -> str:
    day = today() + dt.timedelta(days=7)
    return (day - dt.timedelta(days=day.weekday())).isoformat()


PATIENT = {
    "first_name": "Zed",
    "last_name": "Quinn",
    "date_of_birth": "1990-04-01",
    "sex": "female",
    "email": "zed@runners.example",
    "phone": "07911 123456",
    "preferred_contact": "email",
    "time_zone": "Europe/London",
    "runner_level": "club",
    "weekly_km": "40",
    "main_terrain": "road",
    "goal_event": "Spring marathon",
    "goal_date": "2027-04-01",
    "email_reminders_consent": "on",
}
PATIENT_BAD = {
    "first_name": st.one_of(st.just(""), NUL, too_long(150)),
    "date_of_birth": st.one_of(BAD_DATE, st.just("2999-01-01"), st.just("")),
    "sex": BAD_CHOICE,
    "email": st.one_of(BAD_EMAIL.filter(bool), NUL),
    "preferred_contact": BAD_CHOICE,
    "time_zone": st.one_of(BAD_CHOICE, st.just("Mars/Olympus_Mons")),
    "weekly_km": BAD_INT,
    "goal_date": BAD_DATE,
}


def findings_bad(form_class: type[FindingsForm], kind: str) -> dict[str, st.SearchStrategy]:
    """A refused value for every finding that can refuse one (yes/no answers cannot)."""
    strategies = {}
    for name in form_class.field_names(kind):
        spec = FIELDS[name]
        if spec.kind in (Kind.INT, Kind.NUMBER):
            limits = [str(spec.max_value + 1)] if spec.max_value is not None else []
            limits += [str(spec.min_value - 1)] if spec.min_value is not None else []
            strategies[name] = bad(*BAD_INTS, *limits)
        elif spec.kind in (Kind.ENUM, Kind.MULTI_ENUM):
            strategies[name] = BAD_CHOICE
    return strategies


def findings_base(form_class: type[FindingsForm], kind: str, extra: dict) -> dict:
    names = form_class.field_names(kind)
    base = {}
    for name in names:
        spec = FIELDS[name]
        if spec.kind is Kind.ENUM:
            base[name] = spec.values[0]
        elif spec.kind is Kind.INT and spec.min_value is not None:
            base[name] = str(spec.min_value)
    return {**base, **extra}


def booking_base(w: World) -> dict:
    return {
        "patient": str(w.a.patient.public_id),
        "therapist": str(w.therapist.public_id),
        "appointment_type": str(follow_up().public_id),
        "date": next_monday(),
        "time": "10:00",
        "weeks": "1",
        "room": "",
        "notes": "Bring running shoes",
    }


def online_slot_base(w: World) -> dict:
    """A free follow-up slot patient A could book or move to: 10:00 on a Monday (the walk's
    therapist works Mondays) over a week ahead."""
    from bookings.online.forms import format_start
    from tests.bookings.factories import at

    return {
        "appointment_type": str(follow_up().public_id),
        "therapist": str(w.therapist.public_id),
        "start": format_start(at(dt.date.fromisoformat(next_monday()) + dt.timedelta(7), "10:00")),
    }


ONLINE_SLOT_BAD = {
    "appointment_type": BAD_UUID,
    "therapist": BAD_UUID,
    "start": st.one_of(
        BAD_DATE,
        BAD_TIME,
        NUL,
        too_long(32),
        st.sampled_from(["", "2000-01-01T10:00Z", "9999-12-31T23:59Z", "2026-03-29T09:00"]),
    ),
}


def schedule_base(w: World) -> dict:
    return {
        "enabled": "on",
        "time_1": "18:00",
        "weekdays": ["0", "2", "4"],
        "channel": "email",
        "time_zone": "Europe/London",
        "quiet_start": "",
        "quiet_end": "",
        "paused_until": "",
    }


def exercise_base(w: World) -> dict:
    return {
        "code": "EX-Z99",
        "name": "Zed bridge",
        "tags": ["general"],
        "phases": ["early"],
        "directional_preference": "",
        "kind": "",
        "sets": "2",
        "reps": "10",
        "times_per_day": "1",
        "days_per_week": "5",
        "instructions": "Lie down.\nLift the hips.",
        "earliest_day": "3",
        "family": "hip-bridge",
    }


#: Each dose field's values just outside its sensible range (exercises.dose.DOSE_RANGES).
DOSE_OUT_OF_RANGE = {
    "sets": bad("0", "11", *BAD_INTS),
    "reps": bad("0", "51", *BAD_INTS),
    "hold_seconds": bad("0", "121", *BAD_INTS),
    "duration_minutes": bad("0", "61", *BAD_INTS),
    "times_per_day": bad("0", "13", *BAD_INTS),
    "days_per_week": bad("0", "8", *BAD_INTS),
}
EXERCISE_BAD = {
    "code": st.one_of(st.just(""), NUL, too_long(20)),
    "tags": BAD_CHOICE,
    "phases": BAD_CHOICE,
    "directional_preference": BAD_CHOICE,
    "instructions": st.one_of(st.just(""), NUL),
    "min_rest_days": bad("-1", "7", *BAD_INTS),
    "earliest_day": bad("-1", "91", *BAD_INTS),
    "family": st.one_of(st.just("two words"), NUL, too_long(40)),
} | DOSE_OUT_OF_RANGE
#: Files that look like what is asked for by name or type, but are not.
VIDEO_BAD = {
    "video": st.sampled_from(
        [("move.mp4", PNG), ("move.webm", mp4()), ("move.mov", mp4()), ("move.mp4", b"")]
    ).map(lambda case: SimpleUploadedFile(case[0], case[1], "video/mp4")),
    "poster": st.sampled_from([b"<svg/>", b"GIF89a", b""]).map(
        lambda data: SimpleUploadedFile("poster.png", data, "image/png")
    ),
    "captions": st.sampled_from([b"1\n00:00:01,000 --> 00:00:02,000\nHi\n", b"WEBVTT\n", b""]).map(
        lambda data: SimpleUploadedFile("captions.vtt", data, "text/vtt")
    ),
}
DOSE_BAD = DOSE_OUT_OF_RANGE | {
    "note": NUL,
    "weekdays": bad("7", "-1", "Mon", *BAD_INTS),
    "every_n_days": bad("0", "29", *BAD_INTS),
}


def indeterminate_intake(w: World):
    """A final intake of patient A whose suggestion is indeterminate (history only), so a
    working diagnosis may be recorded on it."""
    from tests.assessments.factories import AssessmentFactory

    return AssessmentFactory(
        episode=w.a.episode,
        therapist=w.therapist,
        final=True,
        findings={"affected_side": "left", "red_flag_screen_completed": True},
    )


def url(name: str, **kwargs: Callable[[World], object]) -> Callable[[World], str]:
    return lambda w: reverse(name, kwargs={key: get(w) for key, get in kwargs.items()})


SESSION_NOTE = {
    "action": "save",
    "patient_words": "Better on the flat",
    "before-slump_test": "positive_differentiated",
    "before-slr_angle_affected_deg": "55",
    "after-slr_angle_affected_deg": "62",
    "after-knee_flexion_strength_pct": "85",
    "treatments-TOTAL_FORMS": "2",
    "treatments-INITIAL_FORMS": "0",
    "treatments-MIN_NUM_FORMS": "0",
    "treatments-MAX_NUM_FORMS": "20",
    "treatments-0-kind": "lumbar_mobilisation",
    "treatments-0-technique": "pa_central",
    "treatments-0-level": "L5",
    "treatments-0-grade": "3",
    "retest_after_lumbar_treatment": "neural_signs_improved",
    "review_interval_weeks": "2",
}
# Only the note's own fields: a row of the treatments formset is ignored, by design, when
# the junked management form says there are fewer rows.
SESSION_NOTE_BAD = {
    "before-slr_angle_affected_deg": bad("181", "-1", *BAD_INTS),
    "after-knee_flexion_strength_pct": bad("151", "-1", *BAD_INTS),
    "after-slump_knee_ext_deficit_deg": bad("91", *BAD_INTS),
    "before-slump_test": BAD_CHOICE,
    "after-h_test": BAD_CHOICE,
    "retest_after_lumbar_treatment": BAD_CHOICE,
    "review_interval_weeks": bad("0", "27", *BAD_INTS),
    "review_on": BAD_DATE,
    "patient_words": NUL,
}

CASES: dict[str, Case] = {
    "patients:create": Case(url("patients:create"), "reception", lambda w: PATIENT, PATIENT_BAD),
    "patients:edit": Case(
        url("patients:edit", public_id=lambda w: w.a.patient.public_id),
        "reception",
        lambda w: PATIENT,
        PATIENT_BAD,
    ),
    "bookings:patient_create": Case(
        url("bookings:patient_create"), "reception", lambda w: PATIENT, PATIENT_BAD
    ),
    "patients:episode_create": Case(
        url("patients:episode_create", public_id=lambda w: w.a.patient.public_id),
        "therapist",
        lambda w: {"side": "left", "started_on": "2026-01-05"},
        {"side": BAD_CHOICE, "started_on": st.one_of(BAD_DATE, st.just("2999-01-01"))},
    ),
    "patients:episode_discharge": Case(
        url("patients:episode_discharge", public_id=lambda w: w.a.episode.public_id),
        "therapist",
        lambda w: {"discharged_on": today().isoformat(), "outcome": "improved"},
        {
            "discharged_on": st.one_of(BAD_DATE, st.sampled_from(["2999-01-01", "1900-01-01"])),
            "outcome": BAD_CHOICE,
            "outcome_note": NUL,
            "gp-gp_consent_how": BAD_CHOICE,
        },
    ),
    "rehab:stage_change": Case(
        url("rehab:stage_change", public_id=lambda w: w.a.episode.public_id),
        "therapist",
        lambda w: {"to_stage": "restore_movement", "reason": "Ready", "from_stage": "settle"},
        {"to_stage": BAD_CHOICE, "reason": st.one_of(NUL, too_long(2000))},
    ),
    "bookings:create": Case(
        url("bookings:create"),
        "reception",
        booking_base,
        {
            "patient": BAD_UUID,
            "therapist": BAD_UUID,
            "appointment_type": BAD_UUID,
            "date": BAD_DATE,
            "time": BAD_TIME,
            "weeks": bad("0", "27", *BAD_INTS),
            "room": BAD_UUID,
            "notes": NUL,
        },
    ),
    "bookings:move": Case(
        url("bookings:move", public_id=lambda w: w.a.appointment.public_id),
        "reception",
        lambda w: {k: v for k, v in booking_base(w).items() if k in ("therapist", "date", "time")},
        {"date": BAD_DATE, "time": BAD_TIME, "therapist": BAD_UUID, "room": BAD_UUID},
    ),
    "bookings:cancel": Case(
        url("bookings:cancel", public_id=lambda w: w.a.appointment.public_id),
        "reception",
        lambda w: {"reason": "Unwell", "late": ""},
        {"reason": st.one_of(st.just(""), NUL, too_long(200))},
    ),
    "bookings:status": Case(
        url("bookings:status", public_id=lambda w: w.a.appointment.public_id),
        "reception",
        lambda w: {"status": "arrived"},
        {"status": BAD_CHOICE},
    ),
    "bookings:hours_add": Case(
        url("bookings:hours_add", therapist_id=lambda w: w.therapist.public_id),
        "reception",
        lambda w: {"weekday": "2", "start_time": "09:00", "end_time": "17:00"},
        {
            "weekday": bad("7", "-1", *BAD_INTS),
            "start_time": BAD_TIME,
            "end_time": BAD_TIME,  # "end before start" depends on the other fields: tested in bookings
        },
    ),
    "bookings:exception_add": Case(
        url("bookings:exception_add", therapist_id=lambda w: w.therapist.public_id),
        "reception",
        lambda w: {
            "kind": "leave",
            "start_date": next_monday(),
            "start_time": "09:00",
            "end_date": next_monday(),
            "end_time": "17:00",
            "note": "",
        },
        {
            "kind": BAD_CHOICE,
            "start_date": BAD_DATE,
            "start_time": BAD_TIME,
            "end_date": BAD_DATE,
            "end_time": BAD_TIME,  # "end before start" depends on the other fields: tested in bookings
            "note": st.one_of(NUL, too_long(200)),
        },
    ),
    "assessments:create": Case(
        url("assessments:create", episode_id=lambda w: w.a.episode.public_id),
        "therapist",
        lambda w: findings_base(FindingsForm, "intake", {"action": "save"}),
        findings_bad(FindingsForm, "intake"),
    ),
    "assessments:edit": Case(
        url("assessments:edit", public_id=lambda w: w.draft.public_id),
        "therapist",
        lambda w: findings_base(FindingsForm, "intake", {"action": "finalise"}),
        findings_bad(FindingsForm, "intake"),
    ),
    "assessments:amend": Case(
        url("assessments:amend", public_id=lambda w: w.final.public_id),
        "therapist",
        lambda w: {"reason": "Wrong side recorded"},
        {"reason": st.one_of(st.just(""), NUL, too_long(2000))},
    ),
    "assessments:decide": Case(
        url("assessments:decide", public_id=lambda w: w.final.public_id),
        "therapist",
        lambda w: {"clinician_final_dx": "neural"},
        {
            "clinician_final_dx": BAD_CHOICE,
            "other_dx_text": st.one_of(NUL, too_long(500)),
            "override_reason": st.one_of(NUL, too_long(2000)),
        },
    ),
    "assessments:working": Case(
        lambda w: reverse("assessments:working", args=[indeterminate_intake(w).public_id]),
        "therapist",
        lambda w: {"working_dx": "lumbar", "deciding_test": "repeated_movements"},
        {
            "working_dx": BAD_CHOICE,
            "deciding_test": BAD_CHOICE,
            "other_dx_text": too_long(200),
            "deciding_test_note": st.one_of(NUL, too_long(1000)),
        },
    ),
    "treatment:session": Case(
        url("treatment:session", public_id=lambda w: treatment_session(w)["public_id"]),
        "therapist",
        lambda w: SESSION_NOTE,
        SESSION_NOTE_BAD,
    ),
    "treatment:amend": Case(
        url(
            "treatment:amend",
            public_id=lambda w: treatment_session(w, signed=True)["public_id"],
        ),
        "therapist",
        lambda w: {"reason": "Wrong level written"},
        {"reason": st.one_of(st.just(""), NUL, too_long(2000))},
    ),
    "assessments:referral": Case(
        url("assessments:referral", public_id=lambda w: referral(w)["public_id"]),
        "therapist",
        lambda w: {
            "seen_on": today().isoformat(),
            "seen_by": "emergency",
            "seen_by_detail": "St Thomas' A&E",
            "result": "DVT excluded by scan",
            "cleared_to_resume": "yes",
        },
        {
            "seen_on": st.one_of(BAD_DATE, st.just("2999-01-01"), st.just("2000-01-01")),
            "seen_by": BAD_CHOICE,
            "seen_by_detail": st.one_of(NUL, too_long(200)),
            "result": st.one_of(st.just(""), st.just("   "), NUL, too_long(2000)),
            "cleared_to_resume": BAD_CHOICE,
        },
    ),
    "portal:previsit": Case(
        url("portal:previsit"),
        "patient",
        lambda w: findings_base(PreVisitForm, "intake", {}),
        findings_bad(PreVisitForm, "intake"),
    ),
    "exercises:exercise_create": Case(
        url("exercises:exercise_create"), "therapist", exercise_base, EXERCISE_BAD
    ),
    "exercises:exercise_edit": Case(
        url("exercises:exercise_edit", public_id=lambda w: w.exercise.public_id),
        "therapist",
        exercise_base,
        EXERCISE_BAD,
    ),
    "exercises:exercise_video": Case(
        url("exercises:exercise_video", public_id=lambda w: w.exercise.public_id),
        "therapist",
        lambda w: video_files(),
        VIDEO_BAD,
    ),
    "exercises:plan_doses": Case(
        url("exercises:plan_doses", public_id=lambda w: w.a.plan.public_id),
        "therapist",
        lambda w: {"sets": "3", "reps": "8", "days_per_week": "5", "note": "Slowly"},
        DOSE_BAD,
        prefix=lambda w: str(w.a.item.public_id),
    ),
    "exercises:plan_item_add": Case(
        url("exercises:plan_item_add", public_id=lambda w: w.a.plan.public_id),
        "therapist",
        lambda w: {"exercise": str(w.exercise.public_id)},
        {"exercise": BAD_UUID},
    ),
    "exercises:plan_dates": Case(
        url("exercises:plan_dates", public_id=lambda w: w.a.plan.public_id),
        "therapist",
        lambda w: {"start_date": w.a.plan.start_date.isoformat(), "end_date": ""},
        {"start_date": st.one_of(BAD_DATE, st.just("")), "end_date": BAD_DATE},
    ),
    "exercises:plan_status": Case(
        url("exercises:plan_status", public_id=lambda w: w.a.plan.public_id),
        "therapist",
        lambda w: {"action": "pause"},
        {"action": st.one_of(BAD_CHOICE, st.just(""))},
    ),
    "exercises:alert_acknowledge": Case(
        url("exercises:alert_acknowledge", public_id=lambda w: w.a.plan.public_id),
        "therapist",
        lambda w: {
            "kind": "pain_up",
            "period": today().isoformat(),
            "back": "plan",
            "note": "Rang the patient.",
        },
        {
            "kind": st.one_of(BAD_CHOICE, st.just("")),
            "period": st.one_of(BAD_DATE, st.just("")),
            "note": st.one_of(st.just(""), st.just("   "), NUL, too_long(1000)),
        },
    ),
    "exercises:plan_resume": Case(
        url("exercises:plan_resume", public_id=lambda w: w.a.plan.public_id),
        "therapist",
        lambda w: {"reason": "Cleared by the GP."},
        {"reason": st.one_of(st.just(""), st.just("   "), NUL, too_long(2000))},
    ),
    "exercises:comment_reply": Case(
        url("exercises:comment_reply", public_id=lambda w: commented_log(w)["public_id"]),
        "therapist",
        lambda w: {"body": "Keep going, gently.", "back": "inbox"},
        {"body": st.one_of(st.just(""), st.just("   "), NUL, too_long(2000))},
    ),
    "portal:log": Case(
        url("portal:log"),
        "patient",
        lambda w: {
            "date": today().isoformat(),
            "done_0": "on",
            "pain_during": "2",
            "pain_after": "3",
            "difficulty": "about_right",
            "comment": "Fine",
        },
        {
            "date": st.one_of(BAD_DATE, st.just("2999-01-01")),
            "pain_during": bad("11", *BAD_INTS),
            "pain_after": bad("11", *BAD_INTS),
            "difficulty": BAD_CHOICE,
            "comment": st.one_of(NUL, too_long(2000)),
        },
    ),
    "portal:running_log": Case(
        url("portal:running_log"),
        "patient",
        lambda w: (
            with_programme(w)
            or {
                "submission": "5d2c8a8e-8f4e-4b7e-9d51-3f1f3a0c9b11",
                "date": today().isoformat(),
                "minutes": "25",
                "distance_km": "4.2",
                "terrain": "flat",
                "effort": "easy",
                "pain_before": "1",
                "pain_during": "1",
                "pain_after": "2",
            }
        ),
        {
            "date": st.one_of(BAD_DATE, st.just("2999-01-01"), st.just("2000-01-01")),
            "minutes": bad("0", "301", *BAD_INTS),
            "distance_km": bad("0", "100.01", "1.234", *BAD_INTS),
            "terrain": BAD_CHOICE,
            "rpe": bad("0", "11", *BAD_INTS),
            "pain_before": bad("11", "-1", *BAD_INTS),
            "pain_during": bad("11", *BAD_INTS),
            "pain_after": bad("11", *BAD_INTS),
            "comment": st.one_of(NUL, too_long(1000)),
            "submission": BAD_UUID,
        },
    ),
    "portal:running_morning": Case(
        url("portal:running_morning", public_id=lambda w: run_of("a")(w)["public_id"]),
        "patient",
        lambda w: {"pain_next_morning": "1"},
        {"pain_next_morning": bad("11", "-1", *BAD_INTS)},
    ),
    "running:assign": Case(
        url("running:assign", episode_id=lambda w: w.a.episode.public_id),
        "therapist",
        lambda w: {"template": "neural"},
        {"template": BAD_CHOICE},
    ),
    "running:move": Case(
        url("running:move", public_id=lambda w: run_programme(w)["public_id"]),
        "therapist",
        lambda w: {"step": "2", "reason": "Ran well last week."},
        {
            "step": st.one_of(BAD_CHOICE, st.just("99"), st.just("-1")),
            "reason": st.one_of(st.just(""), st.just("   "), NUL, too_long(500)),
        },
    ),
    "running:resume": Case(
        url("running:resume", public_id=lambda w: run_programme(w)["public_id"]),
        "therapist",
        lambda w: {"reason": "Seen by the GP: cleared to run."},
        {"reason": st.one_of(st.just(""), st.just("   "), NUL, too_long(2000))},
    ),
    "bookings:waitlist_add": Case(
        url("bookings:waitlist_add", patient_id=lambda w: w.b.patient.public_id),
        "reception",
        lambda w: waitlist_base(),
        WAITLIST_BAD,
    ),
    "bookings:waitlist_edit": Case(
        url("bookings:waitlist_edit", public_id=lambda w: waitlist_entry("a")(w)["public_id"]),
        "reception",
        lambda w: waitlist_base(),
        WAITLIST_BAD,
    ),
    "portal:waitlist:home": Case(
        url("portal:waitlist:home"),
        "patient",
        lambda w: {
            key: value
            for key, value in waitlist_base().items()
            if key in ("appointment_type", "days", "periods", "available_until")
        },
        {key: WAITLIST_BAD[key] for key in ("appointment_type", "days", "periods")},
    ),
    "portal:booking:confirm": Case(
        url("portal:booking:confirm"), "patient", online_slot_base, ONLINE_SLOT_BAD
    ),
    "portal:booking:move_confirm": Case(
        url("portal:booking:move_confirm", public_id=lambda w: w.a.appointment.public_id),
        "patient",
        lambda w: {k: v for k, v in online_slot_base(w).items() if k != "appointment_type"},
        {key: ONLINE_SLOT_BAD[key] for key in ("therapist", "start")},
    ),
    "portal:invite": Case(
        url("portal:invite", patient_id=lambda w: w.b.patient.public_id),
        "therapist",
        lambda w: {"email": "bo@runners.example"},
        {"email": st.one_of(BAD_EMAIL, NUL, too_long(300))},
    ),
    "portal:welcome": Case(
        url("portal:welcome", token=lambda w: INVITATION_TOKEN),
        None,
        lambda w: {"new_password1": "long-stride-42", "new_password2": "long-stride-42"},
        {"new_password2": st.one_of(st.just(""), TEXT.map(lambda text: "y" + text))},
    ),
    "portal:reminders:update": Case(
        url("portal:reminders:update", public_id=lambda w: w.a.schedule.public_id),
        "patient",
        schedule_base,
        {
            "time_1": st.one_of(BAD_TIME, st.just("")),
            "time_2": BAD_TIME,
            "weekdays": bad("7", "-1", ""),
            "channel": BAD_CHOICE,
            "time_zone": BAD_CHOICE,
            "quiet_start": BAD_TIME,
            "paused_until": BAD_DATE,
        },
        prefix=lambda w: str(w.a.schedule.public_id),
    ),
    "notifications:sms_consent": Case(
        url("notifications:sms_consent", public_id=lambda w: w.a.patient.public_id),
        "reception",
        lambda w: {"given": "yes", "how": "phone"},
        # Only a patient's own reply records STOP or START, never a form.
        {"given": BAD_CHOICE, "how": st.one_of(BAD_CHOICE, st.just("replied_stop"))},
    ),
    "notifications:sms_inbox_reply": Case(
        url("notifications:sms_inbox_reply", public_id=lambda w: w.text.public_id),
        "reception",
        lambda w: {"body": "Thursday at 10:00 is free: see you then."},
        {"body": st.one_of(st.just(""), st.just("   "), NUL, too_long(600))},
    ),
    "patients:privacy": Case(
        url("patients:privacy", public_id=lambda w: w.a.patient.public_id),
        "manager",
        lambda w: {"reason": "Written request of 1 March", "confirm": "on"},
        {"reason": st.one_of(st.just(""), NUL, too_long(500)), "confirm": st.just("")},
    ),
    "new_patient:request": Case(
        url("new_patient:request"),
        None,
        lambda w: NEW_PATIENT_REQUEST,
        NEW_PATIENT_REQUEST_BAD,
    ),
    "bookings:request_approve": Case(
        url("bookings:request_approve", public_id=lambda w: booking_request(w)["public_id"]),
        "reception",
        approve_base,
        {"slot": st.one_of(st.just(""), BAD_CHOICE), "patient": st.one_of(st.just(""), BAD_CHOICE)},
    ),
    "bookings:request_decline": Case(
        url("bookings:request_decline", public_id=lambda w: booking_request(w)["public_id"]),
        "reception",
        lambda w: {"reason": "We are fully booked this month."},
        {"reason": st.one_of(st.just(""), st.just("   "), NUL, too_long(500))},
    ),
    "two_factor_verify": Case(
        url("two_factor_verify"),
        "therapist",
        lambda w: {"token": "123456"},
        {"token": st.one_of(st.just(""), NUL, too_long(16), st.just("000000"))},
    ),
    "password_reset": Case(
        url("password_reset"), None, lambda w: {"email": "a@b.example"}, {"email": BAD_EMAIL}
    ),
    "password_change": Case(
        url("password_change"),
        "patient",
        lambda w: {
            "old_password": PASSWORD,
            "new_password1": "long-stride-42",
            "new_password2": "long-stride-42",
        },
        {"old_password": NONSENSE, "new_password2": st.one_of(st.just(""), NONSENSE)},
    ),
}

#: Every model a form on the site writes. A refused form must leave all of them unchanged.
WRITTEN = (
    Patient,
    ContactConsent,
    Episode,
    Assessment,
    AssessmentDecision,
    PreVisitQuestionnaire,
    Exercise,
    ExerciseVideo,
    ExercisePlan,
    PlanItem,
    SessionLog,
    AlertAcknowledgement,
    Appointment,
    WorkingHours,
    ScheduleException,
    ReminderSchedule,
    Invitation,
    TreatmentSession,
    Retest,
    TreatmentGiven,
    StageChange,
    DischargeSummary,
    RunProgramme,
    RunLog,
    ProgrammeDecision,
    WaitlistEntry,
    WaitlistOffer,
    BookingRequest,
    UrgentScreen,
)


def snapshot() -> dict:
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in WRITTEN}
    state["User"] = list(User.objects.order_by("pk").values("pk", "email", "password"))
    return state


EXTRA_KEY = st.text(alphabet=string.ascii_letters + "_-", min_size=1, max_size=12)


@st.composite
def refused_data(draw, case: Case, world: World) -> dict:
    """The case's valid example, mangled, with one field that must be refused."""
    data: dict[str, object] = {}
    for key, value in case.base(world).items():
        how = draw(st.sampled_from(("keep", "keep", "junk", "drop", "twice")))
        if how == "keep":
            data[key] = value
        elif how == "junk":
            data[key] = draw(junk_for(key))
        elif how == "twice":
            junk = draw(junk_for(key))
            data[key] = [junk, value] if draw(st.booleans()) else [value, junk]
    name = draw(st.sampled_from(sorted(case.bad)))
    data[name] = draw(case.bad[name])
    for key, value in draw(st.dictionaries(EXTRA_KEY, JUNK, max_size=3)).items():
        data.setdefault(key, value)
    if case.prefix is not None:
        prefix = case.prefix(world)
        data = {f"{prefix}-{key}": value for key, value in data.items()}
    return data


ERROR_MARKERS = ("invalid-feedback", "alert-danger", "errorlist", "is-invalid")


def assert_refused(client, target: str, data: dict) -> None:
    with transaction.atomic():
        before = snapshot()
        response = client.post(target, data)
        after = snapshot()
        transaction.set_rollback(True)
    status = response.status_code
    assert status < 500, f"{status} for {data!r:.300}"
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"refused data changed {changed}: {data!r:.300}"
    if status in (200, 400):
        body = response.content.decode()
        assert any(marker in body for marker in ERROR_MARKERS), f"no error shown: {data!r:.300}"
    else:
        assert status == 302, f"{status} for {data!r:.300}"
        levels = [message.level for message in get_messages(response.wsgi_request)]
        assert messages.ERROR in levels, f"redirected without an error: {data!r:.300}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_it_refuses_malformed_form_data_with_a_field_error(world, name):
    case = CASES[name]
    client = world.client_for(case.role)
    target = case.url(world)

    @FUZZ
    @given(data=refused_data(case, world))
    def check(data):
        assert_refused(client, target, data)

    check()


#: Routes that take input but no form fields: a button, or a signed token in the URL.
BUTTONS = {
    "logout",
    "patients:privacy-export",
    "patients:archive",
    "patients:restore",
    "exercises:exercise_archive",
    "exercises:plan_create",
    "exercises:plan_item_move",
    "exercises:plan_item_remove",
    "exercises:plan_item_progress",
    "exercises:plan_publish",
    "exercises:comment_mark_read",
    "bookings:hours_remove",
    "bookings:exception_remove",
    "bookings:status_undo",
    "bookings:confirm",
    "bookings:confirm_undo",
    "portal:appointments:cancel",
    "portal:reminders:unsubscribe",
    "notifications:sms_status",
    "notifications:sms_inbound",
    "notifications:sms_inbox_done",
    "notifications:sms_text_read",
    "bookings:waitlist_remove",
    "bookings:feed_create",
    "bookings:feed_revoke",
    "portal:waitlist:leave",
    "portal:waitlist:answer",
    "bookings:request_withdraw",
    "bookings:urgent_seen",
    "treatment:open",
    "running:run_seen",
    "interop_export:patient_bundle",
}
#: Routes whose only input is the query string (fuzzed in GET_PAGES where there is one).
READ_ONLY = {
    # The FHIR API: a session gets 401 before any parameter is read; its search parameters
    # are fuzzed with a token in tests/interop/test_search_fuzz.py.
    "interop:metadata",
    "interop:search",
    "interop:read",
    "clinic:accessibility",
    "bookings:feed_settings",
    "bookings:feed",
    "rehab:summary",
    "rehab:gp_letter",
    "portal:rehab",
    "portal:discharge_summary",
    "exercises:comments_inbox",
    "exercises:patient_logs",
    "home",
    "healthz",
    "bench-hello",
    "bench-auth",
    "clinic:dashboard",
    "clinic:audit",
    "reports:sites",
    "reports:sites_csv",
    "patients:list",
    "patients:detail",
    "assessments:detail",
    "assessments:referrals",
    "assessments:trends",
    "exercises:library",
    "exercises:exercise_detail",
    "exercises:exercise_illustration",
    "portal:illustration",
    "exercises:video_file",
    "exercises:video_poster",
    "exercises:video_captions",
    "portal:video",
    "portal:video_poster",
    "portal:video_captions",
    "exercises:episode_plans",
    "exercises:plan_detail",
    "exercises:plan_print",
    "bookings:home",
    "bookings:week",
    "bookings:find_slot",
    "bookings:schedule",
    "bookings:detail",
    "portal:home",
    "portal:history",
    "portal:safety",
    "portal:safety_log",
    "portal:history_detail",
    "portal:appointments:list",
    "portal:booking:start",
    "portal:booking:move",
    "portal:reminders:settings",
    "bookings:waitlist",
    "portal:waitlist:offer",
    "new_patient:thanks",
    "new_patient:urgent",
    "bookings:requests",
    "bookings:request_detail",
    "bookings:urgent_screens",
    "portal:running",
    "running:episode",
    "notifications:failed",
    "notifications:patient_log",
    "notifications:sms_inbox",
    "password_change_done",
    "password_reset_done",
    "password_reset_complete",
}
#: Tested on their own below: login and two-factor pairing (the `next` tests and the login
#: fuzz), and Django's own set-password page, which only a valid emailed token opens.
SEPARATELY = {"login", "two_factor_setup", "password_reset_confirm"}


def test_it_covers_every_form_handling_route():
    """A new route fails here until it is fuzzed or said to take no form input."""
    from tests.security.test_url_walk import ROUTES

    classified = set(CASES) | BUTTONS | READ_ONLY | SEPARATELY
    assert set(ROUTES) - classified == set()
    assert classified - set(ROUTES) == set()
    assert {name for name, route in ROUTES.items() if route.post_only} <= set(CASES) | BUTTONS
    assert set(GET_PAGES) <= set(CASES) | READ_ONLY


# --- Junk everywhere: any POST route, any input, never a 500 --------------------------------

VOCABULARY = sorted(
    {key for case in CASES.values() for key in case.bad}
    | {"action", "direction", "mode", "kind", "period", "back", "next", "status", "token"}
)


@pytest.mark.parametrize("name", sorted(BUTTONS))
def test_it_never_fails_on_junk_posted_to_a_button(world, name):
    from tests.security.test_url_walk import ALLOWED, ROUTES

    route = ROUTES[name]
    role = next(r for r in ("therapist", "manager", "patient", None) if r in ALLOWED[route.access])
    client = world.client_for(role)
    target = reverse(name, kwargs=route.kwargs(world))

    @hypothesis_settings(FUZZ, max_examples=max(10, FUZZ.max_examples // 2))
    @given(data=st.dictionaries(st.sampled_from(VOCABULARY) | EXTRA_KEY, JUNK, max_size=5))
    def check(data):
        with transaction.atomic():
            response = client.post(target, data)
            transaction.set_rollback(True)
        assert response.status_code < 500

    check()


# --- Query strings of the search and calendar pages ------------------------------------------

GET_PAGES = {
    "patients:list": ("reception", {}, ("q", "archived", "page")),
    "exercises:library": ("therapist", {}, ("q", "tag", "phase", "archived", "page")),
    "bookings:home": ("reception", {}, ("date", "therapist")),
    "bookings:week": ("reception", {}, ("date", "therapist")),
    "bookings:find_slot": ("reception", {}, ("appointment_type", "therapist", "after", "patient")),
    "bookings:create": ("reception", {}, ("patient", "therapist", "date", "time", "room", "q")),
    "bookings:schedule": ("reception", {}, ("therapist",)),
    "clinic:audit": ("manager", {}, ("patient", "user", "action", "date_from", "date_to", "page")),
    "reports:sites": ("manager", {}, ("date_from", "date_to")),
    "reports:sites_csv": ("manager", {}, ("date_from", "date_to")),
    "portal:log": ("patient", {}, ("date",)),
    "portal:history": ("patient", {}, ("page",)),
    "portal:booking:start": ("patient", {}, ("appointment_type", "therapist", "week")),
    "portal:booking:move": (
        "patient",
        lambda w: {"public_id": w.a.appointment.public_id},
        ("therapist", "week"),
    ),
    "assessments:referrals": ("therapist", {}, ("page",)),
    "notifications:failed": ("reception", {}, ("page",)),
    "notifications:sms_inbox": ("reception", {}, ("page",)),
    "exercises:patient_logs": (
        "therapist",
        lambda w: {"patient_id": w.a.patient.public_id},
        ("date_from", "date_to", "page"),
    ),
    "exercises:alert_acknowledge": (
        "therapist",
        lambda w: {"public_id": w.a.plan.public_id},
        ("kind", "period", "back"),
    ),
}


@pytest.mark.parametrize("name", sorted(GET_PAGES))
def test_it_answers_any_query_string_without_failing(world, name):
    role, kwargs, keys = GET_PAGES[name]
    client = world.client_for(role)
    target = reverse(name, kwargs=kwargs(world) if callable(kwargs) else kwargs)

    @FUZZ
    @given(query=st.fixed_dictionaries({}, optional={key: junk_for(key) for key in keys}))
    def check(query):
        response = client.get(target, query)
        assert response.status_code in (200, 404), f"{response.status_code} for {query!r:.300}"

    check()


# --- next -------------------------------------------------------------------------------

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "http://testserver@evil.example/",
    " //evil.example",
    "javascript:alert(1)",
]


def assert_on_site(response) -> None:
    assert response.status_code == 302
    location = response["Location"]
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}), location
    assert "evil.example" not in urlsplit(location).netloc


@pytest.mark.parametrize("target", OFF_SITE)
def test_it_never_redirects_off_site_after_login(world, target, client):
    response = client.post(
        reverse("login"),
        {"username": world.therapist.email, "password": PASSWORD, "next": target},
    )
    assert_on_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_it_never_redirects_off_site_after_the_second_factor(world, target):
    device = StaticDevice.objects.create(user=world.therapist, name="Recovery codes")
    StaticToken.objects.create(device=device, token="recover123")
    client = world.client_for("therapist")
    page = client.get(reverse("two_factor_verify"), {"next": target}).content.decode()
    assert "evil.example" not in page
    response = client.post(
        reverse("two_factor_verify") + "?next=/patients/", {"token": "recover123", "next": target}
    )
    assert_on_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_it_never_redirects_off_site_after_a_status_change(world, target):
    # Attendance is recorded once the visit starts; A's own appointment is days ahead.
    started = Appointment.objects.create(
        patient=world.b.patient,
        therapist=world.therapist,
        appointment_type=world.a.appointment.appointment_type,
        start=timezone.now(),
        end=timezone.now() + dt.timedelta(minutes=30),
    )
    response = world.client_for("reception").post(
        reverse("bookings:status", args=[started.public_id]),
        {"status": "arrived", "next": target},
    )
    assert_on_site(response)


@pytest.mark.parametrize("name", ["patients:create", "bookings:patient_create"])
def test_it_ignores_next_when_registering_a_patient(world, name):
    response = world.client_for("reception").post(
        reverse(name) + "?next=https://evil.example/", {**PATIENT, "next": "//evil.example/"}
    )
    assert_on_site(response)


def test_it_sends_staff_to_the_second_factor_with_the_whole_path_as_next(world, settings):
    settings.STAFF_2FA_REQUIRED = True
    client = world.client_for("therapist")
    asked = reverse("patients:list") + "?q=Ada&next=//evil.example/"
    response = client.get(asked)
    assert response.status_code == 302
    query = QueryDict(urlsplit(response["Location"]).query)
    assert query.getlist("next") == [asked]  # one next: the page asked for, intact


# --- Size limits ----------------------------------------------------------------------------


def test_it_refuses_an_illustration_over_one_megabyte(world):
    client = world.client_for("therapist")
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * MAX_ILLUSTRATION_BYTES, "image/png")
    data = {**exercise_base(world), "illustration": big}
    before = Exercise.objects.count()
    response = client.post(reverse("exercises:exercise_create"), data)
    assert response.status_code == 200
    assert "too large" in response.content.decode()
    assert Exercise.objects.count() == before


def test_it_refuses_a_file_larger_than_the_memory_limit_without_failing(world):
    client = world.client_for("therapist")
    size = settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1
    big = SimpleUploadedFile("huge.png", PNG + b"\x00" * size, "image/png")
    response = client.post(
        reverse("exercises:exercise_edit", args=[world.exercise.public_id]),
        {**exercise_base(world), "illustration": big},
    )
    assert response.status_code == 200
    assert "too large" in response.content.decode()


@pytest.mark.parametrize("enforce_csrf", [False, True])
def test_it_answers_400_to_a_body_over_the_upload_limit(world, enforce_csrf):
    from django.test import Client

    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(world.reception)
    target = reverse("patients:create")
    client.get(target)  # the CSRF cookie, as a browser would hold it
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    before = Patient.objects.count()
    response = client.post(target, {"csrfmiddlewaretoken": token, **PATIENT, "goal_event": padding})
    assert response.status_code == 400
    assert Patient.objects.count() == before


def test_it_answers_400_to_too_many_fields(world):
    client = world.client_for("reception")
    fields = {f"f{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(reverse("patients:create"), fields)
    assert response.status_code == 400


# --- Found by the fuzzing: dates at the ends of the calendar ---------------------------------


def edge_date_requests(w: World, day: str) -> list[tuple[str, str, str, dict]]:
    """(role, method, url, data) for each form that once answered 500 for such a date."""
    appointment = reverse("bookings:move", args=[w.a.appointment.public_id])
    exception = reverse("bookings:exception_add", args=[w.therapist.public_id])
    schedule = str(w.a.schedule.public_id)
    return [
        ("reception", "get", reverse("bookings:home"), {"date": day}),
        ("reception", "get", reverse("bookings:week"), {"date": day}),
        (
            "reception",
            "get",
            reverse("bookings:find_slot"),
            {"appointment_type": follow_up().public_id, "after": day},
        ),
        (
            "reception",
            "post",
            reverse("bookings:create"),
            {**booking_base(w), "date": day, "time": "23:59"},
        ),
        (
            "reception",
            "post",
            appointment,
            {"therapist": w.therapist.public_id, "date": day, "time": "23:59"},
        ),
        (
            "reception",
            "post",
            exception,
            {
                "kind": "leave",
                "start_date": day,
                "start_time": "00:00",
                "end_date": "2026-12-01",
                "end_time": "23:59",
            },
        ),
        (
            "patient",
            "post",
            reverse("portal:reminders:update", args=[schedule]),
            {f"{schedule}-{key}": value for key, value in schedule_base(w).items()}
            | {f"{schedule}-paused_until": day},
        ),
        (
            "therapist",
            "post",
            reverse("exercises:plan_dates", args=[w.a.plan.public_id]),
            {"start_date": day, "end_date": ""},
        ),
    ]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_it_refuses_dates_at_the_ends_of_the_calendar(world, day):
    for role, method, target, data in edge_date_requests(world, day):
        client = world.client_for(role)
        with transaction.atomic():
            before = snapshot()
            response = getattr(client, method)(target, data)
            after = snapshot()
            transaction.set_rollback(True)
        assert response.status_code in (200, 302, 400), f"{target}: {response.status_code}"
        assert before == after, f"{target} saved {day}"
        if response.status_code == 302:
            levels = [message.level for message in get_messages(response.wsgi_request)]
            assert messages.ERROR in levels, target
        else:
            assert "Enter a date between" in response.content.decode(), target


def test_it_refuses_malformed_logins_without_failing(world):
    """Wrong, malformed or hostile credentials: the form again with an error, or the lockout
    page once a username has failed five times; never a 500, never signed in."""
    client = world.client_for(None)
    target = reverse("login")
    usernames = st.one_of(
        st.just(world.therapist.email), BAD_EMAIL, NUL, HUGE, TEXT.map(lambda t: t + "@x.example")
    )

    @FUZZ
    @given(username=usernames, password=st.one_of(NONSENSE, NUL, HUGE, st.just("")))
    def check(username, password):
        response = client.post(target, {"username": username, "password": password})
        assert response.status_code in (200, 403, 429), response.status_code
        assert "_auth_user_id" not in client.session
        if response.status_code == 200:
            assert any(marker in response.content.decode() for marker in ERROR_MARKERS)

    check()


@pytest.mark.parametrize("query", ["a\x00b", "x" * 60_000, "Ada " * 5_000])
def test_it_bounds_the_patient_search_on_the_booking_form(world, query):
    """Found by the fuzzing: the search went to the database unchecked (a 500 on SQLite for a
    long pattern, and on PostgreSQL for a NUL character)."""
    response = world.client_for("reception").get(reverse("bookings:create"), {"q": query})
    assert response.status_code == 200


@pytest.mark.parametrize("target", [*OFF_SITE, ""])
def test_it_links_on_site_after_pairing_an_authenticator(world, target):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = world.client_for("therapist")
    setup = reverse("two_factor_setup")
    client.get(setup)
    device = TOTPDevice.objects.get(user=world.therapist, confirmed=False)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    response = client.post(setup, {"token": f"{code:0{device.digits}d}", "next": target})
    assert response.status_code == 200
    link = response.context["next"]
    assert link.startswith("/"), link  # a path on this site, never a bare URL name
    assert url_has_allowed_host_and_scheme(link, allowed_hosts={"testserver"}), link
    assert "evil.example" not in response.content.decode()


@pytest.mark.parametrize("field", ["instructions", "stop_rules", "contraindications"])
def test_it_refuses_a_nul_character_in_an_exercise_list(world, field):
    """Found by the fuzzing on PostgreSQL, which cannot store NUL in JSON: a 500 before."""
    client = world.client_for("therapist")
    data = {**exercise_base(world), field: "Lie down.\nLift\x00 the hips."}
    before = Exercise.objects.count()
    response = client.post(reverse("exercises:exercise_create"), data)
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert Exercise.objects.count() == before
