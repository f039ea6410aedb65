"""What the discharge summary tells a patient to keep doing, and when to come back, by the
stage list their diagnosis follows. Plain words, written for the patient."""

from __future__ import annotations

PREVENTION = {
    "neural": (
        "Keep doing two or three of your nerve sliding exercises a few times a week, and "
        "always before faster or downhill running. Build up hills, downhills and speed one at "
        "a time, and shorten your stride a little when you are tired."
    ),
    "lumbar": (
        "Keep your back moving with the exercises that helped, especially after long spells "
        "of sitting. Keep up your trunk strength work twice a week, and add uphill running "
        "gradually."
    ),
    "acute_strain": (
        "Keep up hamstring strength work, such as Nordic lowers, once or twice a week for good: "
        "it is the best protection against another strain. Warm up properly before fast "
        "running and build your weekly distance and speed gradually."
    ),
    "general": (
        "Keep up the exercises that helped you two or three times a week, and change only one "
        "thing at a time in your running: distance, hills or speed."
    ),
}

COME_BACK = (
    "Come back to see us if the pain in the back of your thigh returns and does not settle "
    "within a week, if it stops you running, or if it comes with pins and needles or "
    "numbness. Get help the same day for new weakness in your leg, numbness between your legs, "
    "or trouble controlling your bladder or bowels."
)


def advice_for(stage_list: str | None) -> str:
    return PREVENTION.get(stage_list or "", PREVENTION["general"])
