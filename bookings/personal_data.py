"""What the bookings app holds about a person that no foreign key ties to their record.

A new patient's first-appointment request (bookings/requests) and an urgent pre-screen that
sent someone to A&E or a doctor are stored before there is a patient record, so the generic walk
in patients/privacy.py, which follows foreign keys, misses them. They are found here by the
person's own details, strictly enough never to hand one person's data to another:

* a booking request is theirs when it is linked to the record, or carries the same email
  address and the same date of birth;
* an urgent pre-screen is theirs when it carries the same email address or phone number and
  either gives no name or a name containing their surname.

Erasure blanks the identifying details of those rows and of their history, and keeps what was
asked and the symptoms: the clinic's safety record.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bookings.requests.models import BookingRequest, UrgentScreen


def _booking_requests(patient) -> QuerySet[BookingRequest]:
    mine = Q(patient=patient)
    if patient.email:
        mine |= Q(email__iexact=patient.email, date_of_birth=patient.date_of_birth)
    return BookingRequest.objects.filter(mine)


def _urgent_screens(patient) -> QuerySet[UrgentScreen]:
    contact = Q()
    if patient.email:
        contact |= Q(email__iexact=patient.email)
    if patient.phone:
        contact |= Q(phone=str(patient.phone))
    if not contact:
        return UrgentScreen.objects.none()
    named = Q(name="") | Q(name__icontains=patient.last_name)
    return UrgentScreen.objects.filter(contact & named)


def records(*, patient) -> dict[str, QuerySet]:
    """The rows about the patient, by model label, for the subject-access export."""
    return {
        BookingRequest._meta.label: _booking_requests(patient),
        UrgentScreen._meta.label: _urgent_screens(patient),
    }


def erase(*, patient) -> None:
    """Blank the person's identifying details on those rows and their history. Called before
    the patient's own contact details are erased, while they can still be matched."""
    requests = list(_booking_requests(patient).values_list("pk", flat=True))
    screens = list(_urgent_screens(patient).values_list("pk", flat=True))
    birth_year_start = patient.date_of_birth.replace(month=1, day=1)
    request_blanks = {
        "first_name": "Erased",
        "last_name": str(patient.public_id)[:8],
        "email": "",
        "phone": "",
        "date_of_birth": birth_year_start,
    }
    BookingRequest.objects.filter(pk__in=requests).update(**request_blanks)
    BookingRequest.history.filter(id__in=requests).update(**request_blanks)
    screen_blanks = {"name": "", "email": "", "phone": ""}
    UrgentScreen.objects.filter(pk__in=screens).update(**screen_blanks)
    UrgentScreen.history.filter(id__in=screens).update(**screen_blanks)
