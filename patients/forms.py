"""Forms for patients and their episodes. Validation messages appear next to the field."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from clinic.validators import time_zone_choices
from patients.models import Episode, Patient


class DateInput(forms.DateInput):
    input_type = "date"


class PatientForm(forms.ModelForm):
    """Register or edit a patient. Reused by bookings to register a patient from a booking."""

    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        help_text="Where the patient lives: reminders and appointment times follow this clock.",
    )

    class Meta:
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "email",
            "phone",
            "preferred_contact",
            "time_zone",
            "runner_level",
            "weekly_km",
            "main_terrain",
            "goal_event",
            "goal_date",
            "email_reminders_consent",
        ]
        labels = {
            "date_of_birth": "Date of birth",
            "phone": "Phone number",
            "preferred_contact": "Preferred way to contact them",
            "runner_level": "Running level",
            "weekly_km": "Running per week (km)",
            "main_terrain": "Usual running surface",
            "goal_event": "Goal event",
            "goal_date": "Date of the goal event",
            "email_reminders_consent": "Agrees to exercise reminders by email",
        }
        help_texts = {
            "phone": "Any common format; a UK number may start with 0. Stored internationally.",
        }
        widgets = {"date_of_birth": DateInput(), "goal_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("time_zone", self.fields["time_zone"].initial)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born and born > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        return born

    def clean(self):
        cleaned = super().clean()
        channel = cleaned.get("preferred_contact")
        if channel == Patient.ContactChannel.EMAIL and not cleaned.get("email"):
            self.add_error("email", "An email address is needed to contact them by email.")
        if channel in (Patient.ContactChannel.PHONE, Patient.ContactChannel.SMS) and not (
            cleaned.get("phone") or self.errors.get("phone")
        ):
            self.add_error("phone", "A phone number is needed for calls or text messages.")
        if cleaned.get("email_reminders_consent") and not cleaned.get("email"):
            self.add_error("email", "Email reminders need an email address.")
        return cleaned


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Search by name, email or phone", required=False, max_length=100, strip=True
    )
    archived = forms.BooleanField(label="Include archived patients", required=False)


class EpisodeForm(forms.ModelForm):
    class Meta:
        model = Episode
        fields = ["side", "started_on"]
        labels = {"side": "Side affected", "started_on": "Symptoms began on"}
        widgets = {"started_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_started_on(self):
        started = self.cleaned_data["started_on"]
        if started and started > timezone.localdate():
            raise forms.ValidationError("The start date cannot be in the future.")
        return started


class EpisodeDischargeForm(forms.Form):
    discharged_on = forms.DateField(label="Discharged on", widget=DateInput())
    outcome = forms.ChoiceField(label="Outcome", choices=Episode.Outcome.choices)
    outcome_note = forms.CharField(
        label="Note on the outcome", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode
        self.initial.setdefault("discharged_on", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_discharged_on(self):
        day = self.cleaned_data["discharged_on"]
        if day < self.episode.started_on:
            raise forms.ValidationError("Discharge cannot come before the episode started.")
        if day > timezone.localdate():
            raise forms.ValidationError("The discharge date cannot be in the future.")
        return day
