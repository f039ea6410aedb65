from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms

from rehab.models import DischargeSummary
from rehab.selectors import RehabStatus


class StageChangeForm(forms.Form):
    to_stage = forms.ChoiceField(label="Move to", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when criteria are not met, or when moving back.",
    )
    from_stage = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, status: RehabStatus, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if status.next_stage is not None:
            choices.append((status.next_stage.code, f"Next: {status.next_stage.label}"))
        choices += [
            (stage.code, f"Back to {stage.label}") for stage in reversed(status.earlier_stages)
        ]
        self.fields["to_stage"].choices = choices
        if status.next_stage is not None:
            self.initial.setdefault("to_stage", status.next_stage.code)
        self.initial.setdefault("from_stage", status.stage.code if status.stage else "")
        self.helper = FormHelper()
        self.helper.form_tag = False


class GpConsentForm(forms.Form):
    """The discharge page's part about the GP letter: only with the patient's consent."""

    prefix = "gp"

    gp_letter_consent = forms.BooleanField(
        label="The patient agrees to a letter to their GP", required=False
    )
    gp_consent_how = forms.ChoiceField(
        label="How they agreed",
        choices=[("", "Choose"), *DischargeSummary.ConsentHow.choices],
        required=False,
    )
    gp_name = forms.CharField(label="GP or surgery (optional)", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        if data.get("gp_letter_consent") and not data.get("gp_consent_how"):
            self.add_error("gp_consent_how", "Say how the patient agreed to the letter.")
        return data
