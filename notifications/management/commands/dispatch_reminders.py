import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from notifications.dispatch import reminders_dispatch


class Command(BaseCommand):
    help = (
        "Run one reminder dispatcher cycle now, or as if at --at, sending in this process. "
        "Running it twice for the same moment creates nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at", help="ISO-8601 moment with a UTC offset, e.g. 2026-03-29T01:30:00+00:00"
        )

    def handle(self, *args, at=None, **options):
        now = None
        if at:
            try:
                now = dt.datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at {at!r} is not an ISO-8601 date and time.") from None
            if now.tzinfo is None:
                raise CommandError("--at needs a UTC offset (for example +00:00 or Z).")
        result = reminders_dispatch(now=now)
        self.stdout.write(
            f"created={result.created} sent={result.sent} skipped={result.skipped} "
            f"missed={result.missed} failed={result.failed} retrying={result.retrying}"
        )
