"""Appointment emails: confirmation (with an .ics file), change and cancellation.

They go out after the booking transaction commits, so a rolled-back booking never mails
anyone, and through Celery's `default` queue like account emails (clinic/mail.py): the page
answers without waiting for the mail server, a mail server hiccup is retried by the worker, and
with the broker down the message is sent from this process instead. They carry times and the
therapist's name only: no clinical detail, because email is not a private channel. A failed
send is logged and never undoes the booking.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from bookings import selectors
from bookings.ical import PRODID, calendar_text, event_uid, one_line
from bookings.models import Appointment
from bookings.places import places_to_name, site_place
from clinic.mail import transactional_connection

logger = logging.getLogger(__name__)

CLINIC_NAME = "Apex Clinic"


class Kind(models.TextChoices):
    CONFIRMATION = "confirmation", "Your appointment is booked"
    CHANGED = "changed", "Your appointment has changed"
    CANCELLED = "cancelled", "Your appointment is cancelled"


def calendar_file(appointments: list[Appointment]) -> bytes:
    """An iCalendar file with one event per appointment. Cancelled ones carry METHOD:CANCEL,
    and the UID and SEQUENCE let calendar apps update the event they already hold."""
    cancelled = all(item.is_cancelled for item in appointments)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    for appointment in appointments:
        event = icalendar.Event()
        event.add("uid", event_uid(appointment))
        event.add("sequence", appointment.sequence)
        event.add("dtstamp", timezone.now())
        event.add("dtstart", appointment.start)
        event.add("dtend", appointment.end)
        event.add("summary", f"{CLINIC_NAME} appointment")
        event.add("location", one_line(site_place(appointment.site).line))
        therapist = appointment.therapist.get_full_name() or "your therapist"
        event.add("description", calendar_text(f"With {therapist}."))
        event.add("status", "CANCELLED" if appointment.is_cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()


def build_message(appointments: list[Appointment], kind: str) -> EmailMessage | None:
    patient = appointments[0].patient
    if not patient.email:
        return None
    zone = ZoneInfo(patient.time_zone or settings.TIME_ZONE)
    places = places_to_name(item.site_id for item in appointments)
    rows = [
        {
            "start": item.start.astimezone(zone),
            "end": item.end.astimezone(zone),
            "therapist": item.therapist.get_full_name() or "your therapist",
            "place": places.get(item.site_id),
        }
        for item in appointments
    ]
    body = render_to_string(
        "bookings/email/appointment.txt",
        {
            "kind": kind,
            "patient": patient,
            "rows": rows,
            "zone": zone.key,
            "site_url": settings.SITE_URL,
            # A series is at one site: its number (read with the appointments).
            "clinic_phone": appointments[0].site.phone_for_patients,
            "notice_hours": int(selectors.cancel_notice() / dt.timedelta(hours=1)),
        },
    )
    message = EmailMessage(
        subject=f"{Kind(kind).label} · {CLINIC_NAME}",
        body=body,
        to=[patient.email],
        connection=transactional_connection(),
    )
    method = "CANCEL" if kind == Kind.CANCELLED else "PUBLISH"
    message.attach(
        "appointment.ics", calendar_file(appointments), f"text/calendar; method={method}"
    )
    return message


def send(*, appointment_ids: list[int], kind: str) -> int:
    """Send one email about these appointments (all for the same patient). Returns 0 or 1."""
    appointments = list(
        Appointment.objects.filter(pk__in=appointment_ids)
        .select_related("patient", "therapist", "site")
        .order_by("start")
    )
    if not appointments:
        return 0
    message = build_message(appointments, kind)
    if message is None:
        return 0
    try:
        return message.send()
    except Exception:
        logger.exception("Could not send the %s email for appointments %s", kind, appointment_ids)
        return 0


def queue(appointments: list[Appointment], kind: str) -> None:
    ids = [item.pk for item in appointments]
    transaction.on_commit(lambda: send(appointment_ids=ids, kind=kind))
