"""Writes for treatment sessions: open, save a draft, sign, amend.

A signed note is never changed in place: `session_amend` starts a new draft version that
copies it, and the signed version stays readable. Every save is audited through the audit
trail's model signal; signing and amending also record what happened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.diagnosis.schema import value_problem
from bookings.models import Appointment
from clinic import audit
from patients.models import Episode
from treatment import reading, selectors
from treatment.models import Retest, TreatmentGiven, TreatmentSession
from treatment.retests import RETEST_SPECS

NOT_ATTENDED = "A session note is for an appointment the patient came to: mark them arrived first."
FUTURE = "This appointment has not started yet: a session note can be signed once it has."
NO_EPISODE = "The patient has no open episode: open one before writing a session note."
RETEST_NEEDED = (
    "A lumbar technique was given and the slump or SLR repeated after it: say how the "
    "neural signs changed."
)

#: The plain fields of the note a draft save may set.
NOTE_FIELDS = (
    "patient_words",
    "retest_after_lumbar_treatment",
    "plan_changes",
    "review_on",
    "review_interval_weeks",
)
#: A treatment's coded details, in the order they are copied.
TREATMENT_FIELDS = ("kind", "technique", "level", "grade", "body_position", "repetitions", "note")


class SessionLockedError(Exception):
    """The session is signed (or already amended) and cannot be changed this way."""


@dataclass
class SessionDraft:
    """Everything a draft save writes: the note's fields, both phases' re-tests (name to
    value; None for not done) and the treatments in order (field name to value)."""

    note: Mapping[str, object] = field(default_factory=dict)
    before: Mapping[str, object] = field(default_factory=dict)
    after: Mapping[str, object] = field(default_factory=dict)
    treatments: Sequence[Mapping[str, object]] = ()


def _check_attended(appointment: Appointment) -> None:
    if appointment.status not in selectors.ATTENDED:
        raise ValidationError(NOT_ATTENDED)


def _episode_for(appointment: Appointment) -> Episode:
    if appointment.episode_id is not None:
        return appointment.episode
    episode = (
        Episode.objects.filter(patient_id=appointment.patient_id, status=Episode.Status.OPEN)
        .order_by("-number")
        .first()
    )
    if episode is None:
        raise ValidationError(NO_EPISODE)
    return episode


@transaction.atomic
def session_open(*, appointment: Appointment, by) -> tuple[TreatmentSession, bool]:
    """The appointment's session note, started as a draft if there is none yet: (session,
    created). Raises ValidationError when the patient did not come (booked, cancelled, did
    not attend) or has no episode to file it under."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    existing = selectors.session_latest_for_appointment(appointment=locked)
    if existing is not None:
        return existing, False
    _check_attended(locked)
    session = TreatmentSession.objects.create(
        appointment=locked, episode=_episode_for(locked), therapist=by
    )
    for phase in Retest.Phase.values:
        Retest.objects.create(session=session, phase=phase)
    return session, True


def _lock(session: TreatmentSession) -> TreatmentSession:
    locked = TreatmentSession.objects.select_for_update().get(pk=session.pk)
    if locked.is_signed:
        raise SessionLockedError("A signed session note changes only by amendment.")
    return locked


def _validate_retests(values: Mapping[str, object], phase: str) -> dict[str, str]:
    errors = {}
    for name, value in values.items():
        spec = RETEST_SPECS.get(name)
        if spec is None:
            errors[f"{phase}-{name}"] = "Not a known re-test."
        elif value is not None and (problem := value_problem(spec, value)):
            errors[f"{phase}-{name}"] = problem
    return errors


@transaction.atomic
def session_save_draft(*, session: TreatmentSession, draft: SessionDraft) -> TreatmentSession:
    """Write a draft's note, re-tests and treatments (the treatments replace the list).
    Raises SessionLockedError for a signed note, ValidationError for a value the forms
    should have refused."""
    _lock(session)
    errors = {
        **_validate_retests(draft.before, Retest.Phase.BEFORE),
        **_validate_retests(draft.after, Retest.Phase.AFTER),
    }
    if errors:
        raise ValidationError(errors)
    for name, value in draft.note.items():
        if name not in NOTE_FIELDS:
            raise ValidationError({name: "Not a field of the session note."})
        setattr(
            session,
            name,
            "" if value is None and name == "retest_after_lumbar_treatment" else value,
        )
    session.full_clean(exclude=["appointment", "episode", "therapist", "signed_by", "supersedes"])
    session.save()
    for phase, values in ((Retest.Phase.BEFORE, draft.before), (Retest.Phase.AFTER, draft.after)):
        retest, _ = Retest.objects.get_or_create(session=session, phase=phase)
        for name in RETEST_SPECS:
            setattr(retest, name, values.get(name))
        retest.save()
    _replace_treatments(session, draft.treatments)
    return session


