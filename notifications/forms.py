from __future__ import annotations

import calendar

from django import forms

from clinic.forms import PlausibleDateField, TimeZoneField
from clinic.widgets import DateInput, TimeInput
from notifications.consent import PORTAL_SMS_AGREEMENT
from notifications.models import ContactConsent, ReminderSchedule

WEEKDAY_CHOICES = [(str(day), calendar.day_name[day]) for day in range(7)]


class ReminderScheduleForm(forms.Form):
    enabled = forms.BooleanField(
        required=False,
        label="Send me these reminders",
        help_text="Untick to stop them; you can turn them back on here at any time.",
    )
    time_1 = forms.TimeField(label="Reminder time", widget=TimeInput())
    time_2 = forms.TimeField(label="Second time (optional)", required=False, widget=TimeInput())
    time_3 = forms.TimeField(label="Third time (optional)", required=False, widget=TimeInput())
    weekdays = forms.MultipleChoiceField(
        label="On these days",
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one day."},
    )
    channel = forms.ChoiceField(
        label="Send them by",
        choices=ReminderSchedule.Channel.choices,
        widget=forms.RadioSelect,
        help_text=PORTAL_SMS_AGREEMENT,
    )
    time_zone = TimeZoneField(
        label="Your time zone",
        help_text="Reminders follow the clock where you are. Type a city to find its zone.",
    )
    quiet_start = forms.TimeField(
        label="Quiet hours start (optional)", required=False, widget=TimeInput()
    )
    quiet_end = forms.TimeField(
        label="Quiet hours end (optional)",
        required=False,
        widget=TimeInput(),
        help_text="A reminder due in your quiet hours waits until they end.",
    )
    paused_until = PlausibleDateField(
        label="Pause until (optional)",
        required=False,
        widget=DateInput(),
        help_text="No reminders up to and including this day.",
    )

    def __init__(self, *args, patient=None, **kwargs):
        self.patient = patient
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].keep(self.initial.get("time_zone"))

    @classmethod
    def initial_for(cls, schedule: ReminderSchedule) -> dict:
        times = [*schedule.local_times, None, None, None]
        return {
            "enabled": schedule.unsubscribed_at is None,
            "time_1": times[0],
            "time_2": times[1],
            "time_3": times[2],
            "weekdays": [str(day) for day in schedule.weekday_numbers],
            "channel": schedule.channel,
            "time_zone": schedule.time_zone,
            "quiet_start": schedule.quiet_start,
            "quiet_end": schedule.quiet_end,
            "paused_until": schedule.paused_until,
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            self.add_error(
                "quiet_end" if end is None else "quiet_start",
                "Give both the start and the end of your quiet hours, or neither.",
            )
        elif start is not None and start == end:
            self.add_error("quiet_end", "Quiet hours must end at a different time.")
        if (
            data.get("channel") == ReminderSchedule.Channel.SMS
            and self.patient is not None
            and not self.patient.phone
        ):
            self.add_error(
                "channel", "We have no mobile number for you: ask the clinic to add one."
            )
        if (
            data.get("channel") == ReminderSchedule.Channel.EMAIL
            and self.patient is not None
            and not self.patient.email
        ):
            self.add_error(
                "channel", "We have no email address for you: ask the clinic to add one."
            )
        return data

    @property
    def times(self):
        return [
            self.cleaned_data[name]
            for name in ("time_1", "time_2", "time_3")
            if self.cleaned_data.get(name) is not None
        ]


class SmsConsentForm(forms.Form):
    """Reception records a patient's answer about text messages, and how they gave it."""

    given = forms.TypedChoiceField(
        label="Text messages",
        choices=[("yes", "Agrees to texts"), ("no", "Does not want texts")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    how = forms.ChoiceField(
        label="How the patient told us",
        choices=[
            (ContactConsent.How.IN_PERSON, "In person"),
            (ContactConsent.How.PHONE, "By phone"),
            (ContactConsent.How.WRITTEN, "In writing"),
        ],
    )


class SmsReplyForm(forms.Form):
    """Reception's text back to a patient, from the texts queue."""

    body = forms.CharField(
        label="Your reply",
        min_length=1,
        max_length=600,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 600}),
        help_text=(
            "Plain words, up to 600 characters. A text part holds 160 characters (70 with "
            "emoji or unusual letters); longer replies go in several parts."
        ),
        error_messages={
            "required": "Write the reply first.",
            "max_length": "Keep it to 600 characters (you wrote %(show_value)d).",
        },
    )
