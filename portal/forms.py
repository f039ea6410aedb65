from __future__ import annotations

import datetime as dt

from django import forms

from clinic.forms import PlausibleDateField
from exercises import safety
from exercises.models import SessionLog

PAIN_HELP = "0 means no pain at all, 10 the worst pain you can imagine."


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Patient's email address",
        help_text="The invitation link goes to this address and it becomes their login.",
    )


class SessionLogForm(forms.Form):
    """Today's session: one tick box per exercise of the version the patient was given."""

    date = PlausibleDateField(label="Day of the session")
    pain_during = forms.IntegerField(
        label="Pain during the exercises (0 to 10)",
        min_value=0,
        max_value=10,
        help_text=PAIN_HELP,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    pain_after = forms.IntegerField(
        label="Pain afterwards (0 to 10)",
        min_value=0,
        max_value=10,
        help_text=PAIN_HELP,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    difficulty = forms.ChoiceField(
        label="How hard did it feel?",
        choices=SessionLog.Difficulty.choices,
        widget=forms.RadioSelect,
    )
    worse_next_morning = forms.TypedChoiceField(
        label="Were your symptoms worse the morning after your last session?",
        choices=[
            ("no", "No"),
            ("yes", "Yes, they were worse"),
            ("", "Not sure, or no session the day before"),
        ],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    lasting_pins_needles = forms.BooleanField(
        label="Pins and needles or numbness went on after I stopped the exercises",
        required=False,
    )
    new_symptoms = forms.MultipleChoiceField(
        label="Do you have any of these new problems? Tick any you have.",
        help_text="If you tick one, we tell you what to do straight away and tell your physio.",
        choices=[(symptom.code, symptom.label) for symptom in safety.SYMPTOMS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label="Anything to tell your physio? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args, items: list[dict], today: dt.date, due: set[str] | None = None, **kwargs
    ):
        """`due`: the keys of the items due on the day shown (None: all are). Those come first;
        the others are still offered, marked as not due, so an extra session is recorded
        truthfully (the physio sees it; adherence counts only the days an item is due)."""
        super().__init__(*args, **kwargs)
        self.today = today
        self.item_fields = []
        extra = []
        for index, item in enumerate(items):
            name = f"done_{index}"
            if due is None or item["key"] in due:
                self.fields[name] = forms.BooleanField(
                    label=f"I did: {item['name']}", required=False
                )
            else:
                self.fields[name] = forms.BooleanField(
                    label=f"I also did: {item['name']} (not due that day)",
                    required=False,
                    help_text="Tick only if you did it anyway. Your physio will see it.",
                )
                extra.append(name)
            self.item_fields.append((name, item["key"]))
        # Tick boxes first (the day's due ones, then the others), then the scores.
        order = [name for name, _ in self.item_fields if name not in extra]
        self.order_fields(["date", *order, *extra])

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > self.today:
            raise forms.ValidationError(
                "You cannot log a session for a day that has not happened yet."
            )
        return day

    def done_keys(self) -> list[str]:
        return [key for name, key in self.item_fields if self.cleaned_data.get(name)]
