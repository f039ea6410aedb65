"""Forms for booking. Times are typed in the clinic's local time and leave as aware datetimes."""

from __future__ import annotations

import contextlib
import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import formats

from bookings import selectors
from bookings.models import Appointment, Room, ScheduleException, WorkingHours
from clinic import widgets
from clinic.forms import (
    PlausibleDateField,
    ShortModelChoiceField,
    SiteChoiceField,
    offer_site_choice,
)
from clinic.sites import Site, sites_active
from clinic.widgets import DateInput
from patients.models import Patient

MAX_SERIES_WEEKS = 26


class TimeInput(widgets.TimeInput):
    def __init__(self, attrs=None, format=None):
        super().__init__(attrs={"step": 900, **(attrs or {})}, format=format)


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


def _local_start(
    form: forms.Form,
    day: dt.date | None,
    time: dt.time | None,
    field: str = "time",
    site: Site | None = None,
):
    """Combine a local date and time (at `site`, else the clinic's) into an aware datetime,
    refusing times that do not exist because the clocks go forward."""
    if day is None or time is None:
        return None
    zone = site.zone if site is not None else selectors.clinic_zone()
    start = dt.datetime.combine(day, time, tzinfo=zone)
    if start.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != start.replace(tzinfo=None):
        form.add_error(field, "The clocks go forward then, so that time does not exist.")
        return None
    return start.astimezone(dt.UTC)


def _therapist_field(*, required: bool = True, empty_label: str | None = None):
    return ShortModelChoiceField(
        label="Therapist",
        queryset=selectors.therapists(),
        to_field_name="public_id",
        required=required,
        empty_label=empty_label,
    )


def _type_field():
    return ShortModelChoiceField(
        label="Appointment type",
        queryset=selectors.appointment_types(),
        to_field_name="public_id",
        empty_label=None,
    )


