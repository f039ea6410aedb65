from __future__ import annotations

import copy
import re

from django import forms
from django.utils.text import slugify

from clinic.forms import PlausibleDateField
from clinic.widgets import DateInput
from exercises.dose import DOSE_RANGES, out_of_range, range_message, reps_per_set_problem
from exercises.models import DOSE_FIELDS, AlertAcknowledgement, Exercise, PlanItem
from exercises.schedule import MAX_EVERY_N_DAYS, WEEKDAYS, days_problem


class LinesField(forms.CharField):
    """A list of sentences edited as one sentence per line."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def run_validators(self, value):
        # CharField's validators (no NUL characters, which PostgreSQL refuses) read a string.
        super().run_validators("\n".join(value))


class RepsPerSetField(forms.CharField):
    """Repetitions set by set ("12, 10, 8"), kept as a list of whole numbers."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(number) for number in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        parts = [part for part in re.split(r"[\s,;/]+", text) if part]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError(
                "Write whole numbers separated by commas, e.g. 12, 10, 8.", code="invalid"
            )
        return [int(part) for part in parts]

    def run_validators(self, value):
        super().run_validators(", ".join(str(number) for number in value))


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label="Search by name or code", required=False, max_length=100)
    tag = forms.ChoiceField(
        label="Tag", required=False, choices=[("", "Any tag"), *Exercise.Tag.choices]
    )
    phase = forms.ChoiceField(
        label="Phase", required=False, choices=[("", "Any phase"), *Exercise.Phase.choices]
    )
    archived = forms.BooleanField(label="Include archived", required=False)
    no_video = forms.BooleanField(label="Only those without a video", required=False)


def _dose_in_range(name: str):
    def check(value):
        if out_of_range(name, value):
            raise forms.ValidationError(range_message(name), code="out_of_range")

    return check


def limit_doses(form: forms.Form) -> None:
    """Refuse each dose field's value outside its sensible range (exercises.dose.DOSE_RANGES),
    with one message next to the field naming the range."""
    for name, (low, high, _unit) in DOSE_RANGES.items():
        field = form.fields[name]
        # replaces the model field's own bounds (0 to 32767), which the range lies inside
        field.validators = [_dose_in_range(name)]
        field.widget.attrs.update(min=low, max=high)


#: Beyond about three months an earliest day no longer describes early healing.
MAX_EARLIEST_DAY = 90


class ExerciseForm(forms.ModelForm):
    tags = forms.MultipleChoiceField(
        label="Tags", choices=Exercise.Tag.choices, widget=forms.CheckboxSelectMultiple
    )
    phases = forms.MultipleChoiceField(
        label="Phases", choices=Exercise.Phase.choices, widget=forms.CheckboxSelectMultiple
    )
    instructions = LinesField(label="Instructions for the patient (one step per line)")
    stop_rules = LinesField(label="When to stop (one rule per line)", required=False)
    contraindications = LinesField(label="Do not use when (one per line)", required=False)
    min_rest_days = forms.IntegerField(
        label="Rest days needed between sessions",
        required=False,
        min_value=0,
        max_value=6,
        help_text="0 or empty: none. 1: never two days in a row. 2: at most every third day. "
        "Plans never put sessions closer together.",
    )

    class Meta:
        model = Exercise
        fields = [
            "code",
            "name",
            "tags",
            "phases",
            "directional_preference",
            "kind",
            "sets",
            "reps",
            "hold_seconds",
            "duration_minutes",
            "times_per_day",
            "days_per_week",
            "dose_note",
            "instructions",
            "stop_rules",
            "contraindications",
            "evidence",
            "illustration",
            "each_side",
            "earliest_day",
            "family",
            "min_rest_days",
        ]
        labels = {
            "code": "Code (e.g. EX-N11)",
            "directional_preference": "Directional preference it needs",
            "kind": "Kind of nerve exercise",
            "hold_seconds": "Hold (seconds)",
            "duration_minutes": "Duration (minutes)",
            "dose_note": "Note shown under the dose (when to start, how to build up)",
            "evidence": "Basis",
            "illustration": "Illustration (PNG, JPEG or WebP, up to 1 MB)",
            "each_side": "Done on each side (the dose counts one side)",
            "earliest_day": "Suggest from day (after the injury)",
            "family": "Movement family (one of a family per suggested plan)",
        }
        help_texts = {
            "earliest_day": "Leave blank to allow it from the start, e.g. 5 for the Askling "
            "Extender.",
            "family": "Lowercase words joined by hyphens, e.g. nerve-slider. Leave blank if it "
            "has no near-duplicates.",
        }

    def clean_earliest_day(self):
        day = self.cleaned_data.get("earliest_day")
        if day is not None and not 0 <= day <= MAX_EARLIEST_DAY:
            raise forms.ValidationError(f"Choose a day between 0 and {MAX_EARLIEST_DAY}.")
        return day

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_doses(self)

    def clean_min_rest_days(self):
        return self.cleaned_data.get("min_rest_days") or 0

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        if name and not self.instance.slug:
            slug = (slugify(name) or slugify(cleaned.get("code") or "exercise"))[:140]
            if Exercise.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
                self.add_error("name", "An exercise with this name already exists.")
            self.instance.slug = slug
        return cleaned


