"""Settings come from the environment and refuse malformed values by name."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from clinic.env import EnvReader


def _start(**env):
    """Import the settings in a fresh interpreter, as a production start would."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean.update(env, DJANGO_SETTINGS_MODULE="clinic.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; settings.DEBUG"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_a_malformed_boolean():
    result = _start(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr


def test_it_refuses_production_without_a_secret_key():
    result = _start(DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="clinic.example")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_it_starts_in_production_with_a_key_and_hosts():
    result = _start(
        DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="clinic.example", DJANGO_SECRET_KEY="x" * 50
    )
    assert result.returncode == 0, result.stderr


def test_it_requires_allowed_hosts_in_production():
    result = _start(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "reader"),
    [
        ("TIME_ZONE", "Mars/Olympus", lambda e: e.time_zone("TIME_ZONE", "Europe/London")),
        ("DATABASE_URL", "nosuchdb://x", lambda e: e.database("DATABASE_URL", {})),
        (
            "CELERY_BROKER_URL",
            "amqp://x",
            lambda e: e.url("CELERY_BROKER_URL", "", schemes=("redis",)),
        ),
        ("DATABASE_CONN_MAX_AGE", "soon", lambda e: e.int("DATABASE_CONN_MAX_AGE", 0)),
    ],
)
def test_it_names_the_variable_with_a_bad_value(name, value, reader):
    with pytest.raises(ImproperlyConfigured, match=name):
        reader(EnvReader({name: value}))


def test_it_reads_booleans_and_defaults():
    env = EnvReader({"A": "Yes", "B": "off", "C": ""})
    assert env.bool("A", False) is True
    assert env.bool("B", True) is False
    assert env.bool("C", True) is True
