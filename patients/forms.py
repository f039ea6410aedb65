"""Forms for patients and their episodes. Validation messages appear next to the field."""

from __future__ import annotations

import html

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.safestring import SafeString

from clinic.forms import (
    PlausibleDateField,
    TimeZoneField,
    days_from_today,
    offer_site_choice,
    today,
)
from patients.models import EARLIEST_BIRTH, Episode, Patient

#: How far back the symptoms of one episode may have begun.
EPISODE_LOOKBACK_DAYS = 30 * 365


class PatientForm(forms.ModelForm):
    """Register or edit a patient. Reused by bookings to register a patient from a booking."""

    date_of_birth = PlausibleDateField(
        label="Date of birth",
        earliest=EARLIEST_BIRTH,
        latest=today,
        too_early="The date of birth cannot be before %(date)s.",
        too_late="The date of birth cannot be in the future.",
    )
    goal_date = PlausibleDateField(
        label="Date of the goal event",
        required=False,
        earliest=days_from_today(-366),
        latest=days_from_today(5 * 366),
        too_early="The goal event cannot be more than a year ago (before %(date)s).",
        too_late="The goal event cannot be more than five years ahead (after %(date)s).",
    )
    time_zone = TimeZoneField(
        label="Time zone",
        help_text="Where the patient lives: reminders and appointment times follow this "
        "clock. Type a city to find its zone.",
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
            "phone": "Phone number",
            "preferred_contact": "Preferred way to contact them",
            "runner_level": "Running level",
            "weekly_km": "Running per week (km)",
            "main_terrain": "Usual running surface",
            "goal_event": "Goal event",
            "email_reminders_consent": "Agrees to exercise reminders by email",
        }
        help_texts = {
            "phone": "Any common format; a UK number may start with 0. Stored internationally.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A goal event that has since gone by, or a zone alias saved before the list of
            # zones existed, must not stop the record being saved unchanged.
            self.fields["goal_date"].keep(self.instance.goal_date)
            self.fields["time_zone"].keep(self.instance.time_zone)
        offer_site_choice(
            self,
            name="preferred_site",
            label="Preferred site",
            empty_label="Any site",
            help_text="Chosen first when booking for them, and in their online booking.",
            initial=self.instance.preferred_site_id,
            keep_inactive=True,
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

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

    @classmethod
    def read(cls, data) -> PlainSearch | None:
        """What the bound form gives for `data` (a request's GET) when it is valid (or unbound:
        the same empty query), without building the form: its fields are copied and cleaned on
        every view of the list. The fields' own widgets and `clean` read the values, so the
        query and the box are the form's; None when the query is invalid (too long, a null
        character), where the view builds the form to show its errors."""
        text, box = cls.base_fields["q"], cls.base_fields["archived"]
        raw = text.widget.value_from_datadict(data, None, "q")
        try:
            query = text.clean(raw)
        except forms.ValidationError:
            return None
        archived = box.widget.value_from_datadict(data, None, "archived")
        return PlainSearch(query, archived, raw, text=text, box=box)


class PlainSearch:
    """A valid search form's values, and its two fields as `search_field` draws them (no
    errors): `q` and `archived` are the drawn fields, so the template reads it as the form."""

    def __init__(self, query: str, archived: bool, raw, *, text, box):
        """`text` and `box`: the form's two fields, whose labels and length are drawn."""
        self.query, self.include_archived = query, bool(archived)
        value = "" if raw is None or raw == "" else f' value="{html.escape(str(raw))}"'
        self.q = SafeString(  # nosec B703 B308 (the value and label escaped)
            '<div id="div_id_q" class="mb-3"><label for="id_q" class="form-label">'
            f"{html.escape(str(text.label))}</label>"
            f'<input type="text" name="q"{value} maxlength="{int(text.max_length)}"'
            ' class="textinput form-control" id="id_q"></div>'
        )
        checked = " checked" if self.include_archived else ""
        self.archived = SafeString(  # nosec B703 B308 (the label escaped)
            '<div class="mb-3"><div id="div_id_archived" class="form-check">'
            '<input type="checkbox" name="archived" class="checkboxinput form-check-input"'
            f' id="id_archived"{checked}><label for="id_archived" class="form-check-label">'
            f"{html.escape(str(box.label))}</label></div></div>"
        )

    def __getitem__(self, name: str) -> SafeString:
        """A field, drawn, by name, as a form gives its bound fields (`form["q"]`)."""
        return {"q": self.q, "archived": self.archived}[name]


class EpisodeForm(forms.ModelForm):
    started_on = PlausibleDateField(
        label="Symptoms began on",
        earliest=days_from_today(-EPISODE_LOOKBACK_DAYS),
        latest=today,
        too_early="Enter when this episode began: not more than 30 years ago (before %(date)s).",
        too_late="The start date cannot be in the future.",
    )

    class Meta:
        model = Episode
        fields = ["side", "started_on"]
        labels = {"side": "Side affected"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class EpisodeDischargeForm(forms.Form):
    discharged_on = PlausibleDateField(
        label="Discharged on",
        latest=today,
        too_late="The discharge date cannot be in the future.",
    )
    outcome = forms.ChoiceField(label="Outcome", choices=Episode.Outcome.choices)
    outcome_note = forms.CharField(
        label="Note on the outcome", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode
        self.initial.setdefault("discharged_on", today())
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_discharged_on(self):
        day = self.cleaned_data["discharged_on"]
        if day < self.episode.started_on:
            raise forms.ValidationError("Discharge cannot come before the episode started.")
        return day
