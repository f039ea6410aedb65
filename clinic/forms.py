from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join

from clinic.mail import transactional_connection
from clinic.sites import Site, sites_active
from clinic.validators import canonical_time_zones, validate_plausible_date, validate_time_zone
from clinic.widgets import DateInput

logger = logging.getLogger(__name__)


class EmailAuthenticationForm(AuthenticationForm):
    """The login form, labelled for email addresses."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


#: A bound of a date range: a fixed date, or a function of today (evaluated at each check).
Bound = dt.date | Callable[[], dt.date] | None


def today() -> dt.date:
    return timezone.localdate()


def days_from_today(days: int) -> Callable[[], dt.date]:
    return lambda: timezone.localdate() + dt.timedelta(days=days)


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form; the email goes through the `default` Celery queue (clinic.mail), so
    the page answers at once and a reminder burst on `messages` never delays it."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(
            subject, body, from_email, [to_email], connection=transactional_connection()
        )
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
            message.attach_alternative(html, "text/html")
        try:
            message.send()
        except Exception:  # as Django does: the page must not tell whether the address exists
            logger.exception("Could not send a password reset email to user %s", context["user"].pk)


class PlausibleDateField(forms.DateField):
    """A date inside the range the site can compute with (see validate_plausible_date) and,
    where given, inside the range that makes sense for what the field records.

    `earliest` and `latest` are dates or functions of today; `too_early` and `too_late` are
    the messages shown next to the field, with %(date)s for the bound ("14 Mar 2026").
    """

    default_validators = [validate_plausible_date]
    widget = DateInput

    def __init__(
        self,
        *,
        earliest: Bound = None,
        latest: Bound = None,
        too_early: str = "Enter a date on or after %(date)s.",
        too_late: str = "Enter a date on or before %(date)s.",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.earliest, self.latest = earliest, latest
        self.too_early, self.too_late = too_early, too_late

    def bounds(self) -> tuple[dt.date | None, dt.date | None]:
        return _resolve(self.earliest), _resolve(self.latest)

    def keep(self, stored: dt.date | None) -> None:
        """Accept an already stored date even if it is now outside the range, so that a
        record can be saved unchanged (a goal event that has since gone by)."""
        if stored is None:
            return
        first, last = self.bounds()
        if first is not None and stored < first:
            self.earliest = stored
        if last is not None and stored > last:
            self.latest = stored

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        first, last = self.bounds()
        if first is not None and value < first:
            raise ValidationError(
                self.too_early, code="too_early", params={"date": date_format(first, "j M Y")}
            )
        if last is not None and value > last:
            raise ValidationError(
                self.too_late, code="too_late", params={"date": date_format(last, "j M Y")}
            )


def _resolve(bound: Bound) -> dt.date | None:
    return bound() if callable(bound) else bound


def clinic_time_zone() -> str:
    return settings.TIME_ZONE


@functools.cache
def _zone_lookup() -> dict[str, str]:
    """What a person may type for a zone, lower-cased: its name, its city or its label."""
    lookup = {}
    for name, label in canonical_time_zones().items():
        city = name.rsplit("/", 1)[-1]
        for key in (city, city.replace("_", " "), label, name):
            lookup.setdefault(key.lower(), name)
    return lookup


class TimeZoneInput(forms.TextInput):
    """A text box with the canonical zones as suggestions (an HTML datalist, so it needs no
    JavaScript): typing "Par" offers Europe/Paris. The clinic's own zone comes first."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["list"] = self._list_id(context["widget"]["attrs"], name)
        return context

    def render(self, name, value, attrs=None, renderer=None):
        box = super().render(name, value, attrs, renderer)
        list_id = self._list_id({**self.attrs, **(attrs or {})}, name)
        return box + format_html('<datalist id="{}">{}</datalist>', list_id, _zone_options())

    @staticmethod
    def _list_id(attrs: dict, name: str) -> str:
        return f"{attrs.get('id') or 'id_' + name}-zones"


@functools.cache
def _zone_options_for(first: str) -> str:
    zones = canonical_time_zones()
    names = [first] if first in zones else []
    names += [name for name in zones if name != first]
    return format_html_join("", '<option value="{}">{}</option>', ((n, zones[n]) for n in names))


def _zone_options() -> str:
    return _zone_options_for(settings.TIME_ZONE)


class TimeZoneField(forms.CharField):
    """An IANA time zone, chosen from the canonical zones (Area/City) or typed as a city.

    "paris", "New York" and "Europe/Paris" are all accepted and stored as the zone's name.
    The clinic's zone is the default. A zone a record already holds stays acceptable even if
    it is not on the list (an alias such as US/Eastern saved before the list existed)."""

    widget = TimeZoneInput
    default_error_messages = {
        "unknown": "We do not know the time zone %(value)s: choose one from the list, "
        "or type a city such as London or New York.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("initial", clinic_time_zone)
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)
        self.kept: frozenset[str] = frozenset()

    def keep(self, stored: str | None) -> None:
        if stored:
            # A new set, not an added member: a form's fields are shallow copies of the
            # class's, and the next form must not accept this record's zone.
            self.kept = self.kept | {stored}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values or value in canonical_time_zones() or value in self.kept:
            return value
        name = _zone_lookup().get(" ".join(value.split()).lower())
        if name is None:
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": value}
            )
        return name

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values:
            validate_time_zone(value)


class _ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """Reads the options with one ordinary query. Django's iterator uses `.iterator()`, which on
    PostgreSQL opens a server-side cursor (DECLARE, FETCH, CLOSE: several round trips, held
    across the autocommit): about twice the time of the query itself for a dozen rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ShortModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for short option lists (therapists, rooms, appointment types): the
    options come from one plain query each time the field is drawn."""

    iterator = _ListedChoiceIterator


class SiteChoiceField(forms.ChoiceField):
    """A site among the active ones, read once (`sites_active`): the list serves both the
    options drawn and the choice made, so a form with a site chooser costs one query."""

    def __init__(self, *, sites: list[Site], empty_label: str | None, **kwargs):
        self.sites = {str(site.public_id): site for site in sites}
        listed = [(key, site.name) for key, site in self.sites.items()]
        super().__init__(choices=([("", empty_label)] if empty_label else []) + listed, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.sites.get(value) if value else None


def offer_site_choice(
    form: forms.Form,
    *,
    name: str = "site",
    label: str = "Site",
    empty_label: str | None = "All sites",
    required: bool = False,
    help_text: str = "",
    initial: int | None = None,
    keep_inactive: bool = False,
    sites: list[Site] | None = None,
) -> None:
    """Add a site field (`name`) to `form` when more than one site is active: a clinic with
    one site never chooses (its forms look as they did before sites). `initial`: the id of
    the site chosen first (a patient's preferred site); with `keep_inactive`, an edit form
    keeps offering it after it closed. One query (two for a closed site kept); none when the
    caller passes the active `sites` it has read already."""
    sites = sites_active() if sites is None else list(sites)
    if len(sites) < 2:
        return
    missing = initial is not None and all(site.pk != initial for site in sites)
    if keep_inactive and missing:
        # Chosen once and since made inactive: still shown, so an unchanged form keeps it.
        sites += list(Site.objects.filter(pk=initial))
    form.fields[name] = SiteChoiceField(
        sites=sites, empty_label=empty_label, label=label, required=required, help_text=help_text
    )
    chosen = next((site for site in sites if site.pk == initial), None)
    if chosen is not None and name not in form.initial:
        form.initial[name] = str(chosen.public_id)
