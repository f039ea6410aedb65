"""The manager's figures per site (issue 19): reads only.

`site_figures(start, end)` is the one function that computes them, so it can be routed to a
read replica later without touching the views. It asks the database three questions whatever
the number of sites or rows: the active sites with each figure as a correlated subquery, then
the group's patients seen and its plan adherence (a patient seen at two sites counts once in
the group, so those two are not sums of the sites).

What counts, by the appointment's start on the site's own calendar (its time zone):

* held: appointments marked arrived or completed;
* no-shows: appointments marked did not attend;
* late cancellations: appointments cancelled inside the notice window (`late_cancellation`),
  counted at the appointment's site and on the day it was due, not the day it was cancelled;
* new patients: patients whose first held appointment ever falls in the period, counted at
  the site of that appointment only;
* plan adherence: for the patients with a held appointment at the site in the period, the
  exercise doses logged as done against those due (the exercises app's weekly totals,
  `PlanWeek`), over plan weeks that start and end inside the period and are already over.
  Weeks in which a patient logged nothing have no weekly total and are not counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.models import Appointment
from clinic.sites import Site
from exercises.models import PlanWeek

HELD = (Appointment.Status.ARRIVED, Appointment.Status.COMPLETED)
#: The longest period the page accepts (about two years), so one request stays cheap.
MAX_PERIOD = dt.timedelta(days=731)


@dataclass(frozen=True)
class SiteFigures:
    name: str
    held: int
    no_shows: int
    late_cancellations: int
    new_patients: int
    patients_seen: int
    doses_done: int
    doses_due: int

    @property
    def adherence(self) -> int | None:
        """Plan adherence as a whole percentage; None when no dose was due."""
        return round(100 * self.doses_done / self.doses_due) if self.doses_due else None


@dataclass(frozen=True)
class Figures:
    start: dt.date
    end: dt.date  # inclusive
    sites: list[SiteFigures]
    total: SiteFigures


class _LocalDay(Func):
    """The calendar day of a UTC moment in an IANA zone named by a column: PostgreSQL's
    `timezone(zone, moment)::date`; on SQLite (`make run`) the function Django registers
    there for `TruncDate` with a zone."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="(timezone(%(expressions)s))::date", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        zone, moment = self.get_source_expressions()
        swapped = self.copy()
        swapped.set_source_expressions([moment, zone])
        return Func.as_sql(
            swapped,
            compiler,
            connection,
            template="django_datetime_cast_date(%(expressions)s, 'UTC')",
            **extra_context,
        )


def _local_day(zone, moment="start") -> _LocalDay:
    """The calendar day of `moment` in `zone` (an IANA name column or reference)."""
    return _LocalDay(zone, F(moment))


def _in_period(queryset: QuerySet, *, zone, start: dt.date, end: dt.date) -> QuerySet:
    """Appointments starting on a day of [start, end] in `zone`. The coarse UTC bounds (a day
    wider each side than any zone's offset) let PostgreSQL use the index on `start` first."""
    coarse_start = dt.datetime.combine(start - dt.timedelta(days=1), dt.time.min, dt.UTC)
    coarse_end = dt.datetime.combine(end + dt.timedelta(days=2), dt.time.min, dt.UTC)
    return (
        queryset.filter(start__gte=coarse_start, start__lt=coarse_end)
        .alias(local_day=_local_day(zone))
        .filter(local_day__gte=start, local_day__lte=end)
    )


def _count(queryset: QuerySet, column: str = "id", *, distinct: bool = False) -> Subquery:
    extra = {"template": "%(function)s(DISTINCT %(expressions)s)"} if distinct else {}
    counted = Func(F(column), function="COUNT", output_field=IntegerField(), **extra)
    return Subquery(queryset.order_by().annotate(n=counted).values("n"))


def _sum(queryset: QuerySet, column: str) -> Coalesce:
    total = Func(F(column), function="SUM", output_field=IntegerField())
    return Coalesce(
        Subquery(queryset.order_by().annotate(n=total).values("n")), 0, output_field=IntegerField()
    )


def _weeks(start: dt.date, end: dt.date, today: dt.date) -> QuerySet:
    """Plan weeks that start and end inside [start, end] and were over before today."""
    last_start = min(end - dt.timedelta(days=6), today - dt.timedelta(days=7))
    return PlanWeek.objects.filter(week_start__gte=start, week_start__lte=last_start)


def site_figures(start: dt.date, end: dt.date) -> Figures:
    """Each active site's figures for the days start..end (inclusive, each site's calendar),
    and the group's total. Three queries, whatever the number of sites or rows."""
    today = timezone.localdate()
    at_site = Appointment.objects.filter(site_id=OuterRef("pk"))
    in_period = _in_period(at_site, zone=OuterRef("time_zone"), start=start, end=end)
    held = in_period.filter(status__in=HELD)
    earlier_held = Appointment.objects.filter(
        patient_id=OuterRef("patient_id"), status__in=HELD
    ).filter(Q(start__lt=OuterRef("start")) | Q(start=OuterRef("start"), id__lt=OuterRef("id")))
    seen_here = _in_period(
        Appointment.objects.filter(
            site_id=OuterRef(OuterRef("pk")),
            patient_id=OuterRef("plan__patient_id"),
            status__in=HELD,
        ),
        zone=OuterRef(OuterRef("time_zone")),
        start=start,
        end=end,
    )
    weeks = _weeks(start, end, today).filter(Exists(seen_here))
    rows = (
        Site.objects.active()
        .order_by("name", "id")
        .annotate(
            held=_count(held),
            no_shows=_count(in_period.filter(status=Appointment.Status.NO_SHOW)),
            late_cancellations=_count(
                in_period.filter(status=Appointment.Status.CANCELLED, late_cancellation=True)
            ),
            new_patients=_count(held.filter(~Exists(earlier_held))),
            patients_seen=_count(held, "patient_id", distinct=True),
            doses_done=_sum(weeks, "doses_done"),
            doses_due=_sum(weeks, "doses_due"),
        )
        .values_list(
            "name",
            "held",
            "no_shows",
            "late_cancellations",
            "new_patients",
            "patients_seen",
            "doses_done",
            "doses_due",
        )
    )
    sites = [SiteFigures(*row) for row in rows]

    held_anywhere = _in_period(
        Appointment.objects.filter(site__is_active=True, status__in=HELD),
        zone=F("site__time_zone"),
        start=start,
        end=end,
    )
    seen = held_anywhere.order_by().values("patient_id").distinct().count()
    seen_anywhere = _in_period(
        Appointment.objects.filter(
            site__is_active=True, patient_id=OuterRef("plan__patient_id"), status__in=HELD
        ),
        zone=F("site__time_zone"),
        start=start,
        end=end,
    )
    doses = (
        _weeks(start, end, today)
        .filter(Exists(seen_anywhere))
        .aggregate(done=Coalesce(Sum("doses_done"), 0), due=Coalesce(Sum("doses_due"), 0))
    )
    total = SiteFigures(
        name="All sites",
        held=sum(site.held for site in sites),
        no_shows=sum(site.no_shows for site in sites),
        late_cancellations=sum(site.late_cancellations for site in sites),
        new_patients=sum(site.new_patients for site in sites),
        patients_seen=seen,
        doses_done=doses["done"],
        doses_due=doses["due"],
    )
    return Figures(start=start, end=end, sites=sites, total=total)
