"""The portal's "My appointments" page in one statement: the signed-in patient's row
(`patients.selectors.portal_patient_rows`) with the page's appointments, the number of past
ones and the active sites (`bookings.portal_page.portal_page_reads`), and the open red-flag
referrals the notice at the top stands on (as the running page reads them). Compiled once per
process and prepared once per connection (clinic/rows.py); PostgreSQL only (`reads_combined`).
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404

from bookings.models import MAX_APPOINTMENT_LENGTH
from bookings.portal_page import portal_page_reads
from clinic.panels import PORTAL_READS
from clinic.rows import prepared_row
from patients.models import Patient
from patients.selectors import portal_patient_of_row, portal_patient_rows
from portal.selectors import open_red_flags_reads

#: Past appointments a page shows.
PAGE_SIZE = 25


def appointments_page_row(*, user, now: dt.datetime, offset: int) -> dict:
    """The page's row for the portal login `user` at `now`, with PAGE_SIZE past appointments
    from `offset`; 404 without a patient record (or with an archived one)."""
    row = prepared_row(
        "portal.appointments_page",
        Patient,
        _page_statement,
        user_id=user.pk,
        now=now,
        earliest=now - MAX_APPOINTMENT_LENGTH,
        offset=offset,
    )
    if row is None:
        raise Http404("No patient record for this account")
    return row


def appointments_page_patient(row: dict) -> Patient:
    """The patient of `appointments_page_row`'s row (noted in the audit trail), carrying the
    row for `portal.selectors.open_red_flags_read`."""
    patient = portal_patient_of_row(row)
    patient.__dict__[PORTAL_READS] = row
    return patient


def _page_statement(*, user_id: int, now: dt.datetime, earliest: dt.datetime, offset: int):
    return portal_patient_rows(
        user_id=user_id,
        **portal_page_reads(now=now, earliest=earliest, offset=offset, page_size=PAGE_SIZE),
        **open_red_flags_reads(),
    )[:1]
