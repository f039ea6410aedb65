"""What the treatment app adds to the staff patient page.

Clinicians get each session note with a link; reception sees only that a note exists and
whether it is signed (no link, no content); patients get nothing.
"""

from __future__ import annotations

from bookings.models import Appointment
from clinic.access import CLINICAL, STAFF, has_role
from clinic.panels import Panel
from patients.page_rows import PageRead
from treatment import measures, recurrence, selectors
from treatment.models import Retest, TreatmentGiven


def patient_page_reads(*, user, patient) -> list[PageRead]:
    """The recent visits, for staff; the re-tests of signed notes (the rehab panel's
    measures), for clinicians."""
    if not has_role(user, STAFF):
        return []
    reads = [
        PageRead(
            f"treatment_attended_visits_{selectors.VISITS_LISTED}",
            Appointment,
            selectors.attended_visits_listed,
        )
    ]
    if has_role(user, CLINICAL):
        reads.append(PageRead("treatment_latest_measures", Retest, measures._signed_retests))
        # "What happened last time" on a recurrence: the earlier episode's treatments.
        reads.append(
            PageRead(
                "treatment_recurrence_given_of_patient",
                TreatmentGiven,
                recurrence.given_of_patient,
            )
        )
    return reads


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
