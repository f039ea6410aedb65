"""The red-flag pre-screen for new patients (pure Python).

The questions are the portal safety card's urgent symptoms (exercises.safety), so a new
patient and a patient between visits are asked about the same things and sent at the same
speed (SPEC 3.9b, amendment 23): signs of a squeezed nerve bundle in the lower back go to the
emergency department now; signs of a blood clot or an infection need a doctor the same day.
The advice is worded for someone who is not a patient yet: no exercises to stop, no clinic
to ring first.
"""

from __future__ import annotations

from dataclasses import dataclass

from exercises import safety

EMERGENCY = safety.EMERGENCY
SAME_DAY = safety.SAME_DAY
YES = "yes"
NO = "no"


@dataclass(frozen=True)
class Question:
    code: str
    label: str


QUESTIONS: tuple[Question, ...] = tuple(
    Question(symptom.code, symptom.label) for symptom in safety.SYMPTOMS
)

#: What to do instead of booking, per speed: a heading, then the steps in the order to act.
ADVICE = {
    EMERGENCY: {
        "heading": "Please go to A&E now",
        "service": "the emergency department (A&E), or 999",
        "steps": (
            "Go to your nearest A&E (emergency department) straight away. Do not wait.",
            "If you cannot get there safely, call 999 for an ambulance.",
            "Do not book physiotherapy yet. Once a doctor has checked you, you can ask us again.",
        ),
    },
    SAME_DAY: {
        "heading": "Please see a doctor today",
        "service": "your GP today, or NHS 111",
        "steps": (
            "Ring your GP surgery now and ask to be seen today.",
            "If they cannot see you today, or the surgery is closed, call NHS 111.",
            "Do not book physiotherapy yet. Once a doctor has checked you, you can ask us again.",
        ),
    },
}


def speed_of(answers: dict[str, str]) -> str | None:
    """The most urgent speed among the symptoms answered "yes", or None when none is."""
    return safety.urgency_of([code for code, answer in answers.items() if answer == YES])


def said_yes(answers: dict[str, str]) -> list[str]:
    """The codes answered "yes", in the card's order."""
    return [question.code for question in QUESTIONS if answers.get(question.code) == YES]
