"""Store the engine's result with every assessment that lacks one or whose stored one no longer
matches (assessments/stored_result.py): run it after a deploy that changes the engine, its
rules or the field catalogue, and after loading rows in bulk. Safe to run at any time and to
run twice: a row whose stored result still matches is left alone, and the pages never depend
on it (without a matching result they run the engine)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from assessments import stored_result
from assessments.diagnosis.schema import FIELDS
from assessments.models import Assessment

BATCH = 500


class Command(BaseCommand):
    help = "Store the engine's result with each assessment whose stored one is missing or stale."

    def handle(self, *args, **options) -> None:
        rows = Assessment.objects.only("pk", "engine_result", *FIELDS).order_by("pk")
        checked = stored = 0
        for batch in _batches(rows.iterator(chunk_size=BATCH)):
            changed = []
            for assessment in batch:
                findings = assessment.findings()
                if stored_result.matches(assessment.engine_result, findings):
                    continue
                record = stored_result.record(findings)
                if record != assessment.engine_result:  # None again for invalid findings
                    assessment.engine_result = record
                    changed.append(assessment)
            Assessment.objects.bulk_update(changed, ["engine_result"])
            checked += len(batch)
            stored += len(changed)
        self.stdout.write(f"assessment_results_store: {stored} of {checked} assessments stored")


def _batches(rows):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
