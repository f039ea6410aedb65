"""Settings come from the environment and refuse malformed values by name."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks.security.base import SECRET_KEY_MIN_LENGTH
from django.core.exceptions import ImproperlyConfigured

from clinic.env import EnvReader

ROOT = Path(__file__).resolve().parents[2]


def _start(**env):
    """Import the settings in a fresh interpreter, as a production start would."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
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


# A key the settings accept must also pass `check --deploy`: 50+ characters, 5+ different.
GOOD_KEY = "kq3-Vt9_" * 7  # 56 characters


def test_it_refuses_production_without_a_secret_key():
    result = _start(DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="clinic.example")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (secrets.token_urlsafe(24), "is only 32 characters long"),  # what the docs used to show
        ("a1b2-" * 9 + "a1b2", "is only 49 characters long"),
        ("ab" * 30, "repeats too few different characters"),
        ("django-insecure-" + secrets.token_urlsafe(50), "is the development key"),
    ],
    ids=["32-characters", "49-characters", "two-characters", "django-insecure"],
)
def test_it_refuses_a_weak_production_secret_key_with_a_clear_message(key, says):
    result = _start(
        DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="clinic.example", DJANGO_SECRET_KEY=key
    )
    assert result.returncode != 0
    assert f"DJANGO_SECRET_KEY {says}" in result.stderr
    assert "at least 50 characters" in result.stderr


def test_it_documents_the_secret_key_length_the_settings_require():
    for name in ("README.md", ".env.example"):
        text = (ROOT / name).read_text()
        stated = [int(n) for n in re.findall(r"(\d+)\+? (?:random )?characters", text)]
        assert stated, name
        assert min(stated) >= SECRET_KEY_MIN_LENGTH, (name, stated)


def test_it_starts_in_production_with_a_key_and_hosts():
    result = _start(
        DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="clinic.example", DJANGO_SECRET_KEY=GOOD_KEY
    )
    assert result.returncode == 0, result.stderr


def test_it_requires_allowed_hosts_in_production():
    result = _start(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=GOOD_KEY)
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


def _cache_of(**env) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"))
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; "
            "c = settings.CACHES['default']; print(c['BACKEND'], c.get('LOCATION', ''))",
        ],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_it_shares_the_cache_between_processes_by_default():
    # Production with a Redis broker: database 1 of the same server, never per-process memory.
    assert _cache_of(CELERY_BROKER_URL="redis://redis.internal:6379/0") == (
        "clinic.cache.RedisCache redis://redis.internal:6379/1"
    )
    # `make run` (embedded broker): files that the web and worker processes both read.
    assert _cache_of().startswith("django.core.cache.backends.filebased.FileBasedCache ")
    assert _cache_of(CACHE_URL="redis://cache:6379/3").endswith("redis://cache:6379/3")


def test_it_refuses_an_unknown_cache_scheme():
    result = _start(CACHE_URL="memcached://cache:11211")
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr


@pytest.mark.parametrize("value", ["-1", "two"])
def test_it_refuses_a_malformed_trusted_proxy_count(value):
    result = _start(TRUSTED_PROXY_COUNT=value)
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr


#: Read from the environment but not for operators: `make bench` sets it for its own run.
UNDOCUMENTED = {"BENCH_ENDPOINTS"}


def test_it_documents_every_variable_the_settings_read():
    source = "".join(
        (ROOT / "config" / name).read_text()
        for name in ("settings.py", "storage.py", "databases.py")
    )
    names = set(re.findall(r"env\.\w+\(\s*\"([A-Z0-9_]+)\"", source)) - UNDOCUMENTED
    assert "TRUSTED_PROXY_COUNT" in names
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    assert {n for n in names if not re.search(rf"^{n}=", example, re.M)} == set()
    assert {n for n in names if f"`{n}`" not in readme} == set()
