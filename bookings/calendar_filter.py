"""The calendars' filter (date, site when several are active, therapist), read and drawn in one
step when every value in the query string is one the form would accept.

`CalendarFilterForm` on every view of a calendar copied its fields, cleaned the date (already
parsed to find the day), built a bound field per control and drew the controls through them:
about a tenth of a week's build, for a form that nearly always holds nothing wrong. Here the
query's values are checked against the lists the form would check them against (the same two
reads: the active sites and the therapists), and the controls are written out as
`grid_tags.calendar_field` draws them. Anything else (a date that does not parse, an unknown
therapist or site) goes through the form, which says what is wrong next to the field.
`tests/bookings/test_calendar_filter.py` compares both drawings.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from dataclasses import dataclass

from django.db import connections, router
from django.http import QueryDict

from bookings import selectors
from bookings.calendar_items import CalendarTherapist
from bookings.forms import CalendarFilterForm
from clinic.models import User
from clinic.rows import run_written, written_statement
from clinic.sites import Site, sites_active

_DATE_FORMAT = CalendarFilterForm.base_fields["date"].widget.format


@dataclass(frozen=True)
class CalendarFilter:
    """What the calendar views and `calendar_nav` read of the filter form: which fields it
    has (`fields`: "site" only with several active sites), each one's markup (`drawn`) and
    the therapists it offers (`therapists`, read once, also the calendar's columns)."""

    drawn: dict[str, str]
    therapists: list

    @property
    def fields(self) -> dict[str, str]:
        return self.drawn


@dataclass(frozen=True)
class Asked:
    """The filter as asked, all valid: the filter, the therapist and site chosen (None: all)."""

    form: CalendarFilter
    therapist: object | None
    site: Site | None


def calendar_filter(
    data: QueryDict, *, day: dt.date, date_valid: bool, sites: list[Site], therapists: list
) -> Asked | None:
    """The filter for the query `data`, or None when a value in it is not one the form would
    accept (the caller then lets the form say so). `day`: the day shown; `date_valid`: whether
    the date asked for, if any, parsed. `sites` and `therapists`: the lists the form offers."""
    if not date_valid:
        return None
    several = len(sites) > 1
    chosen_therapist, therapist = _chosen(
        data.get("therapist"), {str(person.public_id): person for person in therapists}
    )
    if chosen_therapist is None:
        return None
    site, chosen_site = None, ""
    if several:
        chosen_site, site = _chosen(data.get("site"), {str(s.public_id): s for s in sites})
        if chosen_site is None:
            return None
    # The date box: as typed (an empty value too; None, no value at all), or before anything
    # is asked the day shown, as the form's initial value.
    shown = data.get("date") if data else day.strftime(_DATE_FORMAT)
    drawn = {"date": _field("date", "Date", _date_input(shown))}
    if several:
        choices = (("", "All sites"), *((str(s.public_id), s.name) for s in sites))
        drawn["site"] = _field("site", "Site", _select("site", choices, chosen_site))
    choices = (("", "All therapists"), *((str(p.public_id), str(p)) for p in therapists))
    drawn["therapist"] = _field(
        "therapist", "Therapist", _select("therapist", choices, chosen_therapist)
    )
    return Asked(CalendarFilter(drawn, therapists), therapist, site)


def read(data: QueryDict, *, day: dt.date, date_valid: bool) -> tuple[Asked | None, list, list]:
    """`calendar_filter` with the two lists read (two queries, as the form reads them), which
    come back too so that the form, when needed, does not read them again. The therapists
    are plain values (`selectors.therapists_shown`) when the filter is drawn without the form;
    the form takes `User` instances, so a date that does not parse reads those at once, and a
    therapist or site the filter does not know reads them as a third query (a rare page)."""
    if not date_valid:
        return None, sites_active(), selectors.therapists_listed()
    sites, shown = sites_and_therapists()
    found = calendar_filter(data, day=day, date_valid=True, sites=sites, therapists=shown)
    if found is None:
        return None, sites, selectors.therapists_listed()
    return found, sites, shown


def sites_and_therapists() -> tuple[list[Site], list[CalendarTherapist]]:
    """`sites_active()` and `selectors.therapists_shown()`, the same lists, in one statement on
    PostgreSQL (two elsewhere): the active sites' rows, then the therapists', each as its own
    read selects and orders them (`_SITES_AND_THERAPISTS`)."""
    alias = router.db_for_read(Site)
    if connections[alias].vendor != "postgresql" or router.db_for_read(User) != alias:
        return sites_active(), selectors.therapists_shown()
    statement, arguments, site_fields = _sites_and_therapists(alias)
    sites, therapists = [], []
    width = len(site_fields)
    for row in run_written(alias, statement, arguments):
        if row[0] == 0:
            sites.append(Site.from_db(alias, site_fields, row[1 : 1 + width]))
        else:
            pk, first_name, last_name, email, public_ref = row[1 + width :]
            therapists.append(CalendarTherapist(pk, public_ref, first_name, last_name, email))
    return sites, therapists


@functools.cache
def _sites_and_therapists(alias: str):
    """The statement of `sites_and_therapists`, made once per process from the ORM's own SQL
    for both reads (so that it selects and orders exactly as they do): each read as a
    subquery, padded with NULLs to one row shape, one after the other (`part` 0, then 1) and
    each in its own order. The reads' few constants (the therapist role) are written into the
    statement as psycopg2 writes them, as `prepared_list` writes the ORM's own: a plan the
    server keeps can then use the partial index of the active therapists
    (`clinic_user_therapists`), which a role passed as a value would not match."""
    from clinic.sites import _active_sites

    site_query = _active_sites().query.get_compiler(using=alias)
    site_sql, site_params = site_query.as_sql()
    site_fields = [column.target.attname for column, _, _ in site_query.select]
    therapist_query = selectors._therapists_shown().query
    therapist_sql, therapist_params = therapist_query.get_compiler(using=alias).as_sql()
    therapist_columns = ("id", "first_name", "last_name", "email", "public_ref")
    if list(therapist_query.values_select) + list(therapist_query.annotation_select) != list(
        therapist_columns
    ):
        raise ValueError("the therapists' read selects other columns than this statement reads")
    width = len(site_fields)
    sql = (  # the ORM's SQL and column numbers only
        "SELECT 0 AS part, s.*, "  # noqa: S608
        + ", ".join(f"NULL AS t{n}" for n in range(len(therapist_columns)))
        + f" FROM ({site_sql}) s UNION ALL SELECT 1, "
        + ", ".join(["NULL"] * width)
        + f", t.* FROM ({therapist_sql}) t"
        # part, then the site's name (its read's order), then the therapist's names and email
        + f" ORDER BY 1, {2 + site_fields.index('name')}, {width + 3}, {width + 4}, {width + 5}"
    )
    with connections[alias].cursor() as cursor:
        sql = cursor.mogrify(sql, [*site_params, *therapist_params]).decode()
    return written_statement(sql.replace("%", "%%"), ()), [], site_fields


def _chosen(value: str | None, among: dict) -> tuple[str | None, object | None]:
    """The select's chosen value as it draws it, and the object chosen; (None, None) when the
    value is not one of `among`'s keys as written (the form decides what else it means)."""
    if value is None or value == "":
        return "", None
    found = among.get(value)
    return (value, found) if found is not None else (None, None)


def _date_input(value: str | None) -> str:
    shown = "" if value is None else f' value="{html.escape(value)}"'
    return f'<input type="date" name="date"{shown} class="dateinput form-control" id="id_date">'


@functools.lru_cache(maxsize=256)
def _select(name: str, choices: tuple[tuple[str, str], ...], chosen: str) -> str:
    """Django's select.html and select_option.html, written out (the newlines they leave).
    Kept per process under exactly its inputs (every option and the one chosen): the same
    team's picker is drawn on every view; a new or renamed therapist is a new key."""
    options = "".join(
        f'\n  <option value="{html.escape(value)}"{" selected" if value == chosen else ""}>'
        f"{html.escape(label)}</option>\n"
        for value, label in choices
    )
    return f'<select name="{name}" class="select form-select" id="id_{name}">{options}\n</select>'


def _field(name: str, label: str, control: str) -> str:
    """`grid_tags.calendar_field`'s wrapper for a field without errors."""
    return (
        f'<div id="div_id_{name}" class="mb-3">'
        f'<label for="id_{name}" class="form-label">{label}</label>{control}</div>'
    )
