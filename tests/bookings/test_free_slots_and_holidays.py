"""The free-slot finder as reception meets it, and the clinic's public holidays."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from bookings import selectors, services
from bookings.models import Appointment, ScheduleException
from tests.bookings.factories import (
    AppointmentFactory,
    ScheduleExceptionFactory,
    at,
    follow_up,
    give_hours,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

MONDAY = "2026-03-23"
CHRISTMAS = dt.date(2026, 12, 25)


@pytest.fixture
def staff(client, reception):
    """Reception's browser. Tests sign in at their frozen time (sessions end after 30 idle
    minutes, so a sign-in at the real time would have lapsed by December)."""
    client.force_login(reception)
    return client


def find(client, appointment_type=None, **params):
    chosen = appointment_type or follow_up()
    return client.get(
        reverse("bookings:find_slot"), {"appointment_type": chosen.public_id, **params}
    )


def shown_starts(response) -> list[tuple[dt.date, str, str]]:
    """(day, therapist, "HH:MM") for every start on the page, in page order."""
    return [
        (free["day"], row["name"], start["time"])
        for free in response.context["page"].object_list
        for row in free["therapists"]
        for start in row["starts"]
    ]


# --- the finder ----------------------------------------------------------------------------


@time_machine.travel(at(MONDAY, "08:00"), tick=False)
def test_it_shows_a_free_afternoon_slot_at_15_00(staff, therapist, other_therapist):
    give_hours(therapist)
    give_hours(other_therapist)
    response = find(staff)
    monday = dt.date.fromisoformat(MONDAY)
    assert (monday, "Tess", "15:00") in shown_starts(response)
    assert (monday, "Colin", "15:00") in shown_starts(response)
    assert shown_starts(response)[0] == (monday, "Colin", "09:00")  # first days, first times
    assert "Book Mon 23 Mar at 15:00 to 15:30 with Tess" in response.content.decode()


@time_machine.travel(at(MONDAY, "08:00"), tick=False)
def test_it_offers_every_quarter_hour_that_fits_between_appointments(staff, therapist, patient):
    give_hours(therapist, start="14:00", end="16:00")
    AppointmentFactory(patient=patient, therapist=therapist, start=at(MONDAY, "14:15"))
    monday = dt.date.fromisoformat(MONDAY)
    starts = [s for day, _, s in shown_starts(find(staff, therapist=therapist.public_id))]
    assert starts[:5] == ["14:45", "15:00", "15:15", "15:30", "14:00"]  # then Tuesday
    assert shown_starts(find(staff))[0][0] == monday


@time_machine.travel(at(MONDAY, "08:00"), tick=False)
def test_it_shows_only_afternoon_starts_with_the_afternoon_filter(staff, therapist):
    give_hours(therapist, start="08:00", end="20:00")
    response = find(staff, period="afternoon")
    starts = {s for _, _, s in shown_starts(response)}
    assert min(starts) == "12:00"
    assert max(starts) == "16:45"  # starts at 17:00 and later are the evening's
    assert "Free starts: afternoon (12:00 to 17:00)" in response.content.decode()
    evening = {s for _, _, s in shown_starts(find(staff, period="evening"))}
    assert (min(evening), max(evening)) == ("17:00", "19:30")


@time_machine.travel(at(MONDAY, "08:00"), tick=False)
def test_it_refuses_an_unknown_time_of_day_next_to_the_field(staff, therapist):
    response = find(staff, period="midnight")
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["period"])
    assert response.context["page"] is None


@time_machine.travel(at(MONDAY, "08:00"), tick=False)
def test_it_groups_starts_by_day_first_days_first_and_pages_through_later_days(staff, therapist):
    give_hours(therapist, start="09:00", end="11:00")
    first = find(staff).context["page"]
    second = find(staff, page=2).context["page"]
    days = [free["day"] for free in first.object_list]
    assert days == [dt.date(2026, 3, 23) + dt.timedelta(days=n) for n in range(5)]
    assert second.object_list[0]["day"] == dt.date(2026, 3, 28)
    assert first.paginator.num_pages == 6  # 28 days, five a page
    assert "Later days" in find(staff).content.decode()


@pytest.mark.parametrize("people", [1, 4])
@time_machine.travel(at(MONDAY, "08:00"), tick=False)
def test_it_finds_every_start_in_a_fixed_number_of_queries(
    staff, django_assert_num_queries, therapist, people
):
    for n in range(people):
        colleague = make_user(f"t{n}@test.example", "therapist", first_name=f"T{n}")
        give_hours(colleague)
        for hour in range(9, 9 + people * 2):
            AppointmentFactory(therapist=colleague, start=at(MONDAY, f"{hour:02d}:00"))
    staff.get(reverse("bookings:home"))  # the first visit saves the session
    follow_up_type = follow_up()
    # session, user, the type lookup, therapists, working hours, schedule exceptions, busy
    # appointments, the type (read twice by the select template) and therapist pickers, and
    # the active sites (a site chooser shows when there are two)
    with django_assert_num_queries(11):
        response = find(staff, follow_up_type, period="afternoon", page=2)
    assert response.context["page"].object_list


# --- public holidays -----------------------------------------------------------------------


@time_machine.travel(at("2026-12-21", "08:00"), tick=False)
def test_it_never_offers_christmas_day(staff, reception, therapist):
    staff.force_login(reception)
    give_hours(therapist)  # every day of the week
    response = find(staff)
    days = {day for day, _, _ in shown_starts(response)} | {
        free["day"] for n in (2, 3) for free in find(staff, page=n).context["page"].object_list
    }
    assert CHRISTMAS not in days
    assert dt.date(2026, 12, 26) not in days  # Boxing Day
    assert dt.date(2026, 12, 28) not in days  # Boxing Day (substitute day)
    assert {dt.date(2026, 12, 24), dt.date(2026, 12, 29)} <= days
    assert "Fri 25 Dec: Christmas Day" in response.content.decode()
    slots = selectors.free_slots(appointment_type=follow_up(), therapist=therapist)
    assert all(slot.start.date() != CHRISTMAS for slot in slots)


@time_machine.travel(at("2026-12-21", "08:00"), tick=False)
def test_it_opens_a_holiday_for_a_therapist_with_extra_hours_that_day(therapist):
    ScheduleExceptionFactory(
        therapist=therapist,
        kind=ScheduleException.Kind.EXTRA,
        start=at("2026-12-28", "10:00"),
        end=at("2026-12-28", "12:00"),
    )
    give_hours(therapist)
    slots = selectors.free_slots(appointment_type=follow_up(), therapist=therapist)
    on_the_28th = [s.start for s in slots if s.start.date() == dt.date(2026, 12, 28)]
    assert on_the_28th[0] == at("2026-12-28", "10:00")
    assert on_the_28th[-1] == at("2026-12-28", "11:30")


@time_machine.travel(at("2026-12-01", "08:00"), tick=False)
def test_it_books_a_weekly_series_over_christmas_and_lists_the_skipped_weeks(patient, therapist):
    give_hours(therapist)
    start = at("2026-12-11", "10:00")  # a Friday
    booked = services.appointment_series_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(),
        start=start,
        weeks=5,
        by=None,
    )
    assert [item.start for item in booked] == [
        at("2026-12-11", "10:00"),
        at("2026-12-18", "10:00"),
        at("2027-01-08", "10:00"),
    ]
    assert selectors.series_plan(start=start, weeks=5).skipped_labels == [
        "Fri 25 Dec 2026 (public holiday: Christmas Day)",
        "Fri 1 Jan 2027 (public holiday: New Year's Day)",
    ]


@time_machine.travel(at("2026-12-01", "08:00"), tick=False)
def test_it_tells_reception_which_weeks_it_skips_before_and_after_booking(
    staff, reception, therapist, patient
):
    staff.force_login(reception)
    give_hours(therapist)
    form = {
        "patient": patient.public_id,
        "therapist": therapist.public_id,
        "appointment_type": follow_up().public_id,
        "date": "2026-12-18",
        "time": "10:00",
        "weeks": 2,
    }
    before = staff.post(reverse("bookings:create"), form)
    assert before.status_code == 200
    page = before.content.decode()
    assert "Nothing is booked yet" in page
    assert "Fri 25 Dec 2026 (public holiday: Christmas Day)" in page
    assert not Appointment.objects.filter(patient=patient).exists()

    agreed = before.context["form"]["skip_holidays"].value()
    after = staff.post(reverse("bookings:create"), {**form, "skip_holidays": agreed}, follow=True)
    assert [a.start for a in Appointment.objects.filter(patient=patient)] == [
        at("2026-12-18", "10:00")
    ]
    shown = [str(message) for message in after.context["messages"]]
    assert shown == [
        "Booked Robin Trail with Tess on Fri 18 Dec at 10:00.",
        "Skipped, the clinic is closed: Fri 25 Dec 2026 (public holiday: Christmas Day).",
    ]


@time_machine.travel(at("2026-12-01", "08:00"), tick=False)
def test_it_lists_the_series_and_its_skipped_holidays_on_each_appointment_page(
    staff, reception, therapist, patient, django_assert_num_queries
):
    staff.force_login(reception)
    give_hours(therapist)
    booked = services.appointment_series_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(),
        start=at("2026-12-18", "10:00"),
        weeks=4,
        by=None,
    )
    detail = reverse("bookings:detail", args=[booked[1].public_id])
    staff.get(detail)  # the first visit saves the session
    # session, user, the appointment with patient/therapist/type/room, its status changes,
    # its series, the move form's therapist and room options, one audit insert
    with django_assert_num_queries(9):
        page = staff.get(detail).content.decode()
    assert "Fri 8 Jan 2027, 10:00 (this one)" in page
    assert reverse("bookings:detail", args=[booked[0].public_id]) in page
    assert (
        "Skipped, the clinic is closed: Fri 25 Dec 2026 (public holiday: Christmas Day); "
        "Fri 1 Jan 2027 (public holiday: New Year&#x27;s Day)." in page
    )


@time_machine.travel(at("2026-12-01", "08:00"), tick=False)
def test_it_refuses_a_single_booking_on_a_holiday_unless_staff_override(patient, therapist):
    give_hours(therapist)
    book = {"patient": patient, "therapist": therapist, "appointment_type": follow_up(), "by": None}
    with pytest.raises(services.BookingConflictError) as refused:
        services.appointment_book(start=at("2026-12-25", "10:00"), **book)
    assert refused.value.messages[0].startswith(
        "Fri 25 Dec is a public holiday (Christmas Day): the clinic is closed."
    )
    services.appointment_book(start=at("2026-12-25", "10:00"), allow_outside_hours=True, **book)


def test_it_follows_the_configured_holiday_region(settings):
    settings.CLINIC_HOLIDAYS = "GB-SCT"
    scotland = selectors.closed_days(first=dt.date(2027, 1, 1), last=dt.date(2027, 1, 5))
    assert dt.date(2027, 1, 4) in scotland  # 2 January (substitute day) is a holiday there
    settings.CLINIC_HOLIDAYS = "GB-ENG"
    england = selectors.closed_days(first=dt.date(2027, 1, 1), last=dt.date(2027, 1, 5))
    assert dt.date(2027, 1, 4) not in england
    settings.CLINIC_HOLIDAYS = ""
    assert selectors.closed_days(first=CHRISTMAS, last=CHRISTMAS) == {}
