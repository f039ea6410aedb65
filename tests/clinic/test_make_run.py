"""`make run` works: on its embedded defaults (SQLite, no Redis) the demo is seeded and every
page a demo account can reach by following links answers without a server error.

The rest of the suite runs on PostgreSQL, where pages read several apps' rows in one statement
of JSON columns and prepare their SQL on the server; none of that exists on SQLite, so a page
can pass every other test and still fail for the newcomer who types `make run` (the portal
home, the patient page, the assessment page and the manager's site report all did, until this
test). It runs `migrate`, `seed_demo` and `scripts/crawl_demo.py` in a child process with the
test services' addresses taken out of its environment, as a fresh machine would have it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: What the test services export (scripts/with-test-services.sh); `make run` has none of it.
SERVICES = ("DATABASE_", "CELERY_", "REDIS_", "CACHE_", "TEST_", "DJANGO_")


def _dev_environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SERVICES)}
    env["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"  # make run's engine, own file
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return env


def _run(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def test_every_page_a_demo_account_reaches_answers_on_sqlite(tmp_path):
    env = _dev_environment(tmp_path)
    for step in (["manage.py", "migrate", "--noinput", "-v0"], ["manage.py", "seed_demo"]):
        done = _run(env, *step)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]

    crawled = _run(env, "scripts/crawl_demo.py", "--pages", "400")

    report = crawled.stdout
    assert "crawl: database sqlite" in report, report + crawled.stderr[-4000:]
    assert crawled.returncode == 0, report + crawled.stderr[-4000:]
    # It did walk the site for every role, not stop at a sign-in page.
    for account in ("therapist@", "reception@", "manager@", "patient@"):
        (line,) = [line for line in report.splitlines() if line.startswith(f"crawl: {account}")]
        assert int(line.split(") ")[1].split(" pages")[0]) >= 50, line
