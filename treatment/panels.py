"""What the treatment app adds to the staff patient page.

Clinicians get each session note with a link; reception sees only that a note exists and
whether it is signed (no link, no content); patients get nothing.
"""

from __future__ import annotations

from clinic.access import CLINICAL, STAFF, has_role
from clinic.panels import Panel
from treatment import selectors


def patient_panels(*, user, patient) -> list[Panel]:
    """The patient's recent attended visits and their notes (two queries). Clinicians open
    or start each note; reception sees only which visits have one."""
    if not has_role(user, STAFF):
        return []
    clinical = has_role(user, CLINICAL)
    visits = selectors.attended_visits_of_patient(patient=patient)
    if not clinical:
        visits = [visit for visit in visits if visit["note"]]
    if not visits:
        return []
    return [
        Panel(
            template="treatment/panels/patient_sessions.html",
            context={"visits": visits, "clinical": clinical},
            order=25,
        )
    ]
