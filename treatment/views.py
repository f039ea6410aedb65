"""Session note pages: open the note for an attended appointment, write it, sign, amend.

Clinical roles only (reception and patients are refused by role; reception sees only that a
note exists, on the calendar and the patient page). The suggestion shown before signing is
computed from the saved draft; a signed note shows what was frozen when it was signed.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assessments.templatetags.blank_forms import BlankForm
from clinic.access import CLINICAL, role_required
from treatment import reading, selectors, services
from treatment.forms import AmendForm, NoteForm, RetestForm, TreatmentFormSet
from treatment.measures import session_day, session_values, source_text
from treatment.models import Retest, TreatmentSession
from treatment.retests import RETEST_SPECS
from treatment.services import SessionDraft, SessionLockedError


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def session_open(request: HttpRequest, appointment_id):
    """GET: go to the appointment's note if it has one, else offer to start it. POST: start it."""
    appointment = selectors.appointment_for_session(user=request.user, public_id=appointment_id)
    existing = selectors.session_latest_for_appointment(appointment=appointment)
    if existing is not None:
        return redirect("treatment:session", public_id=existing.public_id)
    problem = "" if appointment.status in selectors.ATTENDED else services.NOT_ATTENDED
    if request.method == "POST" and not problem:
        try:
            session, _ = services.session_open(appointment=appointment, by=request.user)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(request, "Session note started.")
            return redirect("treatment:session", public_id=session.public_id)
    return render(
        request,
        "treatment/session_open.html",
        {"appointment": appointment, "patient": appointment.patient, "problem": problem},
        status=400 if request.method == "POST" and problem else 200,
    )


def _forms(request: HttpRequest, session: TreatmentSession):
    before, after = selectors.session_phases(session)
    data = request.POST if request.method == "POST" else None
    treatments = [
        {
            "kind": item.kind,
            "technique": item.technique,
            "level": item.level,
            "grade": item.grade,
            "body_position": item.body_position,
            "repetitions": item.repetitions,
            "note": item.note,
        }
        for item in selectors.listed(session, "treatments")
    ]
    return (
        NoteForm(data, session=session),
        RetestForm(data, prefix=Retest.Phase.BEFORE, initial=before),
        RetestForm(data, prefix=Retest.Phase.AFTER, initial=after),
        TreatmentFormSet(data, prefix="treatments", initial=treatments),
    )


def _save(request, session, note, before, after, formset) -> bool:
    """Save the draft from valid forms; errors from the service go next to their fields."""
    try:
        services.session_save_draft(
            session=session,
            draft=SessionDraft(
                note=note.cleaned_data,
                before=before.values(),
                after=after.values(),
                treatments=[t for form in formset if (t := form.treatment()) is not None],
            ),
        )
    except ValidationError as error:
        note.add_error(None, error)
        return False
    return True


def _sign(request, session, note) -> bool:
    fresh = selectors.session_for_user(user=request.user, public_id=session.public_id)
    try:
        services.session_sign(session=fresh, by=request.user)
    except ValidationError as error:
        for key, message_list in error.message_dict.items():
            field = key if key in note.fields else None
            for message in message_list:
                note.add_error(field, message)
        return False
    return True


def _suggestion(session: TreatmentSession, before: dict, after: dict) -> dict:
    lumbar_given = selectors.session_lumbar_given(session)
    if session.is_signed:
        return {"rerun": session.diagnosis_rerun, "applies": session.diagnosis_rerun is not None}
    suggested = reading.suggest_retest_outcome(
        before=before, after=after, lumbar_given=lumbar_given
    )
    rerun = services.session_rerun(
        session=session, before=before, after=after, lumbar_given=lumbar_given
    )
    return {
        "applies": reading.retest_applies(lumbar_given=lumbar_given, after=after),
        "suggested": suggested,
        "suggested_label": dict(TreatmentSession.RetestOutcome.choices).get(suggested, ""),
        "rerun": rerun,
    }


