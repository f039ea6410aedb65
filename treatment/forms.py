"""The session note's forms: the note itself, the re-tests of each phase, the treatments
given (a formset: several per session) and the amendment.

Every re-test may be left "Not done", which stores null: never "negative".
"""

from __future__ import annotations

import dataclasses

from django import forms
from django.utils import timezone

from assessments.diagnosis.schema import Kind
from assessments.forms import finding_form_field
from treatment.models import TreatmentGiven, TreatmentSession
from treatment.retests import RETEST_SPECS

NOT_DONE = "Not done"


def _retest_field(name: str) -> forms.Field:
    spec = RETEST_SPECS[name]
    # "Not done" is the empty choice (stored as null), so the list does not offer it twice.
    spec = dataclasses.replace(
        spec, choices=tuple(pair for pair in spec.choices if pair[0] != "not_done")
    )
    field = finding_form_field(spec, empty_label=NOT_DONE)
    if spec.kind is Kind.INT:
        bounds = f"Enter a whole number from {spec.min_value} to {spec.max_value}."
        field.error_messages.update({"min_value": bounds, "max_value": bounds, "invalid": bounds})
        field.widget.attrs.update({"inputmode": "numeric", "class": "retest-number"})
    return field


class RetestForm(forms.Form):
    """One phase's re-tests (use prefix "before" or "after")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        phase = (self.prefix or "").capitalize()
        for name in RETEST_SPECS:
            self.fields[name] = _retest_field(name)
            # The page shows the test's name once, above its before and after fields.
            self.fields[name].label = phase or RETEST_SPECS[name].label
            self.fields[name].help_text = ""
        for name, value in list(self.initial.items()):
            if value == "not_done":
                self.initial[name] = None

    def values(self) -> dict[str, object]:
        return {name: self.cleaned_data.get(name) for name in RETEST_SPECS}


class NoteForm(forms.ModelForm):
    class Meta:
        model = TreatmentSession
        fields = [
            "patient_words",
            "retest_after_lumbar_treatment",
            "plan_changes",
            "review_on",
            "review_interval_weeks",
        ]
        labels = {
            "retest_after_lumbar_treatment": "Slump/SLR after the lumbar technique",
        }
        help_texts = {
            "retest_after_lumbar_treatment": "Suggested from the change; confirm or correct it.",
            "plan_changes": "What changes in the home exercise plan.",
        }
        widgets = {
            "patient_words": forms.Textarea(attrs={"rows": 2}),
            "plan_changes": forms.Textarea(attrs={"rows": 2}),
            "review_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "review_interval_weeks": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args, session: TreatmentSession, **kwargs):
        super().__init__(*args, instance=session, **kwargs)
        self.fields["retest_after_lumbar_treatment"].choices = [
            ("", "Not recorded"),
            *TreatmentSession.RetestOutcome.choices,
        ]
        weeks = "Enter a number of weeks from 1 to 26."
        self.fields["review_interval_weeks"].error_messages.update(
            {"invalid": weeks, "min_value": weeks, "max_value": weeks}
        )
        self.fields["review_on"].error_messages["invalid"] = "Enter a date, e.g. 2026-12-18."

    def clean_review_on(self):
        review_on = self.cleaned_data.get("review_on")
        visit = timezone.localtime(self.instance.appointment.start).date()
        if review_on is not None and review_on < visit:
            raise forms.ValidationError("The review cannot be before this visit.")
        return review_on

    def clean_review_interval_weeks(self):
        weeks = self.cleaned_data.get("review_interval_weeks")
        if weeks is not None and not 1 <= weeks <= 26:
            raise forms.ValidationError("Enter a number of weeks from 1 to 26.")
        return weeks


GRADES = [("", "—"), ("1", "I"), ("2", "II"), ("3", "III"), ("4", "IV"), ("5", "V")]


class TreatmentForm(forms.Form):
    """One treatment given: its kind from the coded list, the details that fit the kind,
    and a free note. A row left with no kind is not a treatment."""

    kind = forms.ChoiceField(
        label="Treatment", choices=[("", "—"), *TreatmentGiven.Kind.choices], required=False
    )
    technique = forms.ChoiceField(
        choices=[("", "—"), *TreatmentGiven.Technique.choices], required=False
    )
    level = forms.ChoiceField(choices=[("", "—"), *TreatmentGiven.Level.choices], required=False)
    grade = forms.TypedChoiceField(
        label="Grade", choices=GRADES, coerce=int, empty_value=None, required=False
    )
    body_position = forms.ChoiceField(
        label="Position", choices=[("", "—"), *TreatmentGiven.Position.choices], required=False
    )
    repetitions = forms.IntegerField(
        min_value=1,
        max_value=200,
        required=False,
        error_messages={
            "min_value": "Enter from 1 to 200 repetitions.",
            "max_value": "Enter from 1 to 200 repetitions.",
            "invalid": "Enter from 1 to 200 repetitions.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.TextInput(attrs={"placeholder": "Note"})
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        technique, level = data.get("technique"), data.get("level")
        if not kind:
            if any(data.get(name) not in (None, "") for name in data if name != "kind"):
                self.add_error("kind", "Choose what was given, or clear the row.")
            return data
        if kind == TreatmentGiven.Kind.NEURAL_MOBILISATION:
            if technique not in TreatmentGiven.NEURAL_TECHNIQUES:
                self.add_error("technique", "Choose slider or tensioner.")
        elif kind == TreatmentGiven.Kind.LUMBAR_MOBILISATION:
            if technique not in TreatmentGiven.LUMBAR_TECHNIQUES:
                self.add_error("technique", "Choose the lumbar technique.")
        elif technique:
            self.add_error("technique", "A technique is recorded for mobilisations only.")
        if kind == TreatmentGiven.Kind.LUMBAR_MOBILISATION and not level:
            self.add_error("level", "Choose the level treated.")
        elif kind != TreatmentGiven.Kind.LUMBAR_MOBILISATION and level:
            self.add_error("level", "A level is recorded for lumbar mobilisation only.")
        return data

    def treatment(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        return {
            "kind": data["kind"],
            "technique": data.get("technique") or "",
            "level": data.get("level") or "",
            "grade": data.get("grade"),
            "body_position": data.get("body_position") or "",
            "repetitions": data.get("repetitions"),
            "note": data.get("note") or "",
        }


#: Two empty rows beyond the ones recorded: most sessions give one or two treatments.
TreatmentFormSet = forms.formset_factory(TreatmentForm, extra=2, max_num=20, absolute_max=20)


class AmendForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the amendment",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Give a reason for the amendment."},
    )
