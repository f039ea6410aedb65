"""Texts from patients, on the clinician's side: the alert an urgent text raises, and the
texts a clinician has not read yet (notifications/ keeps the texts themselves and reception's
queue; exercises/text_safety.py decides what is urgent)."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet

from clinic.access import CLINICAL, has_role
from exercises.models import ExercisePlan, SymptomReport
from exercises.reminders import URGENT_SYMPTOM_SOURCE
from notifications.models import SmsInbound
from notifications.schedules import reminder_schedule_ensure
from notifications.selectors import texts_for_clinicians


def symptom_report_from_text(*, patient, text, codes: list[str]) -> SymptomReport | None:
    """A patient's text named urgent symptoms (exercises/text_safety.py): the same alert as
    a portal report (the dashboard alert, and the email to the therapist through the reminder
    pipeline), on the patient's active plan, else their latest plan, whose prescriber is
    their clinician. None when the patient has no plan (the text still reaches every
    clinician on the patient's page and reception's queue, marked urgent); once per text."""
    plans = ExercisePlan.objects.filter(patient=patient).order_by(
        # The active plan first, then the newest.
        models.Case(models.When(status=ExercisePlan.Status.ACTIVE, then=0), default=1),
        "-created_at",
    )
    plan = plans.first()
    if plan is None:
        return None
    report, created = SymptomReport.objects.get_or_create(
        text=text,
        defaults={
            "patient": patient,
            "plan": plan,
            "kind": SymptomReport.Kind.URGENT_SYMPTOM,
            "symptoms": list(codes),
        },
    )
    if created:
        reminder_schedule_ensure(
            source=URGENT_SYMPTOM_SOURCE,
            subject_id=report.pk,
            patient=patient,
            once_at=report.created_at,
        )
    return report


def texts_unread(*, user) -> QuerySet[SmsInbound]:
    """Texts the user's patients sent the clinic (anything but STOP, START, Y or N) that no
    clinician has read yet, urgent first: from the patients whose plans the user prescribed,
    like comments (the manager sees every patient's), and from patients no one has prescribed
    a plan for yet, whom every clinician sees, so that a text from a patient without a plan
    (an urgent one above all) is never on nobody's list. None outside the clinical roles."""
    if not has_role(user, CLINICAL):
        return SmsInbound.objects.none()
    texts = texts_for_clinicians().filter(read_at__isnull=True)
    if not user.is_superuser:
        any_plan = ExercisePlan.objects.filter(patient_id=OuterRef("patient_id"))
        texts = texts.filter(
            Q(patient_id__in=ExercisePlan.objects.filter(created_by=user).values("patient_id"))
            | ~Exists(any_plan)
        )
    return texts
