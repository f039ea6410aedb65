"""Session notes as a clinician lives them: open for an attended visit, record re-tests and
treatment, sign, amend; and test-treat-retest feeding the diagnosis engine."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import Appointment
from clinic.models import AuditEvent
from tests.exercises.factories import log, published_plan
from treatment import services
from treatment.models import Retest, TreatmentGiven, TreatmentSession
from treatment.services import SessionDraft, SessionLockedError

from .factories import LUMBAR_PA_L5, attended_visit, final_intake, session_with

pytestmark = pytest.mark.django_db


def _sign(session, by):
    session = TreatmentSession.objects.get(pk=session.pk)
    return services.session_sign(session=session, by=by)


def test_it_records_neural_signs_improved_and_moves_a_mixed_picture_to_lumbar(therapist):
    """A runner with a mixed picture: slump positive before, lumbar PA glide L5 grade III,
    slump negative after. The re-test reads as neural signs improved, and the suggestion
    moves from indeterminate to lumbar, with amendment 22's re-attribution line."""
    appointment = attended_visit(therapist=therapist)
    final_intake(episode=appointment.episode, therapist=therapist)
    before = {"slump_test": "positive_differentiated", "slump_knee_ext_deficit_deg": 20}
    after = {"slump_test": "negative", "slump_knee_ext_deficit_deg": 4}
    session = session_with(
        appointment=appointment,
        therapist=therapist,
        before=before,
        after=after,
        treatments=[LUMBAR_PA_L5],
        retest_after_lumbar_treatment="neural_signs_improved",
    )

    signed = _sign(session, therapist)

    rerun = signed.diagnosis_rerun
    assert rerun["before"]["label"] == "indeterminate"
    assert rerun["after"]["label"] == "lumbar"
    assert rerun["rules_version"] == "1.2"
    reasons = [reason["kind"] for reason in rerun["after"]["reasons"]]
    assert "reattribution" in reasons
    assert any("count for lumbar" in line for line in rerun["changes"])
    assert any("moves from indeterminate" in line for line in rerun["changes"])


def test_it_suggests_the_retest_result_from_the_change_after_lumbar_treatment(therapist):
    from treatment.reading import suggest_retest_outcome

    improved = suggest_retest_outcome(
        before={"slump_test": "positive_differentiated"},
        after={"slump_test": "negative"},
        lumbar_given=True,
    )
    unchanged = suggest_retest_outcome(
        before={"slr_test": "positive_differentiated"},
        after={"slr_test": "positive_differentiated"},
        lumbar_given=True,
    )
    worse = suggest_retest_outcome(
        before={"slump_test": "negative"},
        after={"slump_test": "positive_not_differentiated"},
        lumbar_given=True,
    )
    no_lumbar = suggest_retest_outcome(
        before={"slump_test": "positive_differentiated"},
        after={"slump_test": "negative"},
        lumbar_given=False,
    )

    assert (improved, unchanged, worse, no_lumbar) == (
        "neural_signs_improved",
        "no_change",
        "worse",
        None,
    )


