"""Forms: the public request (contact details, then the pre-screen) and reception's decisions."""

from __future__ import annotations

from django import forms
from phonenumber_field.formfields import PhoneNumberField

from bookings.models import Weekday
from bookings.requests import screen
from bookings.waitlist.forms import PERIOD_CHOICES
from clinic.forms import PlausibleDateField, today
from patients.models import EARLIEST_BIRTH

#: The honeypot: a field people never see (hidden from sight and from screen readers) and
#: form-filling robots do. Named to tempt them.
HONEYPOT = "website"
SCREEN_PREFIX = "screen_"
NEW_PATIENT = "new"


class BookingRequestForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    date_of_birth = PlausibleDateField(
        label="Date of birth",
        earliest=EARLIEST_BIRTH,
        latest=today,
        too_early="The date of birth cannot be before %(date)s.",
        too_late="The date of birth cannot be in the future.",
    )
    email = forms.EmailField(label="Email address", max_length=254)
    phone = PhoneNumberField(
        label="Mobile number",
        help_text="A UK mobile may start with 07.",
    )
    sms_consent = forms.BooleanField(
        label="You may text me about this request",
        required=False,
    )
    days = forms.TypedMultipleChoiceField(
        label="Days that suit you",
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if any day suits.",
    )
    periods = forms.MultipleChoiceField(
        label="Times that suit you",
        choices=PERIOD_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if any time suits.",
    )
    reason = forms.CharField(
        label="What would you like help with?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A sentence or two is plenty (up to 300 characters).",
    )
    website = forms.CharField(required=False, max_length=200, label="Leave this empty")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in screen.QUESTIONS:
            self.fields[SCREEN_PREFIX + question.code] = forms.ChoiceField(
                label=question.label,
                choices=[(screen.YES, "Yes"), (screen.NO, "No")],
                widget=forms.RadioSelect,
                error_messages={"required": "Please answer yes or no."},
            )

    def contact_fields(self):
        return [self[name] for name in self.fields if name != HONEYPOT and not self._screen(name)]

    def screen_fields(self):
        return [self[name] for name in self.fields if self._screen(name)]

    @staticmethod
    def _screen(name: str) -> bool:
        return name.startswith(SCREEN_PREFIX)

    def screen_answers(self) -> dict[str, str]:
        """The pre-screen answers that are valid, whatever the rest of the form says: an
        urgent answer must be acted on even when the contact details are wrong."""
        self.is_valid()
        return {
            question.code: self.cleaned_data[SCREEN_PREFIX + question.code]
            for question in screen.QUESTIONS
            if SCREEN_PREFIX + question.code in self.cleaned_data
        }

    def valid_contact(self) -> dict:
        """Whichever of name, email and phone are valid (for an urgent attempt's record)."""
        self.is_valid()
        data = self.cleaned_data
        name = f"{data.get('first_name', '')} {data.get('last_name', '')}".strip()
        phone = data.get("phone")
        return {"name": name, "email": data.get("email", ""), "phone": phone or ""}

    def request_fields(self) -> dict:
        data = self.cleaned_data
        names = ("first_name", "last_name", "date_of_birth", "email", "phone", "sms_consent")
        return {name: data[name] for name in names} | {
            "days": sorted(data["days"]),
            "periods": [key for key, _label in PERIOD_CHOICES if key in data["periods"]],
            "reason": data["reason"],
        }


class ApproveForm(forms.Form):
    """Reception's approval: a free slot, and which patient record (when one may match)."""

    slot = forms.ChoiceField(
        label="Appointment", widget=forms.RadioSelect, error_messages={"required": "Pick a slot."}
    )
    patient = forms.ChoiceField(
        label="Patient record",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the existing record or a new one."},
    )

    def __init__(self, *args, slots: list[tuple[str, str]], matches: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slots
        choices = [
            (str(patient.public_id), f"{patient.full_name}, born {patient.date_of_birth:%d %b %Y}")
            for patient in matches
        ]
        self.fields["patient"].choices = [*choices, (NEW_PATIENT, "Register a new patient")]
        if not matches:
            self.fields["patient"].initial = NEW_PATIENT  # with a match, reception must choose


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Reason (the requester reads this)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give a reason."},
    )
