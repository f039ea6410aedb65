"""The feed's iCalendar text, built from appointments already loaded (no query here).

What an event carries is deliberately little, because a phone calendar is not a private
place (it syncs to other services, shows on lock screens, is shared with family): the time,
the place (room, site and its address), the appointment type and the patient's initials.
Never the patient's name, the booking notes or anything clinical.

Every value comes from the rows, none from the clock (DTSTAMP is the row's last change, the
calendar's UID the feed's own), so the same rows give the same bytes and the feed's ETag
changes only when something it shows does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar

from bookings.ical import PRODID, calendar_text, event_uid, one_line
from bookings.places import site_place

#: How often calendar apps are asked to fetch the feed again.
REFRESH = dt.timedelta(hours=1)


@dataclass(frozen=True)
class FeedHeader:
    uid: str  # the feed's own id, so the file carries no random one
    name: str  # what the calendar app calls the subscription
    zone: ZoneInfo
    first: dt.date  # the window the feed covers, for the time zone rules it carries
    last: dt.date


def initials(first_name: str, last_name: str) -> str:
    """Robin Trail -> "R.T."; a part with no letter or digit gives nothing."""
    letters = []
    for part in (first_name, last_name):
        letter = next((char for char in part if char.isalnum()), "")
        if letter:
            letters.append(f"{letter.upper()}.")
    return "".join(letters) or "?"


def _location(appointment) -> str:
    """The room, then the site's name and address (the clinic's address for the default
    site without one)."""
    room = appointment.room.name if appointment.room_id else ""
    return one_line(", ".join(part for part in (room, site_place(appointment.site).line) if part))


def _event(appointment, header: FeedHeader, detail_prefix: str) -> icalendar.Event:
    patient = appointment.patient
    who = initials(patient.first_name, patient.last_name)
    kind = appointment.appointment_type.name
    cancelled = appointment.is_cancelled
    summary = f"{kind} · {who}" + (" (cancelled)" if cancelled else "")
    event = icalendar.Event.new(
        uid=event_uid(appointment),
        sequence=appointment.sequence,
        stamp=appointment.updated_at,
        created=appointment.created_at,
        last_modified=appointment.updated_at,
        start=appointment.start.astimezone(header.zone),
        end=appointment.end.astimezone(header.zone),
        summary=one_line(summary),
        location=_location(appointment) or None,
        description=calendar_text(
            f"Patient: {who}\nStatus: {appointment.get_status_display()}\n"
            "Details are on the clinic site (sign-in needed)."
        ),
        url=f"{detail_prefix}{appointment.public_id}/",
        status="CANCELLED" if cancelled else "CONFIRMED",
        transparency="TRANSPARENT" if cancelled else "OPAQUE",
        classification="PRIVATE",
    )
    return event


def feed_calendar(appointments: Iterable, *, header: FeedHeader, detail_prefix: str) -> bytes:
    """One VEVENT per appointment (cancelled ones with STATUS:CANCELLED so that calendar
    apps take them off), times in the clinic's zone with its VTIMEZONE so they stay right
    on both sides of a daylight-saving change."""
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        uid=header.uid,
        name=one_line(header.name),
        refresh_interval=REFRESH,
        calscale="GREGORIAN",
        method="PUBLISH",
    )
    calendar.add("x-published-ttl", REFRESH)
    calendar.add("x-wr-timezone", header.zone.key)
    for appointment in appointments:
        calendar.add_component(_event(appointment, header, detail_prefix))
    # Whole years, so the rules the file carries change once a year, not daily.
    calendar.add_missing_timezones(
        first_date=dt.date(header.first.year, 1, 1), last_date=dt.date(header.last.year, 12, 31)
    )
    return calendar.to_ical()


def last_changed(appointments: Iterable, *, since: dt.datetime) -> float:
    """When anything an event shows last changed (the appointment, its patient's name, its
    type, room or site), as a timestamp for Last-Modified; `since` is the feed's own start."""
    moments = [since]
    for item in appointments:
        moments += [
            item.updated_at,
            item.patient.updated_at,
            item.appointment_type.updated_at,
            item.site.updated_at,
        ]
        if item.room_id:
            moments.append(item.room.updated_at)
    return max(moments).timestamp()
