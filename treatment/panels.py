"""What the treatment app adds to the staff patient page.

Clinicians get each session note with a link; reception sees only that a note exists and
whether it is signed (no link, no content); patients get nothing.
"""

from __future__ import annotations

from django.utils.safestring import SafeString

from clinic.access import CLINICAL, STAFF, has_role
from clinic.filters import FilterText, held_text
from clinic.links import held_urls, uuid_urls
from clinic.markup import escape
from clinic.panels import Panel
from patients.page_rows import PageRead
from treatment import measures, recurrence, selectors
from treatment.models import Retest, TreatmentGiven


def calendar_note_state():
    """For the day and week calendars (bookings.selectors, which finds it here through
    clinic/plugins.py): each visit's session-note state read with its appointment
    (`selectors.calendar_note_state`), so the grid's note marks cost no statement of their own."""
    return selectors.calendar_note_state()


def patient_visit_note_columns() -> dict:
    """For the patient page's read of every appointment (bookings/panels.py, which finds it
    here through clinic/plugins.py): each attended visit's note (`selectors.visit_note_columns`),
    from which the page lists the recent visits without a read of its own."""
    return selectors.visit_note_columns()


def patient_page_reads(*, user, patient) -> list[PageRead]:
    """The re-tests of signed notes (the rehab panel's measures) and the treatments given, for
    clinicians. The recent visits come with the appointments' read, for all staff
    (`patient_visit_note_columns`)."""
    if not has_role(user, CLINICAL):
        return []
    return [
        PageRead("treatment_latest_measures", Retest, measures._signed_retests),
        # "What happened last time" on a recurrence: the earlier episode's treatments.
        PageRead(
            "treatment_recurrence_given_of_patient",
            TreatmentGiven,
            recurrence.given_of_patient,
        ),
    ]


def patient_panels(*, user, patient) -> list[Panel]:
    """The patient's recent attended visits and their notes (two queries). Clinicians open
    or start each note; reception sees only which visits have one."""
    if not has_role(user, STAFF):
        return []
    clinical = has_role(user, CLINICAL)
    visits = selectors.attended_visits_of_patient(patient=patient)
    if not clinical:
        visits = [visit for visit in visits if visit["note_id"]]
    if not visits:
        return []
    return [
        Panel(
            context={
                "visit_rows": visit_rows_html(
                    visits, clinical=clinical, text=held_text(patient), url=held_urls(patient)
                )
            },
            order=25,
            draw=draw_sessions,
        )
    ]


# The panel as treatment/panels/patient_sessions.html drew it (a test holds them together).


def draw_sessions(values: dict, csrf_token) -> str:
    """The "Session notes" panel: its visits drawn by `visit_rows_html`."""
    return SafeString(  # nosec B703 B308 (the rows drawn safe by `visit_rows_html`)
        '<section class="card mb-3" aria-labelledby="patient-sessions-heading">\n'
        '  <div class="card-body">\n'
        '    <h2 class="h5" id="patient-sessions-heading">Session notes</h2>\n'
        '    <ul class="list-unstyled mb-0">\n'
        f"    {escape(values['visit_rows'])}\n"
        "    </ul>\n"
        "  </div>\n"
        "</section>\n"
    )


_BADGES = {
    True: '<span class="badge text-bg-primary">Signed</span>',
    False: '<span class="badge text-bg-warning">Draft</span>',
}


def visit_rows_html(visits: list[dict], *, clinical: bool, text=None, url=None) -> str:
    """The visits drawn in one step: the day (in the current time zone, as the `date` filter
    shows it) and the kind of visit, then for clinicians a link to open or start the note,
    and whether the note is signed or a draft. Drawn with f-strings: the day, the kind and
    the link's URL escaped as `html_join` escaped every value; the labels and badges are
    constants."""
    rows = []
    # The page's own (`held_text`, `held_urls`) where it hands them down.
    text = FilterText() if text is None else text
    url = uuid_urls() if url is None else url  # the script prefix read once, not once a link
    for visit in visits:
        note = visit["note_id"]
        label = "Session note" if note else "Start the session note"
        link = (
            f'<a href="{escape(url("treatment:open", visit["public_id"]))}">{label}</a>'
            if clinical
            else "Session note"
        )
        badge = _BADGES[bool(visit["note_signed"])] if note else ""
        rows.append(
            '\n      <li class="mb-1 session-note-item">'
            f"{escape(text.date(visit['start'], 'j M Y'))}, "
            f"{escape(visit['appointment_type__name'].lower())}:\n"
            f"        {link}\n        {badge}\n      </li>\n    "
        )
    return SafeString("".join(rows))  # nosec B703 B308 (every value escaped)
