"""Create the demo accounts and demo data. Safe to run any number of times."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clinic import demo


class Command(BaseCommand):
    help = "Create demo accounts and sample data (development only; idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DJANGO_DEBUG on: it creates known passwords."
            )
        with transaction.atomic():
            summary = demo.seed()
        for line in summary:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Password for all: {demo.PASSWORD}"))