def _dated(since: dict | None) -> dict | None:
    """The stored summary with its ISO dates as dates, for the template to format."""
    if not since:
        return since
    day = dt.date.fromisoformat
    return {
        **since,
        "from": day(since["from"]),
        "to": day(since["to"]),
        "urgent_symptoms": [
            {**item, "date": day(item["date"])} for item in since["urgent_symptoms"]
        ],
        "comments": [{**item, "date": day(item["date"])} for item in since["comments"]],
    }


def _last_visit(session: TreatmentSession) -> tuple[dict, str]:
    """The previous signed note's readings as text (after treatment preferred), and where
    they come from; shown beside the fields, never copied into them (a test not done today
    stays not done)."""
    previous = selectors.session_previous(session=session)
    if previous is None:
        return {}, ""
    values = session_values(previous, keys=tuple(RETEST_SPECS))
    day = session_day(previous)
    return {name: reading.value_text(name, value) for name, value in values.items()}, (
        source_text(day)
    )


def _retest_rows(before_form, after_form, before: dict, after: dict, last: dict) -> list[dict]:
    """Each re-test's two fields side by side, the change between the saved values, and the
    last visit's reading."""
    if before_form is None:
        return []
    return [
        {
            "name": name,
            "label": spec.label,
            "before": before_form[name],
            "after": after_form[name],
            "change": reading.test_change(name, before.get(name), after.get(name)),
            "last": last.get(name, ""),
        }
        for name, spec in RETEST_SPECS.items()
    ]


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def session_page(request: HttpRequest, public_id):
    """A draft is a form (save, or save and sign); a signed version is read-only, with the
    amendment form."""
    session = selectors.session_page_for_user(user=request.user, public_id=public_id)
    if request.method == "POST" and session.is_signed:
        messages.error(request, "A signed session note cannot be edited. Amend it instead.")
        return redirect("treatment:session", public_id=session.public_id)
    note = before_form = after_form = formset = None
    status = 200
    if not session.is_signed:
        note, before_form, after_form, formset = _forms(request, session)
        if request.method == "POST":
            valid = all(
                [note.is_valid(), before_form.is_valid(), after_form.is_valid(), formset.is_valid()]
            )
            signing = request.POST.get("action") == "sign"
            if valid:
                # A note that cannot be signed yet is still saved as a draft.
                saved = _save(request, session, note, before_form, after_form, formset)
                signed = saved and signing and _sign(request, session, note)
                if signed:
                    messages.success(request, "The session note is signed.")
                    return redirect("treatment:session", public_id=session.public_id)
                if saved and not signing:
                    messages.success(request, "Draft saved.")
                    return redirect("treatment:session", public_id=session.public_id)
            status = 400
    before, after = selectors.session_phases(session)
    last, last_source = _last_visit(session) if not session.is_signed else ({}, "")
    return render(
        request,
        "treatment/session.html",
        {
            "session": session,
            "appointment": session.appointment,
            "patient": session.appointment.patient,
            "episode": session.episode,
            "since": _dated(
                session.since_last_time
                if session.is_signed
                else selectors.since_last_time(user=request.user, session=session)
            ),
            "note": note,
            "before_form": before_form,
            "after_form": after_form,
            "formset": formset,
            "changes": reading.change_rows(before, after),
            "retest_rows": _retest_rows(before_form, after_form, before, after, last),
            "last_source": last_source,
            "treatments": selectors.listed(session, "treatments"),
            "retest": _suggestion(session, before, after),
            "amend_form": BlankForm(AmendForm) if session.is_signed else None,
            "superseded_by": getattr(session, "superseded_by", None),
        },
        status=status,
    )


@role_required(*CLINICAL)
@require_POST
def session_amend(request: HttpRequest, public_id):
    session = selectors.session_for_user(user=request.user, public_id=public_id)
    form = AmendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for the amendment.")
        return redirect("treatment:session", public_id=session.public_id)
    try:
        amendment = services.session_amend(
            session=session, by=request.user, reason=form.cleaned_data["reason"]
        )
    except SessionLockedError as error:
        messages.error(request, str(error))
        return redirect("treatment:session", public_id=session.public_id)
    messages.success(request, f"Version {amendment.version} started: edit it, then sign it.")
    return redirect("treatment:session", public_id=amendment.public_id)
