"""The session re-tests as trend series across visits (the `trends` plug-in contract)."""

from __future__ import annotations

from treatment import selectors
from treatment.measures import session_day, session_values, source_text
from treatment.retests import NUMERIC, RETEST_SPECS


def trend_series(*, episode) -> list[dict]:
    """One series per numeric re-test with at least one reading, a point per signed session
    (after treatment preferred to before), oldest first (two queries)."""
    points: dict[str, list[dict]] = {key: [] for key in NUMERIC}
    for session in selectors.signed_sessions_of_episode(episode=episode):
        day = session_day(session)
        for key, value in session_values(session).items():
            if key in points:
                points[key].append({"on": day, "value": value, "source": source_text(day)})
    return [
        {"key": key, "label": RETEST_SPECS[key].label, "points": found}
        for key, found in points.items()
        if found
    ]
