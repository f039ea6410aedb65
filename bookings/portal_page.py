"""The portal's "My appointments" page read with its patient's row, in one statement.

The page drew on eight statements a view: the user, the patient, the upcoming appointments, the
number of past ones, the page of them, the sites, the red-flag notice and the audit insert.
The upcoming and past reads were six-table `select_related` joins the server parsed and
planned on every view. `portal_page_reads` gives the same rows as columns of the patient's
row (portal/pages/appointments.py makes the statement, prepared once per connection by
clinic/rows.py): the appointments as JSON objects of only what the page draws, the number of
past ones, and whether the clinic has more than one active site (the places the page names).
PostgreSQL only; on SQLite (`make run`) the page reads with `bookings.selectors` as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db import NotSupportedError, router
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from bookings.models import Appointment
from bookings.places import Place, site_place
from clinic.json_rows import RowsArray, instances, rows_array
from clinic.sites import Site


def _upcoming(*, patient_id, now: dt.datetime, earliest: dt.datetime):
    """`selectors.appointments_upcoming_for_patient`'s rows. `earliest` is `now` less
    MAX_APPOINTMENT_LENGTH: no appointment lasts longer (a check constraint), so one ending
    after `now` starts after `earliest`, and the server reads the patient's (patient, start)
    index from there rather than every appointment they ever had."""
    return (
        Appointment.objects.filter(patient_id=patient_id, end__gt=now, start__gt=earliest)
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("start", "id")
    )


def _past(*, patient_id, now: dt.datetime):
    """`selectors.appointments_past_for_patient`'s rows. One that ended by `now` started
    before it (`end > start`, a check constraint): said in the query, the server reads the
    (patient, start) index up to `now` only."""
    return Appointment.objects.filter(patient_id=patient_id, end__lte=now, start__lt=now).order_by(
        "-start", "-id"
    )


def _fields(names: set[str]) -> list[str]:
    """The attribute names of these fields of an appointment, in the model's order."""
    return [field.attname for field in Appointment._meta.concrete_fields if field.name in names]


#: What the page draws of a site: its name and address (the place, with several sites),
#: whether it is active (`bookings.places.places_to_name`) and what the late notice's number
#: stands on (`Site.phone_for_patients`).
_SITE = ["name", "address", "phone", "is_active", "is_default"]
#: What it draws of an upcoming appointment (bookings/upcoming_markup.py: the time and length,
#: the therapist's name, the place, the Move and Cancel buttons or the number to ring); the
#: other fields are deferred.
UPCOMING_ROWS = {
    "fields": _fields(
        {"id", "public_id", "therapist", "appointment_type", "site", "start", "end", "status"}
    ),
    "related": {
        "therapist": ["first_name", "last_name"],
        "appointment_type": ["bookable_online"],
        "site": _SITE,
    },
}
#: And of a past one: the time, the therapist's name, the place and the status.
PAST_ROWS = {
    "fields": _fields({"id", "therapist", "site", "start", "end", "status"}),
    "related": {"therapist": ["first_name", "last_name"], "site": _SITE},
}


class RowsPage(RowsArray):
    """`RowsArray` of one page of the subquery's rows: `LIMIT` the page's size and `OFFSET`
    an expression, a value the caller passes, so that one prepared statement serves every
    page (the ORM's slicing writes both into the SQL as numbers). PostgreSQL only."""

    def __init__(self, queryset, *, offset, size: int, **kwargs):
        super().__init__(queryset, **kwargs)
        self.offset = offset
        self.size = int(size)

    def get_source_expressions(self):
        return [self.query, self.offset]

    def set_source_expressions(self, exprs):
        self.query, self.offset = exprs

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("RowsPage is for PostgreSQL")

    def as_postgresql(self, compiler, connection, **extra_context):
        offset_sql, offset_params = compiler.compile(self.offset)
        template = (
            f"array_to_json(ARRAY(%(subquery)s LIMIT {self.size}"
            f" OFFSET {offset_sql.replace('%', '%%')}))"
        )
        sql, params = Subquery.as_sql(self, compiler, connection, template, **extra_context)
        return sql, (*params, *offset_params)


def portal_page_reads(
    *, now: dt.datetime, earliest: dt.datetime, offset: int, page_size: int
) -> dict:
    """The columns the page adds to its patient's row: the upcoming appointments, the number
    of past ones and `page_size` of them from `offset` (newest first), and up to two active
    sites' ids (`places_to_name` names places once there are two). `earliest` is `now` less
    MAX_APPOINTMENT_LENGTH, passed in (the statement takes values, not sums of them)."""
    patient_id = OuterRef("pk")
    past = _past(patient_id=patient_id, now=now)
    counted = past.order_by().values("patient_id").annotate(n=Count("id")).values("n")
    page = rows_array(past, **PAST_ROWS)
    return {
        "bookings.page_upcoming": rows_array(
            _upcoming(patient_id=patient_id, now=now, earliest=earliest), **UPCOMING_ROWS
        ),
        "bookings.page_past_count": Coalesce(Subquery(counted), 0),
        "bookings.page_past": RowsPage(page.query, offset=Value(offset), size=page_size),
        "bookings.active_sites": ArraySubquery(
            Site.objects.filter(is_active=True).order_by("pk").values("pk")[:2]
        ),
    }


@dataclass(frozen=True)
class PortalPage:
    """A `portal_page_reads` row as the page uses it."""

    upcoming: list[Appointment]
    past: list[Appointment]  # the page asked for
    past_count: int
    places: dict[int, Place]  # by site id, as `places_to_name` gives them


def portal_page_rows(row: dict) -> PortalPage:
    """The appointments of a `portal_page_reads` row (instances with their therapist, type
    and site attached, the fields not drawn deferred) and the places the page names:
    `places_to_name`'s answer for these appointments, from the sites read with them."""
    alias = router.db_for_read(Appointment)
    upcoming = instances(Appointment, alias, row["bookings.page_upcoming"], **UPCOMING_ROWS)
    past = instances(Appointment, alias, row["bookings.page_past"], **PAST_ROWS)
    return PortalPage(
        upcoming=upcoming,
        past=past,
        past_count=row["bookings.page_past_count"],
        places=places_of([item.site for item in (*upcoming, *past)], row["bookings.active_sites"]),
    )


def places_of(sites: list[Site], active_ids: list[int]) -> dict[int, Place]:
    """`places_to_name` for appointments at `sites`, given (at least two of) the active
    sites' ids: none in a clinic with one active site where every one of `sites` is active,
    else every one of them."""
    if len(active_ids) <= 1 and all(site.is_active for site in sites):
        return {}
    return {site.pk: site_place(site) for site in sites}
