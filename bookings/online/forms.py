"""Forms for online booking: choosing what to see, and the slot a patient confirms."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from bookings import selectors as booking_selectors
from bookings.models import AppointmentType
from bookings.online import rules, selectors
from clinic.forms import ShortModelChoiceField
from clinic.models import User
from clinic.sites import Site

ANYONE = "any"
#: Slot times travel in links as UTC, minute precision: 2026-03-29T09:00Z.
START_FORMAT = "%Y-%m-%dT%H:%MZ"
#: A start further from now than this is not from any list we drew; refused as the form's.
PLAUSIBLE = dt.timedelta(days=400)


def format_start(start: dt.datetime) -> str:
    return start.astimezone(dt.UTC).strftime(START_FORMAT)


class StartField(forms.Field):
    """An aware start time as the slot list writes it."""

    default_error_messages = {
        "invalid": "That time is not one we offered. Choose one from the list."
    }

    widget = forms.HiddenInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or len(value) > 32:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            start = dt.datetime.strptime(value, START_FORMAT).replace(tzinfo=dt.UTC)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        now = timezone.now()
        if not now - PLAUSIBLE < start < now + PLAUSIBLE:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return start


def _type_field() -> ShortModelChoiceField:
    return ShortModelChoiceField(
        label="Type of visit",
        queryset=selectors.online_types(),
        to_field_name="public_id",
        empty_label=None,
        error_messages={"invalid_choice": "That type of visit cannot be booked online."},
        widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
    )


class SlotSearchForm(forms.Form):
    """What the slot list shows: a type of visit and a physiotherapist (or anyone). Read from
    the query string; anything missing or odd falls back to the first choice. The options
    are the lists the page has already read, so drawing and checking them costs no query."""

    appointment_type = forms.ChoiceField(
        label="Type of visit",
        widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
    )
    therapist = forms.ChoiceField(
        label="Physiotherapist", widget=forms.Select(attrs={"class": "form-select form-select-lg"})
    )

    def __init__(
        self,
        *args,
        types: list[AppointmentType],
        therapists: list[User],
        own: User | None,
        sites: list[Site] = (),
        preferred_site_id: int | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # A site chooser only when the clinic has more than one; the patient's preferred
        # site is chosen until they choose another (or any).
        self.sites = {str(site.public_id): site for site in sites} if len(sites) > 1 else {}
        if self.sites:
            self.fields["site"] = forms.ChoiceField(
                label="Site",
                choices=[(ANYONE, "Any site"), *((k, v.name) for k, v in self.sites.items())],
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
            )
            self.preferred = next(
                (key for key, site in self.sites.items() if site.pk == preferred_site_id), ANYONE
            )
        self.types = {str(kind.public_id): kind for kind in types}
        self.fields["appointment_type"].choices = [
            (key, f"{kind.name} ({kind.duration_minutes} minutes)")
            for key, kind in self.types.items()
        ]
        choices = []
        for person in therapists:
            name = person.get_full_name() or person.email
            if own is not None and person.pk == own.pk:
                name = f"{name} (your physiotherapist)"
            choices.append((str(person.public_id), name))
        choices.insert(1 if own is not None else 0, (ANYONE, "Anyone available"))
        self.fields["therapist"].choices = choices
        self.people = {str(person.public_id): person for person in therapists}

    def choice(self) -> tuple[AppointmentType | None, User | None]:
        """The type and therapist to list (None: anyone), the first choice for anything
        missing or invalid."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        types = self.fields["appointment_type"].choices
        picked_type = data.get("appointment_type") or (types[0][0] if types else None)
        picked = data.get("therapist") or self.fields["therapist"].choices[0][0]
        return self.types.get(picked_type), self.people.get(picked)

    def site_choice(self) -> tuple[Site | None, str]:
        """The site to list (None: any) and its value for links: the preferred site when
        none is asked for, any site for anything invalid."""
        if not self.sites:
            return None, ""
        self.is_valid()
        asked = getattr(self, "cleaned_data", {}).get("site")
        key = asked if asked else (self.preferred if "site" not in self.data else ANYONE)
        return self.sites.get(key), key


class SlotForm(forms.Form):
    """The slot a patient confirms: a type of visit, a physiotherapist and a start time."""

    appointment_type = _type_field()
    therapist = ShortModelChoiceField(
        queryset=booking_selectors.therapists(),
        to_field_name="public_id",
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That physiotherapist cannot be booked online."},
    )
    start = StartField()


class MoveForm(forms.Form):
    """The new slot for an appointment being moved: its type stays the same."""

    therapist = SlotForm.base_fields["therapist"]
    start = StartField()


def week_of(start: dt.datetime, *, now: dt.datetime, zone) -> int:
    """The week page holding `start`, so a refused slot sends the patient back to its week."""
    days = (start.astimezone(zone).date() - now.astimezone(zone).date()).days
    return max(0, min(days // 7, rules.MAX_WEEKS))
