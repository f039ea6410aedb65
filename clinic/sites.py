"""Clinic groups and their sites (issue 19).

A clinic group runs one or more sites. Rooms, therapists' working hours and appointments belong
to a site; a patient may prefer one. A new installation has one group with one site, built from
the CLINIC_* settings by a data migration, so a clinic with one site sees no difference.

Each site keeps its own time zone and public-holiday region; the settings TIME_ZONE and
CLINIC_HOLIDAYS are the defaults a new site starts from.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from clinic.models import TimeStampedModel
from clinic.rows import prepared_list
from clinic.validators import validate_time_zone


class Weekday(models.IntegerChoices):
    """Days of the week numbered as `date.weekday()` does, for sites' opening hours and
    therapists' working hours (bookings) alike."""

    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def validate_holiday_region(value: str) -> None:
    """A country code with an optional subdivision the `holidays` library knows ("GB-ENG")."""
    if not value:
        return
    country, _, subdivision = value.partition("-")
    known = holidays.list_supported_countries()
    if country not in known or (subdivision and subdivision not in known[country]):
        raise ValidationError(
            "%(value)s is not a holiday region we know; use a country code with an optional "
            "area, such as GB-ENG, GB-SCT or IE, or leave it empty to open on public holidays.",
            params={"value": value},
        )


class ClinicGroup(TimeStampedModel):
    """The organisation: one clinic, or a group of clinics under one manager."""

    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SiteQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Site(TimeStampedModel):
    """One address where patients are seen."""

    group = models.ForeignKey(ClinicGroup, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    address = models.TextField(blank=True, help_text="Postal address, as patients should read it.")
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    holiday_region = models.CharField(
        max_length=16,
        blank=True,
        default="GB-ENG",
        validators=[validate_holiday_region],
        help_text="Closed on this region's public holidays (GB-ENG, GB-SCT, IE …); empty: open.",
    )
    is_active = models.BooleanField(default=True)
    # The site a one-site clinic never has to choose: forms and services fall back to it.
    is_default = models.BooleanField(default=False)

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="clinic_site_name_in_group"),
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="clinic_site_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        """The zone its working hours are wall-clock times in. The default site follows the
        TIME_ZONE setting (it was made from it), so a one-site clinic keeps one source of truth."""
        return ZoneInfo(settings.TIME_ZONE if self.is_default else self.time_zone)

    @property
    def holidays(self) -> str:
        """The public-holiday region that closes it ("" for none); the default site follows the
        CLINIC_HOLIDAYS setting, as its time zone follows TIME_ZONE."""
        return settings.CLINIC_HOLIDAYS if self.is_default else self.holiday_region

    @property
    def phone_for_patients(self) -> str:
        """The number patients ring about a visit here: the site's own, else the clinic's
        (CLINIC_PHONE). The default site follows the setting, as its time zone does."""
        return settings.CLINIC_PHONE if self.is_default or not self.phone else self.phone

    @property
    def address_line(self) -> str:
        """The address on one line, for texts and calendar entries."""
        return ", ".join(part.strip() for part in self.address.splitlines() if part.strip())


class SiteOpeningHours(models.Model):
    """When a site's doors are open on one weekday (several rows for a split day)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["site_id", "weekday", "opens"]
        verbose_name_plural = "site opening hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="clinic_sitehours_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")),
                name="clinic_sitehours_closes_after_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


def default_site() -> Site:
    """The site a one-site clinic never has to choose (the one marked default, else the
    oldest), created from the settings when there is none.

    The data migration creates it; a database emptied since (tests that flush it) gets it back
    on first use, so rows that name no site always have one to belong to.
    """
    site = Site.objects.order_by("-is_default", "id").first()
    if site is not None:
        return site
    group, _ = ClinicGroup.objects.get_or_create(name="Apex Clinic")
    return Site.objects.create(
        group=group,
        name="Apex Clinic",
        slug="main",
        address=settings.CLINIC_ADDRESS,
        phone=settings.CLINIC_PHONE,
        email=settings.CLINIC_EMAIL,
        time_zone=settings.TIME_ZONE,
        holiday_region=settings.CLINIC_HOLIDAYS,
        is_default=True,
    )


def default_site_id() -> int:
    """The default site's id: the model default of every `site` foreign key, so code written
    before sites (and bulk loaders) keeps working in a one-site clinic."""
    found = Site.objects.order_by("-is_default", "id").values_list("id", flat=True).first()
    return found if found is not None else default_site().pk


def sites_active() -> list[Site]:
    """The sites open for booking, by name. One query, its SQL compiled once per process
    (`clinic.rows.prepared_list`): every form with a site chooser asks, on every view, even in a
    one-site clinic. Pickers show a site chooser only when this holds more than one: a one-site
    clinic never chooses."""
    return prepared_list("clinic_sites_active", Site, _active_sites)


def _active_sites():
    return Site.objects.active().order_by("name")
