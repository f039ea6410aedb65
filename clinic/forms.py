from django import forms
from django.contrib.auth.forms import AuthenticationForm

from clinic.validators import validate_plausible_date


class EmailAuthenticationForm(AuthenticationForm):
    """The login form, labelled for email addresses."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class PlausibleDateField(forms.DateField):
    """A date inside the range the site can compute with (see validate_plausible_date)."""

    default_validators = [validate_plausible_date]
