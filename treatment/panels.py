"""What the treatment app adds to the staff patient page.

Clinicians get each session note with a link; reception sees only that a note exists and
whether it is signed (no link, no content); patients get nothing.
"""

from __future__ import annotations

from clinic.access import CLINICAL, STAFF, has_role
from clinic.panels import Panel
from treatment import selectors


def patient_panels(*, user, patient) -> list[Panel]:
    """The patient's session notes, newest visit first (one query)."""
    if not has_role(user, STAFF):
        return []
    sessions = selectors.session_list_of_patient(patient=patient)
    if not sessions:
        return []
    return [
        Panel(
            template="treatment/panels/patient_sessions.html",
            context={"sessions": sessions, "clinical": has_role(user, CLINICAL)},
            order=25,
        )
    ]
