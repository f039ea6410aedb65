"""A stand-in reminder source so the generic pipeline is tested on its own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import ReminderSchedule
from notifications.schedules import reminder_schedule_ensure, schedule_next_due
from notifications.sources import Content, Due, ReminderSource, Skip, register, unregister
from tests.patients.factories import PatientFactory


class FakeSource(ReminderSource):
    name = "fake"
    label = "Test reminders"

    def __init__(self) -> None:
        self.skips: dict[tuple[int, dt.date], Skip] = {}
        self.checked: list[Due] = []

    def check(self, dues):
        self.checked.extend(dues)
        return [self.skips.get((due.subject_id, due.local_date)) for due in dues]

    def compose(self, *, subject_id, local_date, first_name):
        return Content(
            subject="Time for your test",
            intro="Your reminder.",
            items=[("Bridge", "2 sets of 10")],
            sms="Apex Clinic: reminder.",
        )


@pytest.fixture
def fake_source():
    source = register(FakeSource())
    yield source
    unregister(source.name)


@pytest.fixture
def make_schedule(db, fake_source):
    counter = iter(range(1, 10_000))

    def make(patient=None, *, times=("18:00",), **fields) -> ReminderSchedule:
        patient = patient or PatientFactory(email_reminders_consent=True)
        schedule = reminder_schedule_ensure(
            source="fake", subject_id=next(counter), patient=patient
        )
        ReminderSchedule.objects.filter(pk=schedule.pk).update(times=list(times), **fields)
        schedule.refresh_from_db()
        return reschedule(schedule)

    return make


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def reschedule(schedule: ReminderSchedule, after: dt.datetime | None = None) -> ReminderSchedule:
    """Recompute next_due_at from `after` (default: one minute before now, as a save does)."""
    after = after or timezone.now() - dt.timedelta(minutes=1)
    schedule.next_due_at = schedule_next_due(schedule=schedule, after=after)
    schedule.save(update_fields=["next_due_at"])
    return schedule


@pytest.fixture
def published(monkeypatch):
    """Send tasks published to the broker, recorded instead of sent."""
    from notifications.tasks import send_reminder

    calls: list[tuple] = []
    monkeypatch.setattr(
        send_reminder, "apply_async", lambda args, **kwargs: calls.append((args, kwargs))
    )
    return calls


# Fixtures with real processes for the integration tests.
from tests.notifications.integration import (  # noqa: E402
    clean_broker,  # noqa: F401
    processes,  # noqa: F401
    smtp,  # noqa: F401
    throwaway_redis,  # noqa: F401
)


@pytest.fixture
def twilio(settings):
    """A local Twilio API the site's real Twilio backend sends to (no delivery reports: the
    tests post those to the site themselves, signed)."""
    from notifications.sms import sms_backend
    from tests.notifications.fake_twilio import FakeTwilio, FakeTwilioServer, provider_env

    fake = FakeTwilio(callbacks=False)
    with FakeTwilioServer(fake) as server:
        for name, value in provider_env(server.url, "http://testserver").items():
            setattr(settings, name, int(value) if name.endswith("SECONDS") else value)
        sms_backend.cache_clear()
        fake.url = server.url
        yield fake
    sms_backend.cache_clear()


@pytest.fixture(autouse=True)
def _sms_files(settings, tmp_path):
    """The development SMS backend's copies go to the test's own folder, not var/sms/."""
    settings.SMS_FILE_PATH = tmp_path / "sms"
