"""Bulk FHIR export for the manager: one NDJSON file per resource type.

    python manage.py fhir_export /path/to/folder [--type Patient --type Observation]

Rows are read in chunks (`iterator()`), never a whole table at once; a progress bar per type
goes to the terminal. The export is written to the audit trail.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinic.replica import reading_replica
from interop.exports import bulk_export
from interop.registry import REGISTRY

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Write every FHIR resource the API serves as NDJSON, one file per resource type."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="Folder for the .ndjson files.")
        parser.add_argument(
            "--type",
            action="append",
            dest="types",
            choices=sorted(REGISTRY),
            help="Only this resource type (repeat for more). Default: all.",
        )

    def handle(self, *args, directory: Path, types: list[str] | None, **options):
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is not a folder.")
        with reading_replica():  # a long read: keep it off the primary where a replica serves
            written = bulk_export(directory=directory, types=types, progress=self._progress)
        for name, lines in written.items():
            self.stdout.write(f"{name}: {lines} written to {directory / (name + '.ndjson')}")
        self.stdout.write(self.style.SUCCESS(f"Exported {sum(written.values())} resources."))

    def _progress(self, name: str, done: int, total: int) -> None:
        share = done / total if total else 1
        filled = int(BAR_WIDTH * min(share, 1))
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        end = "\n" if done >= total else "\r"
        self.stdout.write(f"{name:<22} [{bar}] {done}/{total}", ending=end)
        self.stdout.flush()
