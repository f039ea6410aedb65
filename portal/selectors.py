"""Reads for the portal app's own records (the invitations that open a patient's portal), and
the portal home's one statement that brings every app's panel rows with it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import router
from django.db.models import OuterRef, TextField
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from assessments.models import AssessmentDecision
from assessments.selectors import decisions_read, open_red_flag_referrals
from clinic.json_rows import RowsArray, decode, instances, objects_as_json, rows_array
from clinic.panels import NOT_READ, PORTAL_READS, panel_modules, portal_read
from clinic.rows import prepared_row, reads_combined
from patients.models import Patient
from patients.selectors import patient_of_portal_user, portal_patient_of_row, portal_patient_rows
from portal.models import Invitation
from rehab import selectors as rehab_selectors
from running import selectors as running_selectors

RECENT_INVITATIONS = 5


def invitations_recent(*, patient) -> list[Invitation]:
    """The patient's latest invitations with who sent them, newest first (one query)."""
    return list(
        Invitation.objects.filter(patient=patient).select_related("created_by")[:RECENT_INVITATIONS]
    )


def home_reads(*, patient, day: dt.date, now: dt.datetime) -> None:
    """Read, in one statement, what the portal home's panels and plan need of this portal
    patient (each app's `portal_reads` hook in its panels.py: annotations on the patient's
    row), and keep it on the patient object, where each app's own selector finds it
    (`clinic.panels.portal_read`) instead of running its statement. `day` is the patient's
    today, `now` the moment the page is drawn for. It is `home_patient`'s statement, read for
    `day`: one SQL text compiled once per process and prepared once per connection
    (clinic/rows.py), not a second one for the patients whose day is not the guessed one,
    which each process compiled (about 0.1 s) and each connection planned when the first
    of them came."""
    if not reads_combined(Patient):
        return
    found = _home_statement(user_id=patient.user_id, day=day, now=now)
    if not found:
        raise Http404("No patient record for this account")
    patient.__dict__[PORTAL_READS] = found[0]


def _home_statement(*, user_id: int, day: dt.date, now: dt.datetime) -> list[dict]:
    # `prepared_row`: the server keeps the statement wrapped in a plain select list, so each
    # EXECUTE does not copy every panel's subquery (about a tenth of the statement's CPU).
    row = prepared_row(
        "portal.home_patient",
        Patient,
        _home_patient,
        user_id=user_id,
        day=day,
        week_before=day - dt.timedelta(days=7),
        now=now,
    )
    return [] if row is None else [row]


def _panel_reads(*, day, week_before, now) -> dict:
    reads = {}
    for module in panel_modules():
        hook = getattr(module, "portal_reads", None)
        if hook is not None:
            reads.update(hook(day=day, week_before=week_before, now=now))
    return reads


def home_patient(*, user, now: dt.datetime) -> tuple[Patient, dt.date]:
    """The signed-in patient (`patients.selectors.patient_of_portal_user`'s record: 404 without
    one) and their today where they live at `now`, with what `home_reads` reads for that day,
    in one statement: the patient's row and every app's `portal_reads`, read for the day at
    `now` in the zone this process last read for this login, else the clinic's (the
    patient's zone is not known before their row is read; most patients live in the
    clinic's). When the patient's own day is another, the panels are read again for it
    (`home_reads`, one statement more): the page never shows one day's plan with another
    day's log."""
    if not reads_combined(Patient):
        patient = patient_of_portal_user(user=user)
        return patient, _local_day(patient, now)
    zone = _ZONES_SEEN.get(user.pk)
    guess = timezone.localtime(
        now, ZoneInfo(zone) if zone else timezone.get_default_timezone()
    ).date()
    found = _home_statement(user_id=user.pk, day=guess, now=now)
    if not found:
        raise Http404("No patient record for this account")
    patient = portal_patient_of_row(found[0])
    _zone_seen(user.pk, patient.time_zone)
    today = _local_day(patient, now)
    if today == guess:
        patient.__dict__[PORTAL_READS] = found[0]
    else:
        home_reads(patient=patient, day=today, now=now)
    return patient, today


#: The zone of each portal login whose patient lives outside the clinic's, as this process
#: last read it: the guess for the day the home statement reads. Only a guess: the day is
#: checked against the row that comes back, so a patient who has moved costs one statement
#: more on their next home (as a patient abroad did on every home before), never a wrong day.
_ZONES_SEEN: dict[int, str] = {}
_ZONES_SEEN_MAX = 20_000


