"""The shared state of one `seed_load` run: sizes, names, and the rows later steps refer to."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

EMAIL_DOMAIN = "@load.example"
PER_10K = {
    "therapists": 20,
    "assessments": 20_000,
    "plan_items_per_plan": 4,
    "logs_per_plan": 50,
    "appointments": 100_000,
    "deliveries_per_schedule": 20,
}
APPOINTMENTS_PER_DAY = 10
ROOMS_MAX = 10
FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kira",
    "Leo",
    "Maya",
    "Noah",
    "Olive",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Will",
    "Xena",
    "Yusuf",
    "Zoe",
    "Aled",
    "Bryony",
    "Ciaran",
    "Dora",
    "Ewan",
    "Farah",
    "Gus",
    "Hana",
    "Ivo",
    "Jess",
    "Kwame",
    "Lena",
    "Max",
    "Nia",
]
LAST_NAMES = [
    "Adams",
    "Baker",
    "Clarke",
    "Davies",
    "Evans",
    "Foster",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nolan",
    "Owen",
    "Patel",
    "Quigley",
    "Roberts",
    "Singh",
    "Taylor",
    "Usman",
    "Vaughan",
    "Walker",
    "Young",
    "Zhang",
    "Ahmed",
    "Bell",
    "Cole",
    "Doyle",
    "Ellis",
    "Fraser",
    "Gill",
    "Hart",
    "Ince",
    "Joyce",
    "Kerr",
    "Lowe",
    "Mills",
    "Nash",
    "Orr",
    "Price",
    "Reid",
    "Shaw",
    "Todd",
    "Wood",
    "Byrne",
    "Carr",
    "Dunn",
    "Field",
    "Grant",
    "Hale",
    "Jarvis",
    "Knight",
    "Lamb",
    "Moss",
    "Norris",
    "Page",
    "Rowe",
    "Stone",
    "Ward",
]
# Most patients live near the clinic; some are abroad (reminders follow their clocks).
TIME_ZONES = ["Europe/London"] * 17 + ["Europe/Dublin", "America/New_York", "Australia/Sydney"]
REMINDER_TIMES = (dt.time(7, 30), dt.time(12, 0), dt.time(18, 0), dt.time(19, 30))


@dataclass
class PatientRow:
    pk: int
    index: int
    therapist_id: int
    time_zone: str
    archived: bool
    consent: bool
    episode_ids: list[int] = field(default_factory=list)
    open_since: dt.date | None = None  # when the open (latest) episode started


@dataclass
class Build:
    n: int
    rng: random.Random
    progress: Callable[[str, int, int], None]
    now: dt.datetime = field(default_factory=timezone.now)
    therapist_ids: list[int] = field(default_factory=list)
    reception_id: int = 0
    patients: list[PatientRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # Open episode -> (its final intake, the therapist, finalised at): what is diagnosed.
    intakes: dict[int, tuple[int, int, dt.datetime]] = field(default_factory=dict)
    # Attended visits of open episodes: (appointment, patient, therapist, episode, start).
    attended: list[tuple[int, PatientRow, int, int, dt.datetime]] = field(default_factory=list)

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)

    def scaled(self, name: str) -> int:
        return max(1, round(PER_10K[name] * self.n / 10_000))

    def stamp(self, days_ago: float) -> dt.datetime:
        return self.now - dt.timedelta(days=days_ago)


def tick(run: Build, label: str, done: int, total: int) -> None:
    if done % 10_000 == 0 or done == total:
        run.progress(label, done, total)
