"""Screening a patient's free-text message for urgent symptoms (pure Python).

A text such as "woke up and can't feel my bum when I wipe" must not sit in a queue: it gets an
automatic answer naming the right service, and the clinician gets an alert. The signs mirror
the portal's safety card (exercises.safety.SYMPTOMS, same codes and speeds) plus the other
red flags of SPEC 3.9b a patient may put in words: weakness or a dropping foot, numbness that
spreads, chest pain or breathlessness, bad pain at night, and any new numbness.

The screen errs on the safe side: a missed emergency costs far more than a false alarm. So a
phrase matches anywhere in the message, in any case; the only thing that cancels a match is
a plain "no"/"not"/"without" right before a symptom word ("no numbness at all"), and only for
the words marked as negatable. Every other doubt counts as a hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from exercises.safety import BY_CODE, EMERGENCY, SAME_DAY

# Word pieces used by several signs.
_NUMB = r"(numb|no feeling|lost feeling|can ?not feel|can'?t feel|cant feel|tingl|pins and needles)"
_SADDLE = (
    r"(bum|bottom|backside|buttock|saddle|groin|genital|privates|back passage|anus|"
    r"between my legs|down below|when i wipe|wiping|perineum)"
)


@dataclass(frozen=True)
class Sign:
    code: str
    label: str  # for the clinician's alert
    urgency: str
    # Each entry is one regular expression, or a tuple of them that must all appear.
    patterns: tuple[str | tuple[str, ...], ...]
    # Single symptom words whose match a "no"/"not"/"without" right before it cancels.
    negatable: bool = False


SIGNS: tuple[Sign, ...] = (
    Sign(
        "saddle_numbness",
        BY_CODE["saddle_numbness"].label,
        BY_CODE["saddle_numbness"].urgency,
        ((_NUMB, _SADDLE), r"saddle (numbness|anaesthesia|anesthesia)"),
    ),
    Sign(
        "bladder_bowel",
        BY_CODE["bladder_bowel"].label,
        BY_CODE["bladder_bowel"].urgency,
        (
            r"bladder",
            r"bowel",
            r"incontinen",
            r"(wet|pee|peed|wee|weed|soil|soiled|pooed|poo) (myself|my pants|the bed)",
            r"can'?t (pee|wee|urinate|poo|go to the toilet)",
            r"cannot (pee|wee|urinate|poo|go to the toilet)",
            r"(no|lost|losing) control",
            r"leak(ing|ed)? (urine|wee|pee)",
            r"(pee|wee|urine|poo) (won'?t|will not|doesn'?t|does not) (come|stop)",
        ),
    ),
    Sign(
        "both_legs",
        BY_CODE["both_legs"].label,
        BY_CODE["both_legs"].urgency,
        (
            (r"both (legs|feet|thighs|calves)", rf"({_NUMB}|weak|gave way|giving way|gives way)"),
            r"(legs|feet) (are|is|have|feel|feels|went|gone)( gone| going| all)? (numb|weak|dead)",
        ),
    ),
    Sign(
        "weakness",
        "Weakness or a foot that drops or drags",
        EMERGENCY,
        (
            r"(foot|drop) drop",
            r"drop ?foot",
            r"foot (is |keeps )?(slapping|dragging|flopping|dropping)",
            r"(can'?t|cannot|can not) (lift|raise|pick up) my (foot|toes|leg)",
            r"(trip|tripping|tripped) over my (own )?(foot|feet|toes)",
            r"(leg|knee|foot) (gave|giving|gives|keeps giving) way",
            r"(leg|foot|ankle|knee) (is |feels |has gone |went |getting )?(weak|floppy|dead)",
            r"weakness",
            r"paralys",
        ),
        negatable=True,
    ),
    Sign(
        "spreading_numbness",
        "Numbness that is spreading or getting worse",
        EMERGENCY,
        (
            (_NUMB, r"(spread|worse|moving up|more and more|further)"),
            r"spreading",
        ),
    ),
    Sign(
        "chest",
        "Chest pain or breathlessness",
        EMERGENCY,
        (
            (r"chest", r"(pain|hurt|tight|ache|aching|pressure|heavy|crush|sore|sharp)"),
            r"breathless",
            r"short of breath",
            r"(can'?t|cannot|can not|struggling to|hard to) (breathe|catch my breath)",
            r"cough(ing|ed)? (up )?blood",
        ),
    ),
    Sign(
        "hot_calf",
        BY_CODE["hot_calf"].label,
        BY_CODE["hot_calf"].urgency,
        (
            (r"calf|calves", r"(swell|swollen|hot|warm|red|puffy|tight and|throbb)"),
            r"(dvt|blood clot|clot)",
        ),
    ),
    Sign(
        "fever_back_pain",
        BY_CODE["fever_back_pain"].label,
        BY_CODE["fever_back_pain"].urgency,
        (
            r"fever",
            r"feverish",
            r"(high )?temperature",
            r"shiver",
            r"shaking",
            r"sweats",
            r"(really|very|so|feel|feeling|felt) (unwell|ill|poorly|sick)",
            r"\bflu\b",
        ),
    ),
    Sign(
        "night_pain",
        "Severe pain at night",
        SAME_DAY,
        (
            (r"night", r"(pain|hurt|agony|ache|aching|sore)"),
            r"(can'?t|cannot|can not) sleep",
            r"(wakes|woke|waking|keeps) me up",
        ),
    ),
    Sign(
        "new_numbness",
        "New numbness or loss of feeling",
        SAME_DAY,
        (r"numb", r"no feeling", r"lost (the )?feeling", r"(can'?t|cannot|can not) feel"),
        negatable=True,
    ),
)
BY_SIGN = {sign.code: sign for sign in SIGNS}

_NEGATION = re.compile(r"\b(no|not|without|never|zero)\s+$")


def _normalise(body: str) -> str:
    text = body.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return " " + re.sub(r"\s+", " ", text).strip() + " "


def _found(pattern: str, text: str, negatable: bool) -> bool:
    for match in re.finditer(pattern, text):
        if negatable and _NEGATION.search(text[: match.start()]):
            continue
        return True
    return False


@dataclass(frozen=True)
class Screening:
    urgency: str | None  # EMERGENCY, SAME_DAY, or None
    codes: tuple[str, ...]

    @property
    def labels(self) -> list[str]:
        return [BY_SIGN[code].label for code in self.codes]


def screen(body: str) -> Screening:
    """The urgent signs a message mentions and the most urgent speed among them."""
    text = _normalise(body)
    codes = []
    for sign in SIGNS:
        for pattern in sign.patterns:
            parts = (pattern,) if isinstance(pattern, str) else pattern
            if all(_found(part, text, sign.negatable) for part in parts):
                codes.append(sign.code)
                break
    return Screening(urgency_for(codes), tuple(codes))


def urgency_for(codes) -> str | None:
    """The most urgent speed among these signs, or None."""
    speeds = {BY_SIGN[code].urgency for code in codes if code in BY_SIGN}
    return EMERGENCY if EMERGENCY in speeds else SAME_DAY if SAME_DAY in speeds else None


def label_for(code: str) -> str:
    sign = BY_SIGN.get(code)
    return sign.label if sign else code


# The automatic answer, per speed: short, plain, one text (under 160 characters each where we
# can), naming who to go to and how soon. The clinic's number is added by the caller.
ANSWERS = {
    EMERGENCY: (
        "Apex Clinic: what you describe needs urgent help. Call 999 or go to A&E now. "
        "Do not do your exercises. Your physio has been told."
    ),
    SAME_DAY: (
        "Apex Clinic: please see a doctor today. Ring your GP for a same-day appointment, or "
        "call 111. Stop your exercises for now. Your physio has been told."
    ),
}
