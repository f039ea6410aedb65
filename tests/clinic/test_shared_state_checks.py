"""`manage.py check --deploy` names state one machine would keep to itself: a local cache,
uploads on local disk, a broker other machines cannot reach."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _deploy_check(**extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MEDIA_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k" * 20 + "-production-secret-for-the-check-" + "z" * 20,
        DJANGO_ALLOWED_HOSTS="clinic.example.org",
        SITE_URL="https://clinic.example.org",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        MEDIA_STORAGE="s3",
        MEDIA_S3_BUCKET="apex-uploads",
    )
    env.pop("CACHE_URL", None)
    env.update(extra)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout + result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "warning"),
    [
        ({"CACHE_URL": "file://"}, "apex.W001"),
        ({"MEDIA_STORAGE": "local"}, "apex.W002"),
        (
            {"CELERY_BROKER_URL": "filesystem://", "CACHE_URL": "redis://redis.internal:6379/1"},
            "apex.W003",
        ),
    ],
    ids=["file-cache", "local-uploads", "filesystem-broker"],
)
def test_it_warns_about_state_other_machines_cannot_see(extra, warning):
    output = _deploy_check(**extra)
    assert warning in output
    assert output.count("apex.W") == 1, output


@pytest.mark.django_db
def test_it_has_nothing_to_say_when_everything_is_shared():
    assert "apex.W" not in _deploy_check()