class _RoomsAtSite(forms.models.ModelChoiceIterator):
    """The rooms offered: with one plain query (see ShortModelChoiceField), and only the
    field's `site`'s when the form knows where the visit is."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rooms = self.queryset.all()
        if self.field.site is not None:
            rooms = rooms.filter(site=self.field.site)
        for room in rooms:
            yield self.choice(room)


class RoomField(ShortModelChoiceField):
    """An active room, labelled "Room 1 · Apex Leeds" when more than one site is active (each
    row says whether another active site exists: no extra query). A form that knows the site
    sets `site` to offer only its rooms; any active room still validates, so the form can say
    which site a room posted from elsewhere is at."""

    iterator = _RoomsAtSite
    site: Site | None = None

    def label_from_instance(self, obj: Room) -> str:
        return f"{obj.name} · {obj.site.name}" if obj.among_sites else obj.name


def _room_field():
    other_sites = Site.objects.active().exclude(pk=OuterRef("site_id"))
    return RoomField(
        label="Room",
        queryset=Room.objects.filter(is_active=True)
        .select_related("site")
        .annotate(among_sites=Exists(other_sites))
        .order_by("site__name", "name"),
        to_field_name="public_id",
        required=False,
        empty_label="No room",
    )


def _room_at_site(form: forms.Form, cleaned: dict) -> None:
    """A room at another site than the one chosen gets a message next to the room."""
    room, site = cleaned.get("room"), cleaned.get("site")
    if room is not None and site is not None and room.site_id != site.pk:
        form.add_error(
            "room", f"{room.name} is at {room.site.name}; choose a room at {site.name}, or none."
        )


class OverrideField(forms.BooleanField):
    def __init__(self, **kwargs):
        super().__init__(
            label="Book outside working hours",
            required=False,
            help_text="Only when you have agreed it with the therapist.",
            **kwargs,
        )


class BookingForm(forms.Form):
    patient = forms.ModelChoiceField(
        label="Patient",
        queryset=Patient.objects.active(),
        to_field_name="public_id",
        empty_label="Choose a patient",
    )
    therapist = _therapist_field()
    appointment_type = _type_field()
    date = PlausibleDateField(label="Date", widget=DateInput())
    time = forms.TimeField(label="Start time", widget=TimeInput())
    room = _room_field()
    weeks = forms.IntegerField(
        label="Repeat weekly for (weeks)",
        min_value=1,
        max_value=MAX_SERIES_WEEKS,
        initial=1,
        help_text="1 books a single appointment. Nothing is booked if any week clashes.",
    )
    notes = forms.CharField(
        label="Notes for the clinic team",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    allow_outside_hours = OverrideField()
    # The public holidays the user was shown and agreed to skip (ISO dates, comma-separated):
    # a series that skips other dates than these is shown again before anything is booked.
    skip_holidays = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)

    def __init__(self, *args, patient_choices=None, site: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_site_choice(
            self,
            empty_label="Where the therapist works then",
            help_text="The therapist's hours say where the visit is; choose a site for a "
            "booking outside them.",
            initial=site,
        )
        if "site" in self.fields:
            chosen = self.data.get("site") if self.is_bound else self.initial.get("site")
            self.fields["room"].site = self.fields["site"].sites.get(str(chosen or ""))
        if patient_choices is not None:
            # The list shows only the search results (a full list would be thousands long);
            # any active patient still validates, and the one posted stays on the list.
            shown = list(patient_choices)
            posted = self.data.get("patient") if self.is_bound else None
            if posted and all(str(patient.public_id) != posted for patient in shown):
                with contextlib.suppress(ValidationError):  # not a UUID: the field says so
                    shown += list(self.fields["patient"].queryset.filter(public_id=posted))
            self.fields["patient"].widget.choices = [("", "Choose a patient")] + [
                (patient.public_id, _patient_label(patient)) for patient in shown
            ]
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        _room_at_site(self, cleaned)
        cleaned["start"] = _local_start(
            self, cleaned.get("date"), cleaned.get("time"), site=cleaned.get("site")
        )
        return cleaned


def _patient_label(patient: Patient) -> str:
    born = formats.date_format(patient.date_of_birth)  # 3 Feb 1991: reads one way only
    contact = patient.email or str(patient.phone or "")
    return f"{patient.full_name} · born {born}" + (f" · {contact}" if contact else "")


def zone_note(site: Site) -> str:
    """ "America/New_York" when `site` keeps another zone than the clinic's, else "": times
    are labelled with their zone only where it could be mistaken."""
    return "" if site.zone == selectors.clinic_zone() else site.zone.key


class MoveForm(forms.Form):
    """Times are the appointment's site's wall clock (named when not the clinic's zone)."""

    date = PlausibleDateField(label="New date", widget=DateInput())
    time = forms.TimeField(label="New start time", widget=TimeInput())
    therapist = _therapist_field()
    room = _room_field()
    allow_outside_hours = OverrideField()

    def __init__(self, *args, appointment: Appointment, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = appointment.site
        local = appointment.start.astimezone(self.site.zone)
        self.initial.setdefault("date", local.date())
        self.initial.setdefault("time", local.time())
        self.initial.setdefault("therapist", appointment.therapist.public_id)
        if appointment.room_id:
            self.initial.setdefault("room", appointment.room.public_id)
        if note := zone_note(self.site):
            self.fields["time"].help_text = f"{note} time, as at {self.site.name}."
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        cleaned["start"] = _local_start(
            self, cleaned.get("date"), cleaned.get("time"), site=self.site
        )
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason for cancelling", max_length=200)
    late = forms.BooleanField(
        label="Late cancellation",
        required=False,
        help_text="Ticked for you when it is inside the notice window.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (Appointment.Status.ARRIVED, "Arrived"),
            (Appointment.Status.COMPLETED, "Completed"),
            (Appointment.Status.NO_SHOW, "Did not attend"),
        ]
    )


class SlotFinderForm(forms.Form):
    appointment_type = _type_field()
    therapist = _therapist_field(required=False, empty_label="Anyone")
    after = PlausibleDateField(
        label="From",
        required=False,
        widget=DateInput(),
        help_text="Leave empty to search from now.",
    )
    period = forms.ChoiceField(
        label="Time of day",
        required=False,
        choices=[
            ("", "Any time"),
            ("morning", "Morning (before 12:00)"),
            ("afternoon", "Afternoon (12:00 to 17:00)"),
            ("evening", "Evening (from 17:00)"),
        ],
    )

    def __init__(self, *args, site: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_site_choice(self, initial=site)
        if not self.is_bound:
            follow_up = selectors.appointment_types().filter(slug="follow-up").first()
            if follow_up is not None:
                self.fields["appointment_type"].initial = follow_up.public_id
        self.helper = _helper()


class _ListedOnce(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.options():
            yield self.choice(obj)


class TherapistPicker(ShortModelChoiceField):
    """The calendars' therapist picker: the therapists are read once per form (`options()`)
    (`selectors.therapists_listed()`: its queryset's rows, with SQL compiled once per process)
    and serve the options drawn, the choice made and the calendar's columns. The usual field
    reads them once to check the choice and again to draw the options, and the calendar a
    third time for its columns. A value that is not among them goes through the usual lookup,
    so its error message is the usual one."""

    iterator = _ListedOnce

    def options(self) -> list:
        listed = getattr(self, "_listed", None)
        if listed is None:
            listed = self._listed = selectors.therapists_listed()
        return listed

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy._listed = None  # each form reads its own
        return copy

    def to_python(self, value):
        if value not in self.empty_values:
            for obj in self.options():
                if str(obj.public_id) == str(value):
                    return obj
        return super().to_python(value)


class CalendarFilterForm(forms.Form):
    date = PlausibleDateField(label="Date", required=False, widget=DateInput())
    therapist = TherapistPicker(
        label="Therapist",
        queryset=selectors.therapists(),
        to_field_name="public_id",
        required=False,
        empty_label="All therapists",
    )

    def __init__(self, *args, sites=None, therapists=None, **kwargs):
        """`sites` and `therapists`: the active sites and the therapists, when already read
        (bookings/calendar_filter.py), so that the form does not read them again."""
        super().__init__(*args, **kwargs)
        if therapists is not None:
            self.fields["therapist"]._listed = therapists
        offer_site_choice(self, sites=sites)  # drawn by grid_tags.calendar_field


class WorkingHoursForm(forms.ModelForm):
    class Meta:
        model = WorkingHours
        fields = ["weekday", "start_time", "end_time"]
        labels = {"weekday": "Day", "start_time": "From", "end_time": "Until"}
        widgets = {"start_time": TimeInput(), "end_time": TimeInput()}

    def __init__(self, *args, therapist=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.therapist = therapist
        offer_site_choice(self, empty_label=None, required=True)
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The end must be after the start.")
        elif start and end and self.therapist is not None and cleaned.get("weekday") is not None:
            clash = selectors.working_hours_clash(
                therapist=self.therapist,
                weekday=cleaned["weekday"],
                start_time=start,
                end_time=end,
            )
            if clash is not None:
                self.add_error("start_time", clash.overlap_message)
        return cleaned


#: Leave, blocked time or extra hours longer than this is almost certainly a typing mistake.
MAX_EXCEPTION_LENGTH = dt.timedelta(days=366)


class ScheduleExceptionForm(forms.Form):
    """Leave, blocked time or extra hours. With more than one active site, extra hours say
    where they are (and are typed in that site's local time); leave and blocked time close
    every site and are typed in the clinic's time."""

    kind = forms.ChoiceField(label="What", choices=ScheduleException.Kind.choices)
    start_date = PlausibleDateField(label="From date", widget=DateInput())
    start_time = forms.TimeField(label="From time", widget=TimeInput())
    end_date = PlausibleDateField(label="Until date", widget=DateInput())
    end_time = forms.TimeField(label="Until time", widget=TimeInput())
    note = forms.CharField(label="Note", required=False, max_length=200)

    def __init__(self, *args, sites: list[Site] | None = None, usual: int | None = None, **kwargs):
        """`sites`: the active sites when the caller has read them already (the schedule
        page, for its hours form); `usual`: the id of the site extra hours are at unless
        staff choose another."""
        super().__init__(*args, **kwargs)
        sites = sites_active() if sites is None else sites
        if len(sites) > 1:
            self.fields["site"] = SiteChoiceField(
                sites=sites,
                empty_label=None,
                label="Site (for extra hours)",
                required=False,
                help_text="Where the extra hours are worked, in that site's local time. "
                "Leave and blocked time apply at every site.",
            )
            chosen = next((site for site in sites if site.pk == usual), None)
            if chosen is not None:
                self.initial.setdefault("site", str(chosen.public_id))
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") != ScheduleException.Kind.EXTRA:
            cleaned["site"] = None
        site = cleaned.get("site")
        start = _local_start(
            self, cleaned.get("start_date"), cleaned.get("start_time"), "start_time", site
        )
        end = _local_start(self, cleaned.get("end_date"), cleaned.get("end_time"), "end_time", site)
        if start and end and end <= start:
            self.add_error("end_time", "The end must be after the start.")
        elif start and end and end - start > MAX_EXCEPTION_LENGTH:
            self.add_error(
                "end_date",
                f"Enter at most {MAX_EXCEPTION_LENGTH.days} days at a time; "
                "add another entry for a longer absence.",
            )
        cleaned["start"], cleaned["end"] = start, end
        return cleaned
