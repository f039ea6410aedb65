"""`{% upcoming_for_patient upcoming notice_hours=... clinic_phone=... time_zone=... %}`: the
patient's "Coming up" list (bookings/upcoming_markup.py), with the page's CSRF token for its
cancel forms; dates and times in `time_zone` (the patient's), else in the zone current where
it is drawn."""

from django import template

from bookings.upcoming_markup import upcoming_for_patient_html

register = template.Library()


@register.simple_tag(takes_context=True)
def upcoming_for_patient(context, upcoming, *, notice_hours, clinic_phone="", time_zone=None):
    return upcoming_for_patient_html(
        upcoming or [],
        notice_hours=notice_hours,
        clinic_phone=clinic_phone or "",
        csrf_token=context.get("csrf_token"),
        time_zone=time_zone,
    )
