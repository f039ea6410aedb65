"""What a published plan version changed from the one before, in words for the plan's history.

Pure Python: fed two versions' frozen item lists (exercises.services.plan_snapshot).
"""

from __future__ import annotations

from exercises.ladders import SNAPSHOT_KEYS

LIMIT = 500


def _step_name(item: dict) -> str:
    return (item.get("step") or {}).get("name", "")


def _wording(item: dict) -> dict:
    # a progression shows as its step's name above; a version from before progressions lacks
    # these keys, which is no change of wording
    return {key: value for key, value in item.items() if key not in SNAPSHOT_KEYS}


def version_changes(previous: list[dict] | None, items: list[dict]) -> str:
    """e.g. "Added Bridge; Sitting nerve glide: 2 sets of 10 → 3 sets of 15"; "" when the
    first version or nothing a clinician would name changed."""
    if previous is None:
        return ""
    before = {item["key"]: item for item in previous}
    after = {item["key"]: item for item in items}
    changes = [f"Removed {item['name']}" for key, item in before.items() if key not in after]
    for key, item in after.items():
        old = before.get(key)
        if old is None:
            changes.append(f"Added {item['name']}")
            continue
        parts = []
        if _step_name(old) != _step_name(item) and _step_name(item):
            parts.append(f"now “{_step_name(item)}”")
        if old.get("dose_text") != item.get("dose_text"):
            was, now = old.get("dose_text") or "no dose", item.get("dose_text") or "no dose"
            parts.append(f"{was} → {now}")
        if old.get("note") != item.get("note"):
            parts.append("note changed")
        if not parts and _wording(old) != _wording(item):
            parts.append("wording updated")
        if parts:
            changes.append(f"{item['name']}: {', '.join(parts)}")
    if not changes and [i["key"] for i in previous] != [i["key"] for i in items]:
        changes.append("Order changed")
    text = "; ".join(changes)
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"