def _zone_seen(user_id: int, zone: str) -> None:
    if zone == settings.TIME_ZONE:
        _ZONES_SEEN.pop(user_id, None)
    elif _ZONES_SEEN.get(user_id) != zone:
        if len(_ZONES_SEEN) >= _ZONES_SEEN_MAX:
            _ZONES_SEEN.clear()
        _ZONES_SEEN[user_id] = zone


def _local_day(patient, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(patient.time_zone)).date()


def _home_patient(*, user_id: int, day: dt.date, week_before: dt.date, now: dt.datetime):
    # The panels' rows built as `json`, not `jsonb` (clinic/json_rows.py): the server writes
    # each object once, not as a tree, then binary, then text. None holds a float column.
    # Each list of rows comes as its JSON text and is decoded here (`_JSONText`), not by the
    # driver's `json.loads`.
    with objects_as_json():
        reads = {
            name: Cast(read, _JSONText()) if isinstance(read, RowsArray) else read
            for name, read in _panel_reads(day=day, week_before=week_before, now=now).items()
        }
    return portal_patient_rows(user_id=user_id, **reads)[:1]


class _JSONText(TextField):
    """A `json` value sent as its text and decoded by `clinic.json_rows.decode` (pydantic_core's
    `from_json`), as the patient page's rows are (patients/page_rows.py): fewer instructions
    than the driver's `json.loads` over the home's panels and plan (some 6 KB a view), the
    same values."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decode(value)


def running_page_reads(*, patient, day: dt.date) -> None:
    """The same for the portal's running page: the programme with its latest decision, the
    runs waiting for a morning answer and the recent runs (`running.selectors.
    portal_page_reads`), and the patient's open red-flag referrals the notice stands on
    (`open_red_flags_read`), in one statement."""
    if not reads_combined(Patient):
        return
    row = prepared_row(
        "portal.running_page_reads",
        Patient,
        _running_page_reads,
        patient_id=patient.pk,
        day=day,
        week_before=day - dt.timedelta(days=7),
    )
    if row is None:  # the record archived since the request began
        raise Http404("No patient record for this account")
    patient.__dict__[PORTAL_READS] = row


def _running_page_reads(*, patient_id: int, day: dt.date, week_before: dt.date):
    return Patient.objects.filter(pk=patient_id).values(
        **running_selectors.portal_page_reads(today=day, week_before=week_before),
        **open_red_flags_reads(),
    )


def open_red_flags_reads() -> dict:
    """The column a portal page's statement on the patient's row adds so that the red-flag
    notice reads nothing more (`open_red_flags_read` gives it back as decisions)."""
    return {
        _OPEN_RED_FLAGS: rows_array(
            open_red_flag_referrals().filter(episode__patient_id=OuterRef("pk")),
            fields=_RED_FLAG_FIELDS,
        )
    }


#: Where the running page's statement keeps the open referrals, and what the notice reads of
#: them (`AssessmentDecision.referral_tier`): the page draws nothing else of any decision.
_OPEN_RED_FLAGS = "portal.open_red_flags"
_RED_FLAG_FIELDS = [  # in the model's order, as `Model.from_db` takes them
    field.attname
    for field in AssessmentDecision._meta.concrete_fields
    if field.attname in {"id", "score_snapshot", "model_version"}
]


def open_red_flags_read(*, patient) -> list[AssessmentDecision] | None:
    """The patient's open red-flag referrals (`assessments.selectors.open_red_flag_referrals`)
    as `running_page_reads` read them, with only what the notice reads; None when it has not
    read them (SQLite: the notice then reads for itself)."""
    rows = portal_read(patient, _OPEN_RED_FLAGS)
    if rows is NOT_READ:
        return None
    alias = router.db_for_read(AssessmentDecision)
    return instances(AssessmentDecision, alias, rows, fields=_RED_FLAG_FIELDS)


def recovery_page_reads(*, patient) -> None:
    """The same for the portal's recovery page: the patient's episodes, stage changes and
    discharge summaries (`rehab.selectors.portal_page_reads`) and the decisions the stages and
    the red-flag notice stand on, in one statement."""
    if not reads_combined(Patient):
        return
    row = prepared_row(
        "portal.recovery_page_reads", Patient, _recovery_page_reads, patient_id=patient.pk
    )
    if row is None:  # the record archived since the request began
        raise Http404("No patient record for this account")
    patient.__dict__[PORTAL_READS] = row


def _recovery_page_reads(*, patient_id: int):
    return Patient.objects.filter(pk=patient_id).values(
        **rehab_selectors.portal_page_reads(), **decisions_read()
    )
