"""Reminder sources: how domain apps plug their subjects into the reminder pipeline.

An app contributes a source by defining `<app>/reminders.py` that calls `register()` with a
`ReminderSource` subclass instance. The notifications app imports every app's `reminders`
module when it starts (clinic/plugins.py, as for panels and demo data), so it never imports a
domain app's models itself and the domain apps need no change to their own configuration.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from clinic.plugins import plugin_modules


@dataclass(frozen=True)
class Due:
    """One reminder the dispatcher is about to create, for the source to judge."""

    schedule_id: int
    subject_id: int
    patient_id: int
    local_date: dt.date
    due_at: dt.datetime


@dataclass(frozen=True)
class Skip:
    """Do not send: `reason` is shown to staff. `final` retires the schedule for good."""

    reason: str
    final: bool = False


@dataclass
class Content:
    """What a reminder says. Never clinical detail: names of exercises and doses at most."""

    subject: str
    intro: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (what, detail)
    action_label: str = "Open your portal"
    action_path: str = "/portal/"
    sms: str = ""
    # For a staff source (audience "staff"): the clinician the message goes to.
    to_email: str = ""
    greeting: str = ""


@dataclass(frozen=True)
class Compose:
    """One reminder to write, for `ReminderSource.compose_many`."""

    subject_id: int
    local_date: dt.date
    first_name: str


@dataclass(frozen=True)
class Subject:
    """A subject that should have a schedule; `once_at` for one-off reminders."""

    subject_id: int
    patient_id: int
    once_at: dt.datetime | None = None


class ReminderSource(ABC):
    name: str = ""
    label: str = ""  # e.g. "Exercise reminders": shown to the patient and to staff
    recurring: bool = True
    # "staff": the message goes to a clinician (Content.to_email), by email, at once. The
    # patient's consent, channel, quiet hours and unsubscribing are about reminders to the
    # patient, so they do not apply; the schedule only carries the patient for the record.
    audience: str = "patient"
    default_times: tuple[dt.time, ...] = (dt.time(18, 0),)
    # A reminder is pointless once its moment has passed (it is recorded as missed), but a
    # notice that a message is waiting is still worth sending after an outage.
    send_late: bool = False

    @abstractmethod
    def check(self, dues: list[Due]) -> list[Skip | None]:
        """For each due reminder, None to send it or a Skip; one call per batch."""

    @abstractmethod
    def compose(self, *, subject_id: int, local_date: dt.date, first_name: str) -> Content:
        """The message for one reminder: never any clinical detail."""

    def compose_many(self, requests: list[Compose]) -> list[Content]:
        """The messages for a batch of reminders, in order. Override to load them in one query."""
        return [
            self.compose(
                subject_id=request.subject_id,
                local_date=request.local_date,
                first_name=request.first_name,
            )
            for request in requests
        ]

    def subjects_for_patient(self, *, patient_id: int) -> list[Subject]:
        """The patient's subjects that should be reminded about now (for lazy set-up)."""
        return []

    def describe(self, subject_ids: list[int]) -> dict[int, str]:
        """Short labels for staff and portal pages, one query for all ids."""
        return {}


_registry: dict[str, ReminderSource] = {}


def register(source: ReminderSource) -> ReminderSource:
    _registry[source.name] = source
    return source


def unregister(name: str) -> None:
    _registry.pop(name, None)


def get_source(name: str) -> ReminderSource | None:
    return _registry.get(name)


def all_sources() -> list[ReminderSource]:
    return list(_registry.values())


def staff_source_names() -> list[str]:
    return [name for name, source in _registry.items() if source.audience == "staff"]


def autodiscover() -> None:
    """Import every app's `reminders` module; each registers its sources on import."""
    plugin_modules("reminders")
