"""Writes for reports: the CSV export, which is recorded in the audit trail."""

from __future__ import annotations

import io

from clinic import audit, csv_safe
from reports.selectors import Figures

CONTENT_TYPE = "text/csv; charset=utf-8"

HEADER = [
    "Site",
    "From",
    "To",
    "Appointments held",
    "No-shows",
    "Late cancellations",
    "New patients",
    "Patients seen",
    "Exercise doses done",
    "Exercise doses due",
    "Plan adherence (%)",
]


def site_figures_csv(*, figures: Figures, user) -> str:
    """The figures as CSV (one row per site, then the group's total), every cell safe to
    open in a spreadsheet; writes an "export" event to the audit trail."""
    out = io.StringIO()
    writer = csv_safe.writer(out)
    writer.writerow(HEADER)
    for row in [*figures.sites, figures.total]:
        writer.writerow(
            [
                row.name,
                figures.start.isoformat(),
                figures.end.isoformat(),
                row.held,
                row.no_shows,
                row.late_cancellations,
                row.new_patients,
                row.patients_seen,
                row.doses_done,
                row.doses_due,
                row.adherence,
            ]
        )
    audit.record(
        "export",
        user=user,
        detail={
            "format": "site-figures-csv",
            "from": figures.start.isoformat(),
            "to": figures.end.isoformat(),
            "sites": len(figures.sites),
        },
    )
    return out.getvalue()
