"""Reads of treatment sessions, scoped by who is asking.

Clinical roles read the notes. Reception may learn only that a note exists and whether it is
signed (`session_states`, `session_list_of_patient` without content); patients get nothing.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    UUIDField,
    Value,
    When,
)
from django.http import Http404

from assessments.models import Assessment
from bookings import panels as bookings_panels
from bookings.models import Appointment
from clinic import audit, json_rows
from clinic.access import CLINICAL, has_role
from clinic.rows import prepared_list
from exercises import selectors as exercise_selectors
from exercises.safety import BY_CODE
from treatment.models import Retest, TreatmentGiven, TreatmentSession

#: Appointments a session note may be written for: the patient came.
ATTENDED = (Appointment.Status.ARRIVED, Appointment.Status.COMPLETED)


def _in_force(sessions: QuerySet[TreatmentSession]) -> QuerySet[TreatmentSession]:
    """Signed versions not replaced by a signed amendment."""
    return sessions.filter(status=TreatmentSession.Status.SIGNED).exclude(
        superseded_by__status=TreatmentSession.Status.SIGNED
    )


def appointment_for_session(*, user, public_id: UUID | str) -> Appointment:
    """An appointment a clinician may open a session note for (any status: the page says
    why a note cannot be started), with its patient and episode; 404 for anyone else."""
    if not has_role(user, CLINICAL):
        raise Http404("No such appointment")
    try:
        appointment = Appointment.objects.select_related(
            "patient", "episode", "therapist", "appointment_type"
        ).get(public_id=public_id)
    except (Appointment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such appointment") from None
    audit.note_patient(appointment.patient, appointment)
    return appointment


def session_latest_for_appointment(*, appointment: Appointment) -> TreatmentSession | None:
    """The newest version of the appointment's session note, or None (one query)."""
    return (
        TreatmentSession.objects.filter(appointment=appointment, superseded_by__isnull=True)
        .order_by("-version")
        .first()
    )


#: What a session note's page and its forms show with it (both reads below).
_SESSION_RELATED = (
    "appointment__patient",
    "appointment__appointment_type",
    "episode",
    "therapist",
    "signed_by",
    "supersedes",
    "superseded_by",
)


