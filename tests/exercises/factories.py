"""Factories and builders for exercise plans, logs and confirmed diagnoses."""

from __future__ import annotations

import datetime as dt

import factory

from exercises.models import Exercise, ExercisePlan
from exercises.services import plan_create, plan_publish, session_log_save
from tests.patients.factories import EpisodeFactory, PatientFactory


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise

    code = factory.Sequence(lambda n: f"EX-T{n:03d}")
    name = factory.Sequence(lambda n: f"Test exercise {n}")
    slug = factory.Sequence(lambda n: f"test-exercise-{n}")
    tags = factory.LazyFunction(lambda: ["general"])
    phases = factory.LazyFunction(lambda: ["early"])
    sets = 2
    reps = 10
    times_per_day = 1
    days_per_week = 7
    instructions = factory.LazyFunction(lambda: ["Move gently."])


def library(*codes: str) -> list[Exercise]:
    """Seeded library exercises in the order given."""
    by_code = {exercise.code: exercise for exercise in Exercise.objects.filter(code__in=codes)}
    return [by_code[code] for code in codes]


def published_plan(
    *,
    therapist,
    episode=None,
    patient=None,
    codes=("EX-N01", "EX-N02", "EX-N03"),
    start_date: dt.date | None = None,
) -> ExercisePlan:
    """An active plan with one published version, optionally starting on `start_date`."""
    if episode is None:
        episode = EpisodeFactory(patient=patient or PatientFactory())
    plan = plan_create(episode=episode, user=therapist, exercises=library(*codes))
    plan_publish(plan=plan, user=therapist)
    if start_date is not None:
        ExercisePlan.objects.filter(pk=plan.pk).update(start_date=start_date)
    plan.refresh_from_db()
    return plan


def log(plan, day: dt.date, *, pain=2, after=None, done=None, difficulty="about_right", **answers):
    """A session log; `answers` are session_log_save's other arguments (worse_next_morning...)."""
    keys = [item["key"] for item in plan.current_version.items]
    entry, _ = session_log_save(
        patient=plan.patient,
        plan=plan,
        date=day,
        done=keys if done is None else keys[:done],
        pain_during=pain,
        pain_after=pain if after is None else after,
        difficulty=difficulty,
        **answers,
    )
    return entry


def confirmed_decision(*, episode, therapist, final_dx: str, directional_preference="none"):
    """A confirmed diagnosis through the assessments app's own models."""
    from assessments.models import AssessmentDecision
    from tests.assessments.factories import AssessmentFactory

    assessment = AssessmentFactory(episode=episode, therapist=therapist, final=True)
    return AssessmentDecision.objects.create(
        assessment=assessment,
        episode=episode,
        clinician_final_dx=final_dx,
        other_dx_text="Something else" if final_dx == "other" else "",
        suggested_label=final_dx,
        suggested_dx=final_dx,
        model_version="test",
        score_snapshot={},
        findings={"directional_preference": directional_preference},
        confirmed_by=therapist,
    )
