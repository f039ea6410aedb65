"""Redis stops while staff and patients are signed in: every page still opens, built without
the cache, and the dashboard still lists its alerts (worked out afresh, with a warning logged).

A real redis-server holds the cache and the sessions (`clinic.sessions`, as in production), is
used once so its connections are open, and is then killed.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.exercises.factories import published_plan
from tests.notifications.integration import RedisServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def redis_cache(tmp_path, settings):
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.SESSION_ENGINE = "clinic.sessions"
    yield server
    server.stop()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_opens_every_kind_of_page_when_redis_stops(redis_cache, therapist, patient_user, caplog):
    # A plan a week old with nothing logged: the dashboard shows alerts about it.
    plan = published_plan(
        therapist=therapist, start_date=timezone.localdate() - dt.timedelta(days=7)
    )
    plan.patient.user = patient_user
    plan.patient.save()
    staff, patient = _signed_in(therapist), _signed_in(patient_user)
    dashboard = reverse("clinic:dashboard")
    pages = {
        staff: [
            dashboard,
            reverse("patients:detail", args=[plan.patient.public_id]),
            reverse("bookings:home"),
            reverse("bookings:week"),
        ],
        patient: [reverse("portal:home"), reverse("portal:appointments:list")],
    }
    alerts = staff.get(dashboard).content.decode().count("Acknowledge<span")  # cached now
    assert alerts >= 1

    redis_cache.stop()
    with caplog.at_level(logging.WARNING):
        for client, urls in pages.items():
            for url in urls:
                assert client.get(url).status_code == 200, url
        assert staff.get(dashboard).content.decode().count("Acknowledge<span") == alerts
    assert "Cache unavailable" in caplog.text
