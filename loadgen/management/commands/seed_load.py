"""Build a clinic-group-sized data set for load tests: `manage.py seed_load --patients 10000`.

Every count scales with --patients (per 10,000 patients: 20 therapists, 15,000 episodes,
20,000 assessments, 10,000 plans with 40,000 items, 500,000 session logs, 100,000
appointments and 200,000 reminder deliveries). Rows go in with COPY on PostgreSQL, so no
model code runs: the generator itself keeps every constraint (one open episode per patient,
one log per plan and day, no overlapping appointments for a therapist, patient or room, one
delivery per schedule, day and slot) and fills the denormalised counters the pages read.
"""

from __future__ import annotations

import random
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from loadgen import load_data
from patients.models import Patient


class Progress:
    """A one-line progress bar on a terminal, a line per step otherwise."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.tty = sys.stdout.isatty()
        self.started = time.monotonic()

    def __call__(self, label: str, done: int, total: int) -> None:
        if not self.tty and done not in (total,):
            return
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        elapsed = time.monotonic() - self.started
        line = f"[{bar}] {label:<22} {done:>9,}/{total:,}  {elapsed:6.1f}s"
        self.stream.write(("\r" + line) if self.tty else line, ending="\n" if done >= total else "")
        self.stream.flush()


class Command(BaseCommand):
    help = "Bulk-load a large, constraint-consistent data set for benchmarks (not for production)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=10_000)
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (same seed, same data)."
        )

    def handle(self, *args, patients: int, seed: int, **options):
        if patients < 1:
            raise CommandError("--patients must be at least 1.")
        existing = Patient.objects.filter(email__endswith=load_data.EMAIL_DOMAIN).count()
        if existing:
            self.stdout.write(f"seed_load: {existing:,} load-test patients already present.")
            return
        started = time.monotonic()
        progress = Progress(self.stdout)
        rng = random.Random(seed)  # noqa: S311 (generated test data, not secrets)
        with transaction.atomic():
            counts = load_data.build(patients=patients, rng=rng, progress=progress)
        summary = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"seed_load: {summary} in {time.monotonic() - started:.0f}s")
        )
