"""The starter library shipped in library.json, loadable by a migration or by the demo seed."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

LIBRARY_FILE = Path(__file__).resolve().parent / "library.json"
FIELDS = (
    "name",
    "slug",
    "tags",
    "phases",
    "directional_preference",
    "kind",
    "sets",
    "reps",
    "hold_seconds",
    "duration_minutes",
    "times_per_day",
    "days_per_week",
    "dose_note",
    "instructions",
    "stop_rules",
    "contraindications",
    "evidence",
    "each_side",
    "earliest_day",
    "family",
    "min_rest_days",
)


def library_load(exercise_model) -> int:
    """Add the starter exercises whose codes are missing; never overwrite an existing one.

    Takes the model class so a migration can pass its historical model. Returns how many
    exercises were added.
    """
    existing = set(exercise_model.objects.values_list("code", flat=True))
    # a historical model (an early migration) lacks the fields added after it
    known = {field.name for field in exercise_model._meta.fields}
    fields = [name for name in FIELDS if name in known]
    entries = json.loads(LIBRARY_FILE.read_text(encoding="utf-8"))
    missing = [entry for entry in entries if entry["code"] not in existing]
    exercise_model.objects.bulk_create(
        exercise_model(
            code=entry["code"],
            public_id=uuid.uuid4(),
            **{name: entry[name] for name in fields},
        )
        for entry in missing
    )
    return len(missing)