def _replace_treatments(session: TreatmentSession, treatments: Sequence[Mapping]) -> None:
    """Make the draft's list what the form says, row by row in place: a row whose details are
    unchanged is not written, and rows beyond the new list are marked removed (kept)."""
    current = list(session.treatments.order_by("position_in_list", "id"))
    for position, item in enumerate(treatments):
        row = current[position] if position < len(current) else TreatmentGiven(session=session)
        wanted = {name: item.get(name) for name in TREATMENT_FIELDS}
        wanted["position_in_list"] = position
        for name in ("technique", "level", "body_position", "note"):
            wanted[name] = wanted[name] or ""
        if row.pk and all(getattr(row, name) == value for name, value in wanted.items()):
            continue
        for name, value in wanted.items():
            setattr(row, name, value)
        row.full_clean(exclude=["session"])
        row.save()
    for row in current[len(treatments) :]:
        row.removed = True
        row.save(update_fields=["removed"])


def sign_problems(
    session: TreatmentSession, *, before: Mapping, after: Mapping, lumbar_given: bool
) -> dict[str, str]:
    """Why the session cannot be signed now, keyed by field ("" for the whole note)."""
    appointment = session.appointment
    if appointment.status not in selectors.ATTENDED:
        return {"": NOT_ATTENDED}
    if appointment.start > timezone.now():
        return {"": FUTURE}
    if (
        reading.retest_applies(lumbar_given=lumbar_given, after=after)
        and not session.retest_after_lumbar_treatment
    ):
        return {"retest_after_lumbar_treatment": RETEST_NEEDED}
    return {}


@transaction.atomic
def session_sign(*, session: TreatmentSession, by) -> TreatmentSession:
    """Sign a draft: freeze what the patient logged since the last visit and, when a lumbar
    technique was re-tested, the diagnosis engine's re-run on the episode's latest findings
    (advisory: the diagnosis itself is decided on the assessment). Raises ValidationError
    (keyed by field) when it cannot be signed, SessionLockedError when already signed."""
    _lock(session)
    appointment = Appointment.objects.select_for_update().get(pk=session.appointment_id)
    session.appointment = appointment
    phases = {retest.phase: retest.values() for retest in session.retests.all()}
    before, after = phases.get(Retest.Phase.BEFORE, {}), phases.get(Retest.Phase.AFTER, {})
    lumbar_given = session.treatments.filter(kind=TreatmentGiven.Kind.LUMBAR_MOBILISATION).exists()
    problems = sign_problems(session, before=before, after=after, lumbar_given=lumbar_given)
    if problems:
        raise ValidationError({key or "__all__": message for key, message in problems.items()})
    session.since_last_time = selectors.since_last_time(user=by, session=session)
    session.diagnosis_rerun = session_rerun(
        session=session, before=before, after=after, lumbar_given=lumbar_given
    )
    session.status = TreatmentSession.Status.SIGNED
    session.signed_at = timezone.now()
    session.signed_by = by
    session.save()
    audit.record(
        "update",
        obj=session,
        patient=appointment.patient,
        detail={
            "event": "treatment_session_signed",
            "version": session.version,
            "retest_after_lumbar_treatment": session.retest_after_lumbar_treatment,
        },
        user=by,
    )
    return session


def session_rerun(
    *, session: TreatmentSession, before: Mapping, after: Mapping, lumbar_given: bool
) -> dict | None:
    """The engine's re-run for this session, or None when the re-test does not apply, was
    not done, or the episode has no final assessment to re-run on (one query)."""
    retest = session.retest_after_lumbar_treatment
    if not reading.retest_applies(lumbar_given=lumbar_given, after=after) or retest in (
        "",
        TreatmentSession.RetestOutcome.NOT_DONE,
    ):
        return None
    base, latest = selectors.episode_latest_findings(episode=session.episode)
    if latest is None:
        return None
    found = reading.rerun(base, before, after, retest)
    found["assessment"] = str(latest.public_id)
    return found


@transaction.atomic
def session_amend(*, session: TreatmentSession, by, reason: str) -> TreatmentSession:
    """Start a new draft version of a signed note, copying its text, re-tests and
    treatments. The signed version is untouched and stays readable. Raises
    SessionLockedError for a draft or a version already amended, ValidationError without a
    reason."""
    locked = TreatmentSession.objects.select_for_update().get(pk=session.pk)
    if not locked.is_signed:
        raise SessionLockedError("A draft can be edited directly.")
    if TreatmentSession.objects.filter(supersedes=locked).exists():
        raise SessionLockedError("This version has already been amended.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for the amendment."})
    amendment = TreatmentSession.objects.create(
        appointment_id=locked.appointment_id,
        episode_id=locked.episode_id,
        therapist=by,
        version=locked.version + 1,
        supersedes=locked,
        amendment_reason=reason.strip(),
        **{name: getattr(locked, name) for name in NOTE_FIELDS},
    )
    for retest in locked.retests.all():
        Retest.objects.create(
            session=amendment,
            phase=retest.phase,
            **{name: getattr(retest, name) for name in RETEST_SPECS},
        )
    for item in locked.treatments.order_by("position_in_list", "id"):
        TreatmentGiven.objects.create(
            session=amendment,
            position_in_list=item.position_in_list,
            **{name: getattr(item, name) for name in TREATMENT_FIELDS},
        )
    audit.record(
        "create",
        obj=amendment,
        patient=amendment.appointment.patient,
        detail={"event": "treatment_session_amended", "amends_version": locked.version},
        user=by,
    )
    return amendment
