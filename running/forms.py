"""Forms for the run log (portal) and the therapist's programme page. Range checks here give
the message next to the field; the services check again, so no path skips them."""

from __future__ import annotations

import uuid

from django import forms

from clinic.forms import PlausibleDateField
from running.models import RunLog, RunProgramme
from running.programmes import templates_for

PAIN_HELP = "0 means no pain at all, 10 the worst pain you can imagine."
PAIN_MESSAGE = "Choose a number from 0 (no pain) to 10 (worst pain imaginable)."


def pain_field(label: str, *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10,
        required=required,
        help_text=PAIN_HELP,
        error_messages={
            "min_value": PAIN_MESSAGE,
            "max_value": PAIN_MESSAGE,
            "required": PAIN_MESSAGE,
            "invalid": PAIN_MESSAGE,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class RunLogForm(forms.Form):
    submission = forms.UUIDField(widget=forms.HiddenInput)
    date = PlausibleDateField(label="Day of the run")
    minutes = forms.IntegerField(
        label="Minutes out (walking and running)",
        min_value=1,
        max_value=300,
        error_messages={
            "min_value": "Enter the minutes you were out, from 1 to 300.",
            "max_value": "Enter the minutes you were out, from 1 to 300.",
            "required": "Enter the minutes you were out, from 1 to 300.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    distance_km = forms.DecimalField(
        label="Distance in km (optional)",
        required=False,
        min_value=0.1,
        max_value=100,
        decimal_places=2,
        error_messages={
            "min_value": "Enter the distance in kilometres, from 0.1 to 100, or leave it empty.",
            "max_value": "Enter the distance in kilometres, from 0.1 to 100, or leave it empty.",
            "max_decimal_places": "Use at most two decimals, for example 3.25.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    terrain = forms.ChoiceField(
        label="Where did you run?",
        choices=RunLog.Terrain.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the ground you ran on."},
    )
    effort = forms.ChoiceField(
        label="How hard did it feel?",
        choices=RunLog.Effort.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    rpe = forms.IntegerField(
        label="Or rate the effort from 1 (very easy) to 10 (flat out) (optional)",
        required=False,
        min_value=1,
        max_value=10,
        error_messages={
            "min_value": "Choose a number from 1 (very easy) to 10 (flat out), or leave it empty.",
            "max_value": "Choose a number from 1 (very easy) to 10 (flat out), or leave it empty.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    pain_before = pain_field("Pain before you set off (0 to 10)")
    pain_during = pain_field("Pain during the run (0 to 10)")
    pain_after = pain_field("Pain after the run (0 to 10)")
    comment = forms.CharField(
        label="Anything to tell your physio? (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("submission", uuid.uuid4())
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if not data.get("effort") and data.get("rpe") is None and "rpe" not in self.errors:
            self.add_error("effort", "Choose how hard the run felt, or rate it from 1 to 10.")
        return data


class NextMorningForm(forms.Form):
    pain_next_morning = pain_field("Your pain this morning (0 to 10)")


def _label(template, diagnosis: str | None) -> str:
    suits = " (suits the diagnosis)" if diagnosis in template.diagnoses else ""
    return f"{template.name}{suits}"


class AssignForm(forms.Form):
    template = forms.ChoiceField(label="Programme")

    def __init__(self, *args, diagnosis: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [
            (template.key, _label(template, diagnosis)) for template in templates_for(diagnosis)
        ]


class MoveStepForm(forms.Form):
    step = forms.TypedChoiceField(label="Move to step", coerce=int)
    reason = forms.CharField(
        label="Why",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why you are moving the step: the record keeps it."},
    )

    def __init__(self, *args, programme: RunProgramme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [
            (index, f"Step {index + 1}: {step.name}")
            for index, step in enumerate(programme.step_list())
        ]


class ResumeForm(forms.Form):
    """Lift a red-flag hold on a programme: the clinician says why running can start again."""

    reason = forms.CharField(
        label="Why can running start again?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example who cleared the patient and what they found. Kept on the record.",
        error_messages={"required": "Say why running can start again: the record keeps it."},
    )
