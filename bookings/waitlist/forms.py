"""Forms for the waitlist: reception's entry form and the patient's shorter one."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from bookings import selectors
from bookings.models import Weekday
from bookings.waitlist.matching import PERIODS
from bookings.waitlist.models import WaitlistEntry
from clinic.forms import PlausibleDateField, ShortModelChoiceField, offer_site_choice

PERIOD_LABELS = {
    "morning": "Mornings (before 12:00)",
    "afternoon": "Afternoons (12:00 to 17:00)",
    "evening": "Evenings (from 17:00)",
}
PERIOD_CHOICES = [(key, PERIOD_LABELS[key]) for key in PERIODS]
#: How far ahead an entry may run.
LONGEST_WAIT = dt.timedelta(days=366)


def today_in_clinic() -> dt.date:
    return timezone.now().astimezone(selectors.clinic_zone()).date()


class _EntryFields(forms.Form):
    appointment_type = ShortModelChoiceField(
        label="Appointment type",
        queryset=selectors.appointment_types(),
        to_field_name="public_id",
        empty_label=None,
    )
    days = forms.TypedMultipleChoiceField(
        label="Days that suit",
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if any day suits.",
    )
    periods = forms.MultipleChoiceField(
        label="Times that suit",
        choices=PERIOD_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if any time suits.",
    )
    available_until = PlausibleDateField(
        label="Until",
        required=False,
        earliest=today_in_clinic,
        latest=lambda: today_in_clinic() + LONGEST_WAIT,
        too_early="The last date cannot be in the past.",
        too_late="Enter a date within a year.",
        help_text="Leave empty to wait until a slot comes up.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        cleaned = super().clean()
        first = cleaned.get("available_from") or today_in_clinic()
        last = cleaned.get("available_until")
        if last is not None and last < first:
            self.add_error("available_until", "The last date must be on or after the first.")
        return cleaned


class WaitlistEntryForm(_EntryFields):
    """Reception adds or edits an entry."""

    therapist = ShortModelChoiceField(
        label="Therapist",
        queryset=selectors.therapists(),
        to_field_name="public_id",
        required=False,
        empty_label="Anyone",
    )
    available_from = PlausibleDateField(
        label="From",
        earliest=today_in_clinic,
        latest=lambda: today_in_clinic() + LONGEST_WAIT,
        too_early="The first date cannot be in the past.",
        too_late="Enter a date within a year.",
    )
    urgency = forms.ChoiceField(label="Urgency", choices=WaitlistEntry.Urgency.choices)
    note = forms.CharField(label="Note for the clinic team", max_length=200, required=False)

    field_order = [
        "appointment_type",
        "therapist",
        "days",
        "periods",
        "available_from",
        "available_until",
        "urgency",
        "note",
    ]

    def __init__(
        self, *args, entry: WaitlistEntry | None = None, site: int | None = None, **kwargs
    ):
        if entry is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "appointment_type": entry.appointment_type.public_id,
                "therapist": entry.therapist.public_id if entry.therapist_id else "",
                "days": entry.days,
                "periods": entry.periods,
                "available_from": entry.available_from,
                "available_until": entry.available_until,
                "urgency": entry.urgency,
                "note": entry.note,
            }
        super().__init__(*args, **kwargs)
        offer_site_choice(
            self,
            empty_label="Any site",
            initial=entry.site_id if entry is not None else site,
            keep_inactive=entry is not None,
        )
        self.order_fields(["appointment_type", "therapist", "site"])
        if entry is not None:
            # An entry made some time ago still saves unchanged.
            self.fields["available_from"].keep(entry.available_from)
            self.fields["available_until"].keep(entry.available_until)
        else:
            self.fields["available_from"].initial = today_in_clinic()


class WaitlistFilterForm(forms.Form):
    """The waitlist's site filter: shown when the clinic has more than one site."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_site_choice(self)


class PortalWaitlistForm(_EntryFields):
    """A patient joins the waitlist: the clinic sets urgency and the therapist if needed."""
