"""`make bench`: page throughput and reminder delivery, each against a baseline from the same run.

Run by scripts/bench.sh inside scripts/with-test-services.sh, which provides throwaway
PostgreSQL and Redis (DATABASE_URL, CELERY_BROKER_URL). Steps:

1. create the database, migrate, build the large data set (`seed_load`), collectstatic;
2. start gunicorn with production settings (DEBUG off, a generated secret key, the bench-only
   baseline pages on) and sign in a therapist (two-factor verified), a receptionist and a
   patient by writing their sessions directly;
3. for each page, warm up, then drive it with wrk over loopback (32 connections, 30 s) and
   read throughput, p50/p95/p99 latency and errors from bench/report.lua;
4. start a real Celery worker and a local SMTP sink; time a burst of no-op tasks (`clinic.ping`),
   then make 10,000 reminders due in the same minute, run one dispatcher cycle on the worker
   and time until the sink has received every message.

Prints one `bench:` line per measurement and writes bench/results.json. Environment knobs:
BENCH_SECONDS (30), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (32), BENCH_PATIENTS (10000),
BENCH_REMINDERS (10000), BENCH_WEB_WORKERS (3), BENCH_WEB_THREADS (1), BENCH_WORKER_CONCURRENCY
(2), BENCH_PAGES (comma-separated subset of page names), BENCH_SKIP_PAGES and
BENCH_SKIP_REMINDERS (1 to skip that half).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.json"
LUA = ROOT / "bench" / "report.lua"

# Targets from the performance issue; checked and reported after the run.
PAGE_MIN_RATIO = 0.5
PAGE_MAX_P99_MS = 150
REMINDER_MAX_SECONDS = 60
REMINDER_MIN_RATIO = 0.3


def knob(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


SECONDS = knob("BENCH_SECONDS", 30)
WARMUP = knob("BENCH_WARMUP_SECONDS", 3)
CONNECTIONS = knob("BENCH_CONNECTIONS", 32)
PATIENTS = knob("BENCH_PATIENTS", 10_000)
REMINDERS = knob("BENCH_REMINDERS", 10_000)


def log(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)  # noqa: S603 (fixed commands, no user input)


def database_create() -> None:
    """with-test-services.sh starts an empty server: create the database DATABASE_URL names."""
    import psycopg2

    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    connection = psycopg2.connect(
        host=url.hostname, port=url.port, user=url.username or "postgres", dbname="postgres"
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


# --- Accounts and pages -------------------------------------------------------------------


@dataclass
class Page:
    name: str
    path: str
    cookie: str = ""


def session_for(user, *, otp_device=None) -> str:
    """A signed-in session as django.contrib.auth (and django_otp) would store it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if otp_device is not None:
        session[DEVICE_ID_SESSION_KEY] = otp_device.persistent_id
    session["_idle_touch"] = int(time.time())
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def pages_prepare() -> list[Page]:
    """Sign the bench users in and work out each page's URL from the loaded data."""
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from assessments.models import Assessment
    from clinic.load_data import EMAIL_DOMAIN
    from clinic.models import User
    from exercises.models import ExercisePlan
    from patients.models import Patient

    therapist = User.objects.get(email=f"therapist01{EMAIL_DOMAIN}")
    device, _ = TOTPDevice.objects.get_or_create(
        user=therapist, name="bench", defaults={"confirmed": True}
    )
    reception = User.objects.get(email=f"reception{EMAIL_DOMAIN}")
    patient = Patient.objects.filter(user__email=f"bench-patient{EMAIL_DOMAIN}").first()
    if patient is None:  # first run on this data set: give one of therapist01's patients a login
        patient = (
            Patient.objects.filter(
                created_by=therapist,
                archived_at__isnull=True,
                exercise_plans__status=ExercisePlan.Status.ACTIVE,
            )
            .order_by("id")
            .first()
        )
        portal_user = User.objects.create_user(
            email=f"bench-patient{EMAIL_DOMAIN}", role=User.Role.PATIENT, password=None
        )
        Patient.objects.filter(pk=patient.pk).update(user=portal_user)
        patient.user = portal_user
    assessment = Assessment.objects.filter(episode__patient=patient).order_by("id").first()
    staff = session_for(therapist, otp_device=device)
    front_desk = session_for(reception, otp_device=device_for(reception))
    portal = session_for(patient.user)
    pages = [
        Page("hello", reverse("bench-hello")),
        Page("auth_baseline", reverse("bench-auth"), staff),
        Page("portal_home", reverse("portal:home"), portal),
        Page("patient_search", reverse("patients:list") + "?q=patel", staff),
        Page("patient_detail", reverse("patients:detail", args=[patient.public_id]), staff),
        Page("assessment", reverse("assessments:detail", args=[assessment.public_id]), staff),
        # One therapist's week: what reception keeps open (all 20 side by side is another page).
        Page(
            "reception_week",
            reverse("bookings:week") + f"?therapist={therapist.public_id}",
            front_desk,
        ),
        Page("therapist_dashboard", reverse("clinic:dashboard"), staff),
    ]
    if os.environ.get("BENCH_SKIP_PAGES") == "1":
        return []
    wanted = os.environ.get("BENCH_PAGES")
    if wanted:
        names = {"hello", "auth_baseline", *wanted.split(",")}
        pages = [page for page in pages if page.name in names]
    return pages