def test_it_will_not_sign_a_lumbar_retest_until_the_therapist_confirms_it(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(
        appointment=appointment,
        therapist=therapist,
        before={"slr_test": "positive_differentiated"},
        after={"slr_test": "negative"},
        treatments=[LUMBAR_PA_L5],
    )

    with pytest.raises(ValidationError) as raised:
        _sign(session, therapist)

    assert "retest_after_lumbar_treatment" in raised.value.message_dict
    assert TreatmentSession.objects.get(pk=session.pk).status == "draft"


def test_it_keeps_a_signed_note_and_amends_it_as_a_new_version_with_a_reason(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(
        appointment=appointment,
        therapist=therapist,
        before={"slr_angle_affected_deg": 55},
        treatments=[{**LUMBAR_PA_L5, "note": "Eased the thigh"}],
        plan_changes="Add slump sliders twice a day.",
    )
    signed = _sign(session, therapist)

    with pytest.raises(SessionLockedError):
        services.session_save_draft(
            session=signed, draft=SessionDraft(note={"plan_changes": "Changed"})
        )
    with pytest.raises(ValidationError):
        services.session_amend(session=signed, by=therapist, reason="  ")
    amendment = services.session_amend(session=signed, by=therapist, reason="Wrong level written")
    services.session_save_draft(
        session=amendment,
        draft=SessionDraft(
            note={"plan_changes": "Add slump sliders twice a day."},
            before={"slr_angle_affected_deg": 55},
            treatments=[{**LUMBAR_PA_L5, "level": "L4"}],
        ),
    )

    signed.refresh_from_db()
    assert signed.status == "signed"
    assert signed.plan_changes == "Add slump sliders twice a day."
    assert [t.level for t in signed.treatments.all()] == ["L5"]
    assert [t.level for t in amendment.treatments.all()] == ["L4"]
    assert (amendment.version, amendment.supersedes, amendment.amendment_reason) == (
        2,
        signed,
        "Wrong level written",
    )
    assert signed.retests.get(phase="before").slr_angle_affected_deg == 55
    with pytest.raises(SessionLockedError):
        services.session_amend(session=signed, by=therapist, reason="Again")


@pytest.mark.parametrize(
    "status", [Appointment.Status.BOOKED, Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW]
)
def test_it_refuses_a_note_for_a_visit_the_patient_did_not_attend(therapist, status):
    appointment = attended_visit(therapist=therapist, status=status)

    with pytest.raises(ValidationError, match="came to"):
        services.session_open(appointment=appointment, by=therapist)

    assert not TreatmentSession.objects.exists()


def test_it_refuses_to_sign_a_note_for_an_appointment_that_has_not_started(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(appointment=appointment, therapist=therapist)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=timezone.now() + dt.timedelta(minutes=20),
        end=timezone.now() + dt.timedelta(minutes=50),
    )

    with pytest.raises(ValidationError, match="not started"):
        _sign(session, therapist)


def test_it_refuses_to_sign_once_the_appointment_is_cancelled(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(appointment=appointment, therapist=therapist)
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)

    with pytest.raises(ValidationError, match="came to"):
        _sign(session, therapist)


def test_it_freezes_what_the_patient_logged_since_the_last_visit_when_signed(therapist):
    first = attended_visit(therapist=therapist, hours_ago=24 * 8, status="completed")
    appointment = attended_visit(therapist=therapist, episode=first.episode)
    today = timezone.localdate()
    plan = published_plan(
        therapist=therapist, episode=first.episode, start_date=today - dt.timedelta(days=30)
    )
    log(plan, today - dt.timedelta(days=20), pain=9)  # before the last visit: left out
    log(plan, today - dt.timedelta(days=5), pain=3, comment="Sore on hills")
    log(plan, today - dt.timedelta(days=4), pain=5, worse_next_morning=True)
    log(
        plan,
        today - dt.timedelta(days=3),
        pain=2,
        worse_next_morning=False,
        lasting_pins_needles=True,
        new_symptoms=["hot_calf"],
    )
    session = session_with(appointment=appointment, therapist=therapist)

    signed = _sign(session, therapist)
    log(plan, today, pain=8)  # after signing: the note does not change

    signed.refresh_from_db()
    since = signed.since_last_time
    assert since["logs"] == 3
    assert since["pain_during_worst"] == 5
    assert since["pain_during_average"] == pytest.approx(3.3)
    assert (since["worse_next_morning"], since["next_morning_answers"]) == (1, 2)
    assert since["lasting_pins_and_needles"] == 1
    assert [item["text"] for item in since["comments"]] == ["Sore on hills"]
    assert "calf" in since["urgent_symptoms"][0]["text"]


def test_it_keeps_tests_not_done_as_null_never_negative(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(
        appointment=appointment, therapist=therapist, before={"slr_angle_affected_deg": 60}
    )

    before = session.retests.get(phase="before")
    assert before.slump_test is None
    assert before.h_test is None
    assert before.values() == {"slr_angle_affected_deg": 60}


def test_it_refuses_out_of_range_values_in_the_database(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(appointment=appointment, therapist=therapist)

    with pytest.raises(IntegrityError), transaction.atomic():
        Retest.objects.filter(session=session, phase="after").update(knee_flexion_strength_pct=151)
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentGiven.objects.create(
            session=session, kind="lumbar_mobilisation", technique="slider"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentSession.objects.create(
            appointment=appointment, episode=session.episode, therapist=therapist
        )


def test_it_marks_a_treatment_taken_off_a_draft_as_removed_not_deleted(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(
        appointment=appointment,
        therapist=therapist,
        treatments=[LUMBAR_PA_L5, {"kind": "education", "note": "Load management"}],
    )

    services.session_save_draft(session=session, draft=SessionDraft(treatments=[LUMBAR_PA_L5]))

    assert [t.kind for t in session.treatments.all()] == ["lumbar_mobilisation"]
    assert TreatmentGiven.all_objects.filter(session=session, removed=True).count() == 1


def test_it_audits_signing_and_amending(therapist):
    appointment = attended_visit(therapist=therapist)
    session = session_with(appointment=appointment, therapist=therapist)

    signed = _sign(session, therapist)
    services.session_amend(session=signed, by=therapist, reason="Typo")

    events = AuditEvent.objects.filter(patient=appointment.patient).values_list("detail", flat=True)
    names = [detail.get("event") for detail in events]
    assert "treatment_session_signed" in names
    assert "treatment_session_amended" in names
    assert AuditEvent.objects.filter(
        patient=appointment.patient, object_type="treatment.treatmentsession", action="create"
    ).exists()


def test_it_scores_todays_findings_before_treatment_and_lets_the_retest_carry_the_change():
    """Amendment 22 moves the points a positive slump gave to neural over to lumbar: scoring
    the negative after-treatment slump as well would count the same change twice. A deficit
    found on the neurological examination after treatment is never hidden."""
    from treatment.reading import engine_findings

    findings = engine_findings(
        {"slump_test": "negative", "lumbar_rom": "reproduces_thigh_pain"},
        {"slump_test": "positive_differentiated", "neuro_exam": "normal"},
        {"slump_test": "negative", "neuro_exam": "unilateral_single_root_deficit"},
        "neural_signs_improved",
    )

    assert findings == {
        "slump_test": "positive_differentiated",
        "lumbar_rom": "reproduces_thigh_pain",
        "neuro_exam": "unilateral_single_root_deficit",
        "retest_after_lumbar_treatment": "neural_signs_improved",
    }
