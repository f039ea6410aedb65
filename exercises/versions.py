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


#: Keys a snapshot works out from others it also carries (the dose line from the dose and
#: "each side"): a release that words them better is not a change to the plan.
DERIVED_KEYS = frozenset({"dose_text"})


def _as_published(item: dict, known: set[str], known_dose: set[str]) -> dict:
    """The item restricted to what a published version's items carried."""
    kept = {k: v for k, v in item.items() if k in known and k not in DERIVED_KEYS}
    if isinstance(kept.get("dose"), dict) and known_dose:
        kept["dose"] = {k: v for k, v in kept["dose"].items() if k in known_dose}
    return kept


#: What the working copy is, against the version the patient has.
NEW, SAME, CHANGED, OUTDATED = "new", "same", "changed", "outdated"

#: The version-history line of a version published only to bring an old one up to date.
OUTDATED_CHANGE = "Republished with each exercise's days, steps and full dose"


def publish_state(snapshot: list[dict], published: list[dict] | None) -> str:
    """NEW: never published. SAME: the patient has exactly this. CHANGED: the therapist changed
    the exercises, their order, doses, notes or the library's words since publishing.
    OUTDATED: nothing the published version could say has changed, but it was frozen by an
    earlier release that did not yet carry what this one does (each exercise's days, its
    progression step, "each side", a better-worded dose line): the patient sees an older
    presentation of the same plan, and publishing again brings it up to date.

    Therapist changes that only a newer key can express (days picked on an old version's
    item) read as OUTDATED too: the publish button is offered either way.
    """
    if published is None:
        return NEW
    if snapshot == published:
        return SAME
    if len(snapshot) != len(published):
        return CHANGED
    known = set().union(*(item.keys() for item in published))
    known_dose = set().union(
        *(item["dose"].keys() for item in published if isinstance(item.get("dose"), dict))
    )
    now = [_as_published(item, known, known_dose) for item in snapshot]
    then = [_as_published(item, known, known_dose) for item in published]
    return OUTDATED if now == then else CHANGED


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