class PlanItemForm(forms.ModelForm):
    reps_per_set = RepsPerSetField(
        label="Reps set by set",
        required=False,
        max_length=60,
        help_text="Only when the sets differ, e.g. 12, 10, 8 (one number per set).",
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="On these days",
        choices=[(index, name[:3]) for index, name in enumerate(WEEKDAYS)],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    every_n_days = forms.IntegerField(
        label="Or every … days",
        required=False,
        min_value=1,
        max_value=MAX_EVERY_N_DAYS,
        help_text="Counted from the plan's start. No days chosen: the site spreads the days "
        "a week, keeping the exercise's rest days.",
    )

    class Meta:
        model = PlanItem
        fields = [*DOSE_FIELDS, "reps_per_set", "note", "weekdays", "every_n_days"]
        labels = {
            "hold_seconds": "Hold (s)",
            "duration_minutes": "Minutes",
            "times_per_day": "Times a day",
            "days_per_week": "Days a week",
            "note": "Note for the patient",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        exercise = self.instance.exercise
        for name in DOSE_FIELDS:
            default = getattr(exercise, name)
            self.fields[name].widget.attrs["placeholder"] = "" if default is None else default
            self.fields[name].help_text = "Empty: library default" + (
                "" if default is None else f" ({default})"
            )
        limit_doses(self)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        exercise = self.instance.exercise
        problem = days_problem(
            min_rest_days=exercise.min_rest_days,
            weekdays=cleaned.get("weekdays") or (),
            every_n_days=cleaned.get("every_n_days"),
            days_per_week=cleaned.get("days_per_week"),
            library_days_per_week=exercise.days_per_week,
        )
        if problem:
            self.add_error(*problem)
        reps = cleaned.get("reps_per_set") or []
        sets = cleaned.get("sets") if cleaned.get("sets") is not None else exercise.sets
        problem = reps and reps_per_set_problem(reps, sets)
        if problem:
            self.add_error("reps_per_set", problem)
        return cleaned


def plan_dose_forms(items, data=None) -> list[tuple[PlanItem, PlanItemForm]]:
    """One dose form per item of a plan, for the page's single "Save doses" button.

    Each form is prefixed with its item's public id. Given `data` (the posted form), the forms
    of items whose fields were posted are bound; an item added in another tab since the page
    was shown posted nothing, so its form stays unbound and its dose is left as it is.
    """
    rows = []
    for item in items:
        prefix = str(item.public_id)
        posted = data is not None and any(key.startswith(f"{prefix}-") for key in data)
        # a copy: validating writes the typed values into the instance, and the page still
        # needs the saved ones (what is published, what differs)
        form = PlanItemForm(data if posted else None, instance=copy.copy(item), prefix=prefix)
        rows.append((item, form))
    return rows


class AddItemForm(forms.Form):
    exercise = forms.ModelChoiceField(
        label="Add an exercise",
        queryset=Exercise.objects.filter(archived_at__isnull=True).order_by("code"),
        to_field_name="public_id",
    )


class PlanDatesForm(forms.Form):
    start_date = PlausibleDateField(
        label="Start date",
        required=False,
        widget=DateInput(),
    )
    end_date = PlausibleDateField(
        label="End date",
        required=False,
        widget=DateInput(),
    )


class CommentReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The patient reads this in their portal. They get an email saying only that "
        "a message is waiting.",
        error_messages={"required": "Write a reply before sending it."},
    )


class PlanResumeForm(forms.Form):
    reason = forms.CharField(
        label="Why can the exercises start again?",
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example what the doctor found. Kept with the plan and in the audit log.",
        error_messages={"required": "Say why the exercises can start again."},
    )


class AlertAcknowledgeForm(forms.Form):
    kind = forms.ChoiceField(choices=AlertAcknowledgement.Kind.choices, widget=forms.HiddenInput)
    period = PlausibleDateField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="What did you do about it?",
        max_length=1000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='For example "Rang the patient, eased the dose". Kept with the patient\'s '
        "alert history.",
        error_messages={"required": "Write what you did about this alert."},
    )


class SessionLogFilterForm(forms.Form):
    date_from = PlausibleDateField(label="From", required=False, widget=DateInput())
    date_to = PlausibleDateField(label="To", required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "Choose a day on or after the first one.")
        return cleaned