def device_for(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    return device


# --- Web server and load generator --------------------------------------------------------


@contextmanager
def gunicorn(port: int):
    workers = knob("BENCH_WEB_WORKERS", 3)
    threads = knob("BENCH_WEB_THREADS", 1)
    command = [
        str(BIN / "gunicorn"),
        "clinic.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    log(f"gunicorn: {workers} workers x {threads} threads on port {port}")
    process = subprocess.Popen(command, cwd=ROOT)  # noqa: S603 (fixed commands, no user input)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                fetch(f"http://127.0.0.1:{port}/bench/hello", "")
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, cookie: str) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310 (loopback)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def wrk(url: str, cookie: str, seconds: int) -> dict:
    command = [
        "wrk",
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
    ]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603 (fixed commands, no user input)
    for line in output.splitlines():
        if line.startswith("wrk-result "):
            return json.loads(line.removeprefix("wrk-result "))
    raise RuntimeError(f"wrk printed no result:\n{output}")


def page_measure(base: str, page: Page) -> dict:
    url = base + page.path
    status, _ = fetch(url, page.cookie)
    if status != 200:
        raise RuntimeError(f"{page.name}: {url} answered {status}, not 200")
    if WARMUP:
        wrk(url, page.cookie, WARMUP)
    raw = wrk(url, page.cookie, SECONDS)
    status_after, _ = fetch(url, page.cookie)
    seconds = raw["duration_us"] / 1e6
    return {
        "url": page.path,
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "errors": raw["errors"] + (0 if status_after == 200 else 1),
        "requests": raw["requests"],
        "seconds": round(seconds, 1),
    }


# --- Celery worker, SMTP sink, reminders --------------------------------------------------


class SmtpCounter:
    """An SMTP server on loopback that accepts everything and only counts it."""

    def __init__(self):
        self.count = 0
        self.recipients: set[str] = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.count += 1
        self.recipients.update(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_sink(port: int):
    from aiosmtpd.controller import Controller

    counter = SmtpCounter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield counter
    finally:
        controller.stop()


@contextmanager
def celery_worker(env: dict):
    concurrency = knob("BENCH_WORKER_CONCURRENCY", 2)
    command = [
        str(BIN / "celery"),
        "-A",
        "clinic",
        "worker",
        f"--concurrency={concurrency}",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
    ]
    log(f"celery worker: concurrency {concurrency}")
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 (fixed commands, no user input)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def queue_backlog(client) -> int:
    """Messages waiting in the default queue plus those a worker holds but has not acked."""
    return client.llen("celery") + client.hlen("unacked")


def wait_drained(client, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while queue_backlog(client):
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not drain its queue in time")
        time.sleep(0.01)
    return time.monotonic()


def noop_measure(client, count: int) -> dict:
    from clinic.celery import ping

    ping.delay()
    wait_drained(client, 120)  # the worker is up and has imported everything
    started = time.monotonic()
    with ping.app.producer_or_acquire() as producer:
        for _ in range(count):
            ping.apply_async(producer=producer)
    finished = wait_drained(client, 600)
    seconds = finished - started
    return {"tasks": count, "seconds": round(seconds, 2), "per_s": round(count / seconds, 1)}


def reminders_make_due(count: int) -> dt.datetime:
    """`count` schedules due this very minute, each one a reminder that must really go out."""
    from django.db import transaction
    from django.utils import timezone

    from exercises.models import ExercisePlan, SessionLog
    from notifications.models import ReminderDelivery, ReminderSchedule
    from patients.models import Patient

    due = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        # On a data set reused from an earlier run, nothing left over may compete for the worker.
        ReminderDelivery.objects.filter(status__in=ReminderDelivery.OPEN_STATUSES).update(
            status=ReminderDelivery.Status.MISSED, reason="Left over from an earlier benchmark."
        )
        ids = list(
            ReminderSchedule.objects.filter(source="exercise_plan")
            .order_by("id")
            .values_list("id", flat=True)[:count]
        )
        if len(ids) < count:
            raise RuntimeError(f"only {len(ids)} reminder schedules in the data set")
        schedules = ReminderSchedule.objects.filter(id__in=ids)
        Patient.objects.filter(reminder_schedules__id__in=ids).update(
            archived_at=None, email_reminders_consent=True
        )
        ExercisePlan.objects.filter(
            id__in=schedules.values("subject_id"), status__in=["completed", "paused"]
        ).update(status=ExercisePlan.Status.ACTIVE, end_date=None)
        # A session already logged on the reminder's local day would (rightly) skip it.
        logged = SessionLog.objects.filter(
            plan_id__in=schedules.values("subject_id"), date__gte=due.date() - dt.timedelta(days=1)
        )
        logged._raw_delete(logged.db)
        # Only the dispatcher's reminder due now: nothing else queued or due beforehand.
        ReminderSchedule.objects.exclude(id__in=ids).update(next_due_at=None)
        schedules.update(
            unsubscribed_at=None,
            ended_at=None,
            paused_until=None,
            quiet_start=None,
            quiet_end=None,
            channel=ReminderSchedule.Channel.EMAIL,
            next_due_at=due,
        )
    return due


def reminders_measure(client, sink: SmtpCounter, count: int) -> dict:
    from clinic.celery import app
    from notifications.models import ReminderDelivery

    due = reminders_make_due(count)
    before = sink.count
    started = time.monotonic()
    app.send_task("notifications.dispatch")
    deadline = started + knob("BENCH_REMINDER_TIMEOUT", 300)
    while sink.count - before < count and time.monotonic() < deadline:
        time.sleep(0.02)
    seconds = time.monotonic() - started
    delivered = sink.count - before
    wait_drained(client, 60)
    sent = ReminderDelivery.objects.filter(due_at=due, status=ReminderDelivery.Status.SENT).count()
    return {
        "due": count,
        "delivered": delivered,
        "recorded_sent": sent,
        "seconds": round(seconds, 2),
        "per_s": round(delivered / seconds, 1),
    }


# --- Main -------------------------------------------------------------------------------


def production_env(site_port: int, smtp_port: int) -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "BENCH_ENDPOINTS": "true",
        "SITE_URL": f"http://127.0.0.1:{site_port}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOG_LEVEL": "WARNING",
    }


def ratio(value: float, base: float) -> float:
    return round(value / base, 2) if base else 0.0


def main() -> int:
    site_port, smtp_port = free_port(), free_port()
    os.environ.update(production_env(site_port, smtp_port))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)

    database_create()
    manage("migrate", "--noinput", "-v0")
    manage("seed_load", "--patients", str(PATIENTS))
    manage("collectstatic", "--noinput", "-v0")

    import django

    django.setup()
    pages = pages_prepare()

    results: dict = {
        "config": {
            "seconds": SECONDS,
            "connections": CONNECTIONS,
            "patients": PATIENTS,
            "cpus": os.cpu_count(),
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
        "pages": {},
    }
    base = f"http://127.0.0.1:{site_port}"
    with gunicorn(site_port):
        for page in pages:
            log(f"{page.name}: {page.path}")
            results["pages"][page.name] = page_measure(base, page)
    hello = results["pages"].get("hello", {}).get("rps", 0)
    auth = results["pages"].get("auth_baseline", {}).get("rps", 0)
    for name, figures in results["pages"].items():
        figures["ratio"] = ratio(figures["rps"], auth)
        figures["ratio_hello"] = ratio(figures["rps"], hello)
        print(
            f"bench: {name} rps={figures['rps']} p50_ms={figures['p50_ms']} "
            f"p95_ms={figures['p95_ms']} p99_ms={figures['p99_ms']} errors={figures['errors']} "
            f"ratio={figures['ratio']} ratio_hello={figures['ratio_hello']}",
            flush=True,
        )

    if os.environ.get("BENCH_SKIP_REMINDERS") != "1":
        import redis

        client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
        with smtp_sink(smtp_port) as sink, celery_worker(dict(os.environ)):
            noop = noop_measure(client, REMINDERS)
            log(f"no-op tasks: {noop}")
            reminders = reminders_measure(client, sink, REMINDERS)
        reminders["ratio"] = ratio(reminders["per_s"], noop["per_s"])
        results["noop_task"] = noop
        results["reminders"] = reminders
        print(
            f"bench: reminders delivered={reminders['delivered']} seconds={reminders['seconds']} "
            f"per_s={reminders['per_s']} ratio={reminders['ratio']}",
            flush=True,
        )

    results["targets_missed"] = targets_missed(results)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    for miss in results["targets_missed"]:
        print(f"  target missed: {miss}", file=sys.stderr)
    log(f"results written to {RESULTS.relative_to(ROOT)}")
    return 0


def targets_missed(results: dict) -> list[str]:
    misses = []
    for name, figures in results["pages"].items():
        if name in ("hello", "auth_baseline"):
            continue
        if figures["ratio"] < PAGE_MIN_RATIO:
            misses.append(f"{name}: ratio {figures['ratio']} < {PAGE_MIN_RATIO}")
        if figures["p99_ms"] > PAGE_MAX_P99_MS:
            misses.append(f"{name}: p99 {figures['p99_ms']} ms > {PAGE_MAX_P99_MS}")
        if figures["errors"]:
            misses.append(f"{name}: {figures['errors']} errors")
    reminders = results.get("reminders")
    if reminders:
        if reminders["delivered"] < reminders["due"]:
            misses.append(f"reminders: {reminders['delivered']} of {reminders['due']} delivered")
        if reminders["seconds"] > REMINDER_MAX_SECONDS:
            misses.append(f"reminders: {reminders['seconds']} s > {REMINDER_MAX_SECONDS}")
        if reminders["ratio"] < REMINDER_MIN_RATIO:
            misses.append(f"reminders: ratio {reminders['ratio']} < {REMINDER_MIN_RATIO}")
    return misses


if __name__ == "__main__":
    sys.exit(main())
