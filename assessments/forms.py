"""The intake/follow-up form, built from the findings schema, and the decision form.

"Not recorded" is an explicit first choice on every select; leaving it there stores null,
which the engine never reads as "no".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.utils.formats import date_format

from assessments.decision_rules import decision_problems, working_diagnosis_problems
from assessments.diagnosis.engine import default_final_dx, diagnose
from assessments.diagnosis.result import RED_FLAG, InvalidFindingsError
from assessments.diagnosis.schema import (
    FIELDS,
    FieldSpec,
    FilledBy,
    Group,
    Kind,
    fields_in_group,
)
from assessments.explain import FOLLOW_UP_MEASURES, GROUP_TITLES
from assessments.models import Assessment, AssessmentDecision, ReferralOutcome, WorkingDiagnosis
from assessments.rescreen import RED_FLAG_ITEMS, RESCREENED, finding_text
from clinic.forms import PlausibleDateField

NOT_RECORDED = "Not recorded"

INTAKE_GROUPS = tuple(GROUP_TITLES)

FOLLOW_UP_FIELDS = (*FOLLOW_UP_MEASURES, "red_flag_screen_completed", *RESCREENED)


#: Ends each section of the long intake form (the list has id "form-sections" in the template).
BACK_TO_SECTIONS = HTML(
    '<p class="section-back"><a href="#form-sections">Back to the list of sections</a></p>'
)


class NotRecordedYesNo(forms.NullBooleanSelect):
    """Like NullBooleanSelect, but the empty state reads "Not recorded", not "Unknown"."""

    def __init__(self, attrs=None, empty_label: str = NOT_RECORDED):
        super().__init__(attrs)
        self.choices = (("unknown", empty_label), ("true", "Yes"), ("false", "No"))


def finding_form_field(spec: FieldSpec, empty_label: str = NOT_RECORDED) -> forms.Field:
    """The form field for one finding; every one of them may be left not recorded."""
    common = {"label": spec.label, "help_text": spec.help_text, "required": False}
    if spec.kind is Kind.INT:
        return forms.IntegerField(min_value=spec.min_value, max_value=spec.max_value, **common)
    if spec.kind is Kind.NUMBER:
        return forms.DecimalField(
            min_value=spec.min_value,
            max_value=spec.max_value,
            decimal_places=spec.decimal_places,
            max_digits=5,
            **common,
        )
    if spec.kind is Kind.ENUM:
        return forms.TypedChoiceField(
            choices=(("", empty_label), *spec.choices), empty_value=None, **common
        )
    if spec.kind is Kind.MULTI_ENUM:
        common["help_text"] = " ".join(
            part for part in (spec.help_text, "Leave all unticked if not recorded.") if part
        )
        return forms.MultipleChoiceField(
            choices=spec.choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if spec.kind is Kind.BOOL:
        return forms.NullBooleanField(widget=NotRecordedYesNo(empty_label=empty_label), **common)
    raise ValueError(f"No form field for {spec.name}")


class FindingsForm(forms.Form):
    """Every finding for an intake (grouped in clinical order), or the repeatable measures
    for a follow-up. Saving a draft accepts any subset; `finalise` adds completeness checks."""

    empty_label = NOT_RECORDED
    #: The template shows a list of the sections, with links, above the form.
    section_list = True

    def __init__(
        self,
        *args,
        kind: str = Assessment.Kind.INTAKE,
        finalising=False,
        last_visit: Assessment | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.finalising = finalising
        names = self.field_names(kind)
        for name in names:
            self.fields[name] = finding_form_field(FIELDS[name], self.empty_label)
        if kind == Assessment.Kind.FOLLOW_UP and last_visit is not None:
            self._show_last_visit(last_visit)
        self.helper = FormHelper()
        self.helper.form_tag = False
        groups = [
            (group, title, [spec.name for spec in fields_in_group(group) if spec.name in names])
            for group, title in GROUP_TITLES.items()
        ]
        groups = [(group, title, members) for group, title, members in groups if members]
        self.sections = [(f"section-{group.value}", title) for group, title, _ in groups]
        # On the clinician's form each section is a target of the list of sections above it
        # (focusable, so a keyboard user following a link lands in it) and ends with a link
        # back to that list.
        back = (BACK_TO_SECTIONS,) if self.section_list and len(groups) > 1 else ()
        self.helper.layout = Layout(
            *(
                Fieldset(title, *members, *back, css_id=f"section-{group.value}", tabindex="-1")
                for group, title, members in groups
            )
        )

    def _show_last_visit(self, last_visit: Assessment) -> None:
        """Put the last visit's answer beside each red-flag and nerve question, for comparison.
        The questions themselves start blank: they are asked afresh, never carried over."""
        day = date_format(last_visit.assessed_on, "j M Y")
        for name in RESCREENED:
            shown = finding_text(FIELDS[name], getattr(last_visit, name))
            field = self.fields[name]
            field.help_text = " ".join(
                part for part in (field.help_text, f"Last visit ({day}): {shown}.") if part
            )

    @staticmethod
    def field_names(kind: str) -> tuple[str, ...]:
        if kind == Assessment.Kind.FOLLOW_UP:
            return FOLLOW_UP_FIELDS
        return tuple(spec.name for spec in FIELDS.values() if spec.group in INTAKE_GROUPS)

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, forms.MultipleChoiceField):
                cleaned[name] = cleaned.get(name) or None
        if cleaned.get("red_flag_screen_completed") is True:
            # Once the whole screen is done, an item left blank was asked and answered "no".
            for name in RED_FLAG_ITEMS:
                if name in cleaned and cleaned[name] is None:
                    cleaned[name] = False
        if self.finalising:
            self._check_complete(cleaned)
        return cleaned

    def _check_complete(self, cleaned: dict) -> None:
        if self.kind == Assessment.Kind.INTAKE:
            if cleaned.get("red_flag_screen_completed") is None:
                self.add_error(
                    "red_flag_screen_completed",
                    "Say whether the red-flag screen was completed before finalising.",
                )
            if cleaned.get("affected_side") is None:
                self.add_error("affected_side", "Record the side before finalising.")
        else:
            self._check_follow_up_complete(cleaned)

    def _check_follow_up_complete(self, cleaned: dict) -> None:
        # A red flag found must never wait on paperwork: it is finalised and acted on at once,
        # and the engine asks for the remaining questions.
        if _finds_red_flag(cleaned):
            return
        if cleaned.get("red_flag_screen_completed") is not True:
            self.add_error(
                "red_flag_screen_completed",
                "Ask every red-flag question again and mark the screen completed before "
                "finalising a follow-up.",
            )
        if not any(cleaned.get(name) is not None for name in FOLLOW_UP_MEASURES):
            raise forms.ValidationError("Record at least one measure before finalising.")

    def findings(self) -> dict[str, object]:
        """The cleaned values for every field on the form (None = not recorded)."""
        return {name: self.cleaned_data.get(name) for name in self.fields}


def _finds_red_flag(cleaned: dict) -> bool:
    recorded = {
        name: float(value) if isinstance(value, Decimal) else value
        for name, value in cleaned.items()
        if name in FIELDS and value is not None
    }
    try:
        return diagnose(recorded).label == RED_FLAG
    except InvalidFindingsError:  # the field errors are already on the form
        return False


PATIENT_GROUPS = (Group.CONTEXT, Group.HISTORY, Group.SYMPTOMS, Group.RUNNING)
PATIENT_FIELDS = tuple(
    spec.name
    for spec in FIELDS.values()
    if spec.group in PATIENT_GROUPS and spec.filled_by in (FilledBy.PATIENT, FilledBy.EITHER)
)
"""What the patient answers before the first visit. The red-flag questions are asked in
person (an online answer nobody reads until the visit would be unsafe) and the outcome
questionnaires are scored by the clinician."""

PATIENT_HELP = {
    "pain_below_knee": "Do your symptoms go further down than the back of your knee?",
    "pain_location": "Tick every area where you feel it.",
}


class PreVisitForm(FindingsForm):
    """The patient-completed findings, for the portal. Every question may be skipped."""

    empty_label = "Not answered"
    section_list = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, text in PATIENT_HELP.items():
            self.fields[name].help_text = text

    @staticmethod
    def field_names(kind: str) -> tuple[str, ...]:
        return PATIENT_FIELDS


class AmendForm(forms.Form):
    reason = forms.CharField(
        label="Why this assessment needs amending",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class DecisionForm(forms.Form):
    """Confirm the suggestion or choose another diagnosis. The rules live in
    `decision_rules.decision_problems`, which the service checks again."""

    clinician_final_dx = forms.ChoiceField(
        label="Final diagnosis",
        choices=AssessmentDecision.FinalDx.choices,
        widget=forms.RadioSelect,
    )
    other_dx_text = forms.CharField(
        label="Name the other diagnosis",
        required=False,
        max_length=500,
        help_text="Needed when you choose 'Something else'.",
    )
    override_reason = forms.CharField(
        label="Reason for choosing differently from the suggestion",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed whenever your choice differs from the pre-selected suggestion.",
    )
    confirm_red_flag_override = forms.BooleanField(
        label="I confirm that the red flag has been considered and this patient does not need "
        "referral on for it",
        required=False,
    )

    def __init__(self, *args, result, **kwargs):
        super().__init__(*args, **kwargs)
        self.result = result
        self.suggested_dx = default_final_dx(result)
        self.initial.setdefault("clinician_final_dx", self.suggested_dx)
        if result.label != "red_flag":
            del self.fields["confirm_red_flag_override"]
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        cleaned = super().clean()
        if "clinician_final_dx" not in cleaned:
            return cleaned
        problems = decision_problems(
            result=self.result,
            final_dx=cleaned["clinician_final_dx"],
            other_dx_text=cleaned.get("other_dx_text", ""),
            override_reason=cleaned.get("override_reason", ""),
            red_flag_override_confirmed=cleaned.get("confirm_red_flag_override", False),
        )
        for field, message in problems.items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


class ReferralOutcomeForm(forms.Form):
    """What happened after a red-flag referral. The dates allowed are the service's
    (`services.referral_outcome_dates`): from the referral to today."""

    seen_on = PlausibleDateField(
        label="Date seen",
        too_early="Enter a date on or after the referral (%(date)s).",
        too_late="The date seen cannot be in the future.",
    )
    seen_by = forms.ChoiceField(
        label="Seen by", choices=ReferralOutcome.SeenBy.choices, widget=forms.RadioSelect
    )
    seen_by_detail = forms.CharField(
        label="Who or where",
        required=False,
        max_length=200,
        help_text="For example the hospital or the doctor's name. Needed when you choose Other.",
    )
    result = forms.CharField(
        label="Result",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='For example "DVT ruled out by scan" or "Seen, waiting for a scan".',
    )
    cleared_to_resume = forms.ChoiceField(
        label="Cleared to go back to exercise and running?",
        choices=ReferralOutcome.Cleared.choices,
        widget=forms.RadioSelect,
    )
    no_further_action = forms.BooleanField(
        label="No further action: close this referral",
        required=False,
        help_text="Tick when nothing more is needed even though the patient is not cleared, "
        "for example when they are now under the specialist's care. A referral also closes "
        'when the patient is cleared ("Yes").',
    )

    def __init__(self, *args, first: dt.date, last: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_on"].earliest = first
        self.fields["seen_on"].latest = last
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("seen_by") == ReferralOutcome.SeenBy.OTHER
            and not cleaned.get("seen_by_detail", "").strip()
        ):
            self.add_error("seen_by_detail", "Say who saw the patient, or where.")
        return cleaned


class WorkingDiagnosisForm(forms.Form):
    """What to work on while the suggestion is indeterminate, and the test that will decide
    it. The rules live in `decision_rules.working_diagnosis_problems` (the service checks them
    again)."""

    working_dx = forms.ChoiceField(
        label="Working diagnosis",
        choices=WorkingDiagnosis.Dx.choices,
        widget=forms.RadioSelect,
    )
    other_dx_text = forms.CharField(
        label="Name the other working diagnosis",
        required=False,
        max_length=200,
        help_text="Needed when you choose 'Something else'.",
    )
    deciding_test = forms.ChoiceField(
        label="The test that will decide it",
        choices=WorkingDiagnosis.DecidingTest.choices,
        widget=forms.RadioSelect,
    )
    deciding_test_note = forms.CharField(
        label="Note on the test",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you choose 'Something else'; for staff only.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        cleaned = super().clean()
        if "working_dx" not in cleaned or "deciding_test" not in cleaned:
            return cleaned
        for field, message in working_diagnosis_problems(**cleaned).items():
            self.add_error(field, message)
        return cleaned
