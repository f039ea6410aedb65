"""What the requester is told when reception decides: an email, and a text if they agreed.

Sent after the deciding transaction commits, once: a conditional UPDATE of `told_at` claims
the message, so a second call (a retry, a double click) sends nothing. The messages carry the
time, the therapist's name and reception's reason, never clinical detail. Neither waits in
reception's request: the email goes through the queued transactional connection, the text
through the `bookings.text_decision` task on Celery's `default` queue, which retries while the
provider is down (sent from the request instead when the broker cannot be reached, or with
TRANSACTIONAL_SMS_QUEUED off, as in the tests). A failed send is logged and never undoes the
decision; reception can ring the number on the request.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from bookings import emails, selectors
from bookings.places import places_to_name
from bookings.requests.models import BookingRequest
from clinic.mail import transactional_connection
from notifications.conversation import segments
from notifications.sms import sms_backend

logger = logging.getLogger(__name__)

#: The decision text is one part; naming the site must not make it two.
SMS_PARTS = 1
#: Queued by name: the task module sits above this one (bookings/tasks.py).
TEXT_TASK = "bookings.text_decision"

SUBJECTS = {
    BookingRequest.Status.APPROVED: "Your first appointment is booked",
    BookingRequest.Status.DECLINED: "About your appointment request",
}


def queue_decision(booking_request: BookingRequest) -> None:
    pk = booking_request.pk
    transaction.on_commit(lambda: decision_send(request_id=pk))


def _context(booking_request: BookingRequest) -> dict:
    appointment = booking_request.appointment
    zone = ZoneInfo(settings.TIME_ZONE)
    if appointment is not None:
        zone = ZoneInfo(appointment.patient.time_zone or settings.TIME_ZONE)
    return {
        "request": booking_request,
        "approved": booking_request.status == BookingRequest.Status.APPROVED,
        "start": appointment.start.astimezone(zone) if appointment else None,
        "therapist": (appointment.therapist.get_full_name() or "your therapist")
        if appointment
        else "",
        "zone": zone.key,
        "place": places_to_name([appointment.site_id]).get(appointment.site_id)
        if appointment
        else None,
        "clinic_phone": appointment.site.phone_for_patients
        if appointment
        else selectors.clinic_phone(),
        "site_url": settings.SITE_URL,
    }


def _decision_sms(context: dict) -> str:
    """The decision text, naming the site when that keeps it to one part (or it was longer
    than one part already)."""

    def render(**extra) -> str:
        text = render_to_string("bookings/requests/email/decision_sms.txt", context | extra)
        return text.strip()

    without = render(place=None)
    named = render()
    return named if segments(named) <= max(segments(without), SMS_PARTS) else without


def decision_send(*, request_id: int) -> bool:
    """Tell the requester the decision. Returns False when it was told already."""
    claimed = BookingRequest.objects.filter(
        pk=request_id,
        told_at__isnull=True,
        status__in=list(SUBJECTS),
    ).update(told_at=timezone.now())
    if not claimed:
        return False
    booking_request = _request_with_appointment(request_id)
    context = _context(booking_request)
    message = EmailMessage(
        subject=f"{SUBJECTS[booking_request.status]} · {emails.CLINIC_NAME}",
        body=render_to_string("bookings/requests/email/decision.txt", context),
        to=[booking_request.email],
        connection=transactional_connection(),  # queued, as the appointment emails
    )
    if booking_request.appointment is not None:
        message.attach(
            "appointment.ics",
            emails.calendar_file([booking_request.appointment]),
            "text/calendar; method=PUBLISH",
        )
    try:
        message.send()
    except Exception:
        logger.exception("Could not email the decision on booking request %s", request_id)
    if booking_request.sms_consent and booking_request.phone:
        _text_soon(request_id)
    return True


def _request_with_appointment(request_id: int) -> BookingRequest:
    return BookingRequest.objects.select_related(
        "appointment__therapist",
        "appointment__patient",
        "appointment__appointment_type",
        "appointment__site",
    ).get(pk=request_id)


def _text_soon(request_id: int) -> None:
    if settings.TRANSACTIONAL_SMS_QUEUED:
        try:
            current_app.send_task(TEXT_TASK, args=(request_id,), retry=False)
            return
        except Exception as exc:  # kombu and redis-py raise several connection error types
            logger.warning("Could not queue the text for booking request %s: %s", request_id, exc)
    try:
        decision_text(request_id=request_id)
    except Exception:  # any provider failure: the email has gone, the decision stands
        logger.exception("Could not text about booking request %s", request_id)


def decision_text(*, request_id: int) -> None:
    """Text the decision to a requester who agreed to texts. The provider's errors propagate
    (`notifications.channels`), for the task to retry the ones worth retrying."""
    booking_request = _request_with_appointment(request_id)
    if not (booking_request.sms_consent and booking_request.phone):
        return
    body = _decision_sms(_context(booking_request))
    sms_backend().send(to=str(booking_request.phone), body=body)