def session_for_user(*, user, public_id: UUID | str) -> TreatmentSession:
    """One version of a session note with everything its page shows, for clinical roles;
    404 for anyone else (three queries: the session with its appointment, patient, episode,
    authors and neighbouring versions; its re-tests; its treatments)."""
    if not has_role(user, CLINICAL):
        raise Http404("No such session")
    try:
        session = (
            TreatmentSession.objects.select_related(*_SESSION_RELATED)
            .prefetch_related(
                Prefetch("retests", queryset=Retest.objects.all()),
                Prefetch("treatments", queryset=TreatmentGiven.objects.all()),
            )
            .get(public_id=public_id)
        )
    except (TreatmentSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session") from None
    audit.note_patient(session.appointment.patient, session)
    return session


#: What the note's page reads of a neighbouring version: its link, number and status.
_NEIGHBOUR_SHOWN = {"id", "public_id", "version", "status", "supersedes"}
#: What the page reads of the patient (name and link, and key for the audit trail) and of
#: the note's author and signer (their names). The rest (the patient's phone number, parsed
#: on every read, contact details and goals; the users' passwords, flags and dates) is
#: deferred: a read of it by mistake costs a statement, which the pinned counts catch.
_PEOPLE_SHOWN = {
    "appointment__patient": {"id", "public_id", "first_name", "last_name"},
    "therapist": {"id", "first_name", "last_name", "email"},
    "signed_by": {"id", "first_name", "last_name", "email"},
}
#: What the page, and a draft's own reads (the "since last time" card, the last visit's
#: readings, the forms' checks), read of the visit, its type and the episode. The rest (the
#: booking's room, site, notes, confirmation and series, each row's timestamps) is deferred
#: as above: some 25 columns fewer to send and decode on every view.
_VISIT_SHOWN = {
    "appointment": {
        "id",
        "public_id",
        "patient",
        "therapist",
        "appointment_type",
        "episode",
        "start",
        "end",
        "status",
    },
    "appointment__appointment_type": {"id", "name"},
    "episode": {"id", "public_id", "patient", "number", "side", "started_on", "status"},
}
_RETEST_FIELDS = tuple(field.attname for field in Retest._meta.concrete_fields)
_TREATMENT_FIELDS = tuple(field.attname for field in TreatmentGiven._meta.concrete_fields)


def session_page_for_user(*, user, public_id: UUID | str) -> TreatmentSession:
    """`session_for_user` for the note's own page, in one statement (three before) compiled
    once per process (clinic/rows.py): the re-tests and treatments come as JSON columns
    (`clinic.json_rows`) and are kept as `page_rows`, read through `listed`; of
    the neighbouring versions only their key, number and status are read. 404 as
    `session_for_user`."""
    if not has_role(user, CLINICAL):
        raise Http404("No such session")
    try:
        key = public_id if isinstance(public_id, UUID) else UUID(str(public_id))
    except ValueError:
        raise Http404("No such session") from None
    found = prepared_list("treatment_session_page", TreatmentSession, _session_page_row, key=key)
    if not found:
        raise Http404("No such session")
    session = found[0]
    alias = session._state.db
    # Kept on the instance for `listed` (the page's reads), not as a prefetched queryset:
    # building the two related querysets cost more than their rows.
    session.page_rows = {
        "retests": json_rows.instances(Retest, alias, session.retest_rows, fields=_RETEST_FIELDS),
        "treatments": json_rows.instances(
            TreatmentGiven, alias, session.treatment_rows, fields=_TREATMENT_FIELDS
        ),
    }
    del session.retest_rows, session.treatment_rows
    audit.note_patient(session.appointment.patient, session)
    return session


def _session_page_row(*, key: UUID) -> QuerySet[TreatmentSession]:
    hidden = [
        f"{neighbour}__{field.name}"
        for neighbour in ("supersedes", "superseded_by")
        for field in TreatmentSession._meta.concrete_fields
        if field.name not in _NEIGHBOUR_SHOWN
    ]
    hidden += [
        f"{path}__{field.name}"
        for path, shown in (_PEOPLE_SHOWN | _VISIT_SHOWN).items()
        for field in _related_model(path)._meta.concrete_fields
        if field.name not in shown
    ]
    return (
        TreatmentSession.objects.select_related(*_SESSION_RELATED)
        .defer(*hidden)
        .filter(public_id=key)
        .order_by()
        .annotate(
            retest_rows=json_rows.rows_array(
                Retest.objects.filter(session_id=OuterRef("pk")), fields=_RETEST_FIELDS
            ),
            treatment_rows=json_rows.rows_array(
                TreatmentGiven.objects.filter(session_id=OuterRef("pk")), fields=_TREATMENT_FIELDS
            ),
        )
    )


def _related_model(path: str):
    model = TreatmentSession
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def listed(session: TreatmentSession, name: str):
    """The session's `retests` or `treatments` (listed ones): the rows its page's read carried
    (`session_page_for_user`), else its related manager's (prefetched by `session_for_user`)."""
    rows = session.__dict__.get("page_rows")
    return rows[name] if rows is not None else getattr(session, name).all()


def session_phases(session: TreatmentSession) -> tuple[dict, dict]:
    """The recorded re-tests (before, after) of a session loaded by `session_for_user` or
    `session_page_for_user`."""
    phases = {retest.phase: retest.values() for retest in listed(session, "retests")}
    return phases.get(Retest.Phase.BEFORE, {}), phases.get(Retest.Phase.AFTER, {})


def session_lumbar_given(session: TreatmentSession) -> bool:
    return any(
        item.kind == TreatmentGiven.Kind.LUMBAR_MOBILISATION
        for item in listed(session, "treatments")
    )


#: How many appointment ids one compiled `session_states` query takes: a calendar's list is
#: padded to the next of these with its last id again (the same rows come back), so a handful
#: of queries, each compiled once per process (clinic/rows.py), serve every week and day.
STATE_BATCHES = (4, 16, 64)


def session_states(*, appointment_ids: list[int]) -> dict[int, bool]:
    """For the calendars: per appointment with a note, whether any version of it is signed
    (absent: no note). One query, one row per appointment; no content and no note's id, so
    any staff role may see it."""
    ids = list(dict.fromkeys(appointment_ids))
    if not ids:
        return {}
    size = next((size for size in STATE_BATCHES if size >= len(ids)), None)
    if size is None:  # more attended visits than any calendar shows: the ORM compiles it
        rows = _session_states(**{f"a{index}": pk for index, pk in enumerate(ids)})
    else:
        ids += [ids[-1]] * (size - len(ids))
        rows = prepared_list(
            f"treatment_session_signed_{size}",
            TreatmentSession,
            _session_states,
            **{f"a{index}": pk for index, pk in enumerate(ids)},
        )
    return {row["appointment_id"]: row["signed"] == 1 for row in rows}


def _session_states(**appointments: int):
    return (
        TreatmentSession.objects.filter(appointment_id__in=appointments.values())
        .order_by()
        .values("appointment_id")
        .annotate(signed=Max(_signed()))
    )


def _signed() -> Case:
    return Case(
        When(status=TreatmentSession.Status.SIGNED, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def calendar_note_state() -> Case:
    """`session_states` as one value of an appointment's row, for the calendars' read
    (offered to bookings.selectors by `treatment.panels.calendar_note_state`): None when
    the visit was not attended or has no note, else True if any version of its note is
    signed, False if not. Only attended visits look for a note (an index probe, a second
    only when no version is signed), as `session_note_marks` asked only for them. A boolean,
    so the row needs no converter in Python (an integer's costs a call a row)."""
    notes = TreatmentSession.objects.filter(appointment_id=OuterRef("pk"))
    attended = Q(status__in=ATTENDED)
    return Case(
        When(attended & Exists(notes.filter(status=TreatmentSession.Status.SIGNED)), then=True),
        When(attended & Exists(notes), then=False),
        default=None,
        output_field=BooleanField(),
    )


#: How many recent attended visits the patient page lists with their notes.
VISITS_LISTED = 10


def attended_visits_of_patient(*, patient, limit: int = VISITS_LISTED) -> list[dict]:
    """The patient's most recent attended visits, newest first, as values: the appointment's
    `public_id`, `start` and `appointment_type__name`, and its note's state (`note_id`, the
    public id of the newest version, None without a note; `note_signed`). On the patient page,
    taken from its read of every appointment of the patient (bookings/panels.py, which reads
    `visit_note_columns` with them); elsewhere one query, compiled once per process and limit
    (clinic/rows.py). No content: callers decide what a role may see of it."""
    if limit == VISITS_LISTED:
        rows = bookings_panels.page_appointments(patient)
        if rows is not None:
            # Oldest first there; attended visits never overlap, so no two share a start.
            return [row for row in reversed(rows) if row["status"] in ATTENDED][:limit]
    return prepared_list(
        f"treatment_attended_visits_{limit}",
        Appointment,
        lambda *, patient_id: _attended_visits_of(patient_id=patient_id, limit=limit),
        patient_id=patient.pk,
    )


def visit_note_columns() -> dict:
    """`note_id` and `note_signed` of an appointment's row as `_attended_visits_of` reads them,
    for attended visits only (None for the others, whose notes no page lists): offered to the
    patient page's read of every appointment (bookings/panels.py, through
    `treatment.panels.patient_visit_note_columns`), so that its recent visits cost no second
    read of the same appointments."""
    notes = TreatmentSession.objects.filter(appointment=OuterRef("pk"))
    attended = Q(status__in=ATTENDED)
    return {
        "note_id": Case(
            When(attended, then=Subquery(notes.order_by("-version").values("public_id")[:1])),
            default=None,
            output_field=UUIDField(),
        ),
        "note_signed": Case(
            When(attended, then=Exists(notes.filter(status=TreatmentSession.Status.SIGNED))),
            default=None,
            output_field=BooleanField(),
        ),
    }


def _attended_visits_of(*, patient_id: int, limit: int):
    notes = TreatmentSession.objects.filter(appointment=OuterRef("pk"))
    return (
        Appointment.objects.filter(patient_id=patient_id, status__in=ATTENDED)
        .annotate(
            note_id=Subquery(notes.order_by("-version").values("public_id")[:1]),
            note_signed=Exists(notes.filter(status=TreatmentSession.Status.SIGNED)),
        )
        .order_by("-start")
        .values("public_id", "start", "appointment_type__name", "note_id", "note_signed")[:limit]
    )


def episode_latest_findings(*, episode) -> tuple[dict[str, object], Assessment | None]:
    """The episode's findings as the final assessments left them: the intake's findings,
    then each later final visit's recorded findings over them, in the version in force; and
    the newest of those assessments (None when none is final). One query."""
    visits = list(
        Assessment.objects.filter(episode_id=episode.pk, status=Assessment.Status.FINAL)
        .exclude(superseded_by__status=Assessment.Status.FINAL)
        .defer("engine_result")  # the re-run reads the findings, not their stored result
        .order_by("assessed_on", "created_at")
    )
    findings: dict[str, object] = {}
    for visit in visits:
        findings.update(visit.findings())
    return findings, (visits[-1] if visits else None)


def _local_day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date()


def since_last_time(*, user, session: TreatmentSession) -> dict:
    """What the patient logged in the portal from the day of their previous attended visit
    to the day of this one (from the start of the episode when there was none), in their
    own time zone: how many sessions, pain during and after, how much of the plan was done,
    the next-morning and pins-and-needles answers, urgent symptoms ticked and their comments.
    JSON-ready (a signed session keeps it). Two queries."""
    appointment = session.appointment
    patient = appointment.patient
    zone = ZoneInfo(patient.time_zone)
    previous = (
        Appointment.objects.filter(
            patient=patient, status__in=ATTENDED, start__lt=appointment.start
        )
        .order_by("-start")
        .only("start")
        .first()
    )
    first = _local_day(previous.start, zone) if previous else session.episode.started_on
    last = _local_day(appointment.start, zone)
    logs = list(
        exercise_selectors.session_logs_for_staff(
            user=user, patient=patient, date_from=first, date_to=last
        ).order_by("date", "id")
    )
    during = [log.pain_during for log in logs]
    after = [log.pain_after for log in logs]
    done = sum(log.done_count for log in logs)
    due = sum(log.item_count for log in logs)
    answered = [log.worse_next_morning for log in logs if log.worse_next_morning is not None]
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "previous_visit": previous is not None,
        "logs": len(logs),
        "pain_during_average": round(sum(during) / len(during), 1) if during else None,
        "pain_during_worst": max(during) if during else None,
        "pain_after_average": round(sum(after) / len(after), 1) if after else None,
        "pain_after_worst": max(after) if after else None,
        "exercises_done_percent": round(100 * done / due) if due else None,
        "next_morning_answers": len(answered),
        "worse_next_morning": sum(1 for answer in answered if answer),
        "lasting_pins_and_needles": sum(1 for log in logs if log.lasting_pins_needles),
        "urgent_symptoms": [
            {"date": log.date.isoformat(), "text": BY_CODE[code].label}
            for log in logs
            for code in log.new_symptoms
            if code in BY_CODE
        ],
        "comments": [
            {"date": log.date.isoformat(), "text": log.comment} for log in logs if log.comment
        ],
    }


def session_previous(*, session: TreatmentSession) -> TreatmentSession | None:
    """The episode's newest signed note in force from an earlier visit, with its re-tests
    (two queries; one when there is none): the readings the page shows as "last visit"."""
    return (
        _in_force(
            TreatmentSession.objects.filter(
                episode_id=session.episode_id, appointment__start__lt=session.appointment.start
            )
        )
        .select_related("appointment__patient")
        .prefetch_related("retests")
        .order_by("-appointment__start", "-version")
        .first()
    )


def signed_sessions_of_episode(*, episode) -> list[TreatmentSession]:
    """The episode's signed notes in force, oldest visit first, with their re-tests and
    appointments (two queries): what the measures and the trends read."""
    return signed_sessions_of_episodes(episode_ids=[episode.pk]).get(episode.pk, [])


def signed_sessions_of_episodes(*, episode_ids) -> dict[int, list[TreatmentSession]]:
    """`signed_sessions_of_episode` for several episodes at once, by episode id (two queries
    however many episodes; episodes without a signed note are left out)."""
    found: dict[int, list[TreatmentSession]] = {}
    for session in (
        _in_force(TreatmentSession.objects.filter(episode_id__in=episode_ids))
        .select_related("appointment__patient")
        .prefetch_related("retests")
        .order_by("appointment__start", "version")
    ):
        found.setdefault(session.episode_id, []).append(session)
    return found
