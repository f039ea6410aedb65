"""One list of weekdays (clinic.sites.Weekday) serves a site's opening hours and a therapist's
working hours, numbered as Python's `date.weekday()` numbers the dates they are matched with."""

import datetime as dt

from bookings.models import WorkingHours
from clinic.sites import SiteOpeningHours, Weekday


def test_it_numbers_days_as_dates_do():
    monday = dt.date(2026, 11, 30)
    week = [monday + dt.timedelta(days=n) for n in range(7)]
    assert [Weekday(day.weekday()).label for day in week] == [f"{d:%A}" for d in week]


def test_it_gives_opening_hours_and_working_hours_the_same_days():
    import bookings.models

    assert bookings.models.Weekday is Weekday  # the old name still imports
    for model in (SiteOpeningHours, WorkingHours):
        assert model._meta.get_field("weekday").choices == Weekday.choices


def test_it_names_the_day_of_an_opening_hours_row():
    row = SiteOpeningHours(weekday=Weekday.SUNDAY, opens=dt.time(9), closes=dt.time(13))
    assert str(row) == "Sunday 09:00-13:00"
