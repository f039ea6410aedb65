"""The safety net between visits: which new symptoms need urgent help, and how soon (pure Python).

The wording is for patients (short sentences, common words, reading age about 9 to 11). Two
speeds: the emergency department now (signs that a nerve bundle in the lower back may be
squeezed), or a doctor the same day (signs of a blood clot or an infection).
"""

from __future__ import annotations

from dataclasses import dataclass

EMERGENCY = "emergency"
SAME_DAY = "same_day"


@dataclass(frozen=True)
class Symptom:
    code: str
    label: str  # how the patient ticks it
    urgency: str


SYMPTOMS: tuple[Symptom, ...] = (
    Symptom("saddle_numbness", "Numbness between my legs or around my bottom", EMERGENCY),
    Symptom("bladder_bowel", "New trouble with my bladder or bowels (peeing or pooing)", EMERGENCY),
    Symptom("both_legs", "Weakness or numbness in both legs", EMERGENCY),
    Symptom("hot_calf", "A calf that is hot, swollen or red", SAME_DAY),
    Symptom("fever_back_pain", "A fever (feeling hot and shivery) with back pain", SAME_DAY),
)
BY_CODE = {symptom.code: symptom for symptom in SYMPTOMS}
CODES = tuple(BY_CODE)

# What to do, per urgency: the heading and the steps, in the order a patient should act.
ACTIONS = {
    EMERGENCY: {
        "heading": "Go to the emergency department now.",
        "steps": (
            "Do not wait. Go to A&E (the emergency department) now.",
            "If you cannot get there safely, call 999.",
            "Stop your exercises until a doctor has seen you.",
            "Then ring the clinic to tell us.",
        ),
    },
    SAME_DAY: {
        "heading": "Please see a doctor today.",
        "steps": (
            "Ring your doctor (GP) now and ask to be seen today.",
            "If you cannot get an appointment today, call 111.",
            "Stop your exercises until a doctor has seen you.",
            "Then ring the clinic to tell us.",
        ),
    },
}


def urgency_of(codes: list[str]) -> str | None:
    """The most urgent speed among the ticked symptoms, or None when none is urgent."""
    urgencies = {BY_CODE[code].urgency for code in codes if code in BY_CODE}
    if EMERGENCY in urgencies:
        return EMERGENCY
    if SAME_DAY in urgencies:
        return SAME_DAY
    return None


def labels_for(codes: list[str]) -> list[str]:
    return [BY_CODE[code].label for code in CODES if code in codes]


def card() -> list[dict]:
    """The standing safety card: each speed with its symptoms and what to do."""
    return [
        {
            "urgency": urgency,
            "symptoms": [symptom.label for symptom in SYMPTOMS if symptom.urgency == urgency],
            **ACTIONS[urgency],
        }
        for urgency in (EMERGENCY, SAME_DAY)
    ]
