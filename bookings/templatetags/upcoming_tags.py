"""`{% upcoming_for_patient upcoming notice_hours=... clinic_phone=... %}`: the patient's
"Coming up" list (bookings/upcoming_markup.py), with the page's CSRF token for its cancel
forms. Draw it inside `{% timezone patient.time_zone %}`: its dates and times are in the zone
current there."""

from django import template

from bookings.upcoming_markup import upcoming_for_patient_html

register = template.Library()


@register.simple_tag(takes_context=True)
def upcoming_for_patient(context, upcoming, *, notice_hours, clinic_phone=""):
    return upcoming_for_patient_html(
        upcoming or [],
        notice_hours=notice_hours,
        clinic_phone=clinic_phone or "",
        csrf_token=context.get("csrf_token"),
    )
