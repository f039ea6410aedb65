"""Real parts for the integration tests: an SMTP server on loopback, Celery worker and beat
processes against the test database, and a throwaway Redis server.

Every wait is bounded; every process is stopped (by its own process group) when the test ends.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from tests.exercises.factories import ExerciseFactory
from tests.patients.factories import EpisodeFactory, PatientFactory

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
URL = re.compile(r"https?://[^\s<>\"]+")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    predicate: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    details: Callable[[], str] = lambda: "",
    every: float = 0.2,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}\n{details()}")


def require_real_services() -> None:
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs a real Redis broker: run through `make test` (CELERY_BROKER_URL)")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL so a worker process can share the test database")


def broker_url(db_number: int) -> str:
    """The test Redis, with a database of its own for each test."""
    base = settings.CELERY_BROKER_URL.rsplit("/", 1)[0]
    return f"{base}/{db_number}"


def test_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


# --- SMTP -----------------------------------------------------------------------------


@dataclass
class Received:
    rcpt_tos: list[str]
    message: Message

    @property
    def text(self) -> str:
        for part in self.message.walk():
            if part.get_content_type() == "text/plain":
                return part.get_payload(decode=True).decode()
        return ""

    def urls(self) -> list[str]:
        return URL.findall(self.text)


@dataclass
class SmtpSink:
    """Collects what it accepts. `reply(attempt)` decides the answer to each message's final
    dot (None accepts); `on_accept(count)` runs after a message is kept, before the 250."""

    reply: Callable[[int], str | None] = lambda attempt: None
    on_accept: Callable[[int], None] = lambda count: None
    messages: list[Received] = field(default_factory=list)
    attempts: int = 0
    sessions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            self.attempts += 1
            answer = self.reply(self.attempts)
            if answer is not None:
                return answer
            self.messages.append(
                Received(
                    list(envelope.rcpt_tos),
                    email.message_from_bytes(envelope.content, policy=email.policy.default),
                )
            )
            count = len(self.messages)
        self.on_accept(count)
        return "250 Message accepted"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


@pytest.fixture
def smtp():
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


# --- Celery processes -----------------------------------------------------------------


class Processes:
    """Starts Celery worker and beat processes; each in its own process group."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.running: list[subprocess.Popen] = []

    def env(self, *, broker: str, smtp_port: int, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": broker,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "REMINDER_DISPATCH_EVERY_SECONDS": "1",
            "REMINDER_CLAIM_TIMEOUT_SECONDS": "3",
            "REMINDER_RETRY_BASE_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        env.update(extra)
        return env

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [CELERY, "-A", "config", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_file = log
        self.running.append(process)
        return process

    def worker(
        self,
        env: dict[str, str],
        *,
        pool: str = "prefork",
        concurrency: int = 2,
        queues: str = "default,messages,reports",
        name: str = "worker",
        hostname: str | None = None,
    ):
        """A worker consuming `queues` (all three by default, as `make run` does)."""
        return self.start(
            name,
            [
                "worker",
                f"--queues={queues}",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname={hostname or f'it-{time.monotonic_ns()}@%h'}",
            ],
            env,
        )

    def beat(self, env: dict[str, str]):
        return self.start(
            "beat",
            ["beat", "--loglevel=INFO", f"--schedule={self.tmp_path / 'beat-schedule'}"],
            env,
        )

    @staticmethod
    def kill(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=15)
        process.log_file.close()

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
                except ProcessLookupError:
                    pass
            if not process.log_file.closed:
                process.log_file.close()

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.tmp_path.glob("*.log"))
        )


@pytest.fixture
def processes(tmp_path):
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()


@pytest.fixture
def clean_broker():
    """A Redis database of its own for the test, emptied before use."""
    import redis

    def make(db_number: int) -> str:
        url = broker_url(db_number)
        redis.Redis.from_url(url).flushdb()
        return url

    return make


# --- A throwaway Redis server ---------------------------------------------------------


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self.accepts, timeout=10, what="redis-server to accept connections")

    def accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_for(lambda: not self.accepts(), timeout=10, what="redis-server to stop")


@pytest.fixture
def throwaway_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    yield server
    server.stop()


# --- Data -----------------------------------------------------------------------------


def patient_with_plan(therapist, index: int):
    """A consenting patient with an active, published plan (its schedule comes with it)."""
    from exercises.services import plan_create, plan_publish

    patient = PatientFactory(
        first_name=f"Runner{index}",
        email=f"runner{index}@runners.example",
        email_reminders_consent=True,
    )
    episode = EpisodeFactory(patient=patient)
    plan = plan_create(
        episode=episode, user=therapist, exercises=[ExerciseFactory(), ExerciseFactory()]
    )
    plan_publish(plan=plan, user=therapist)
    return patient, plan
