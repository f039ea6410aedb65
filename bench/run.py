"""`make bench`: page throughput and reminder delivery, each against a baseline from the same run.

Run by scripts/bench.sh inside scripts/with-test-services.sh, which provides throwaway
PostgreSQL and Redis (DATABASE_URL, CELERY_BROKER_URL). Steps:

1. create the database, migrate, build the large data set (`seed_load`), collectstatic, prepare
   the pages' and workloads' logins and rows, then VACUUM (ANALYZE) and CHECKPOINT so
   measuring starts on a settled database;
2. start gunicorn with production settings (DEBUG off, a generated secret key, the bench-only
   baseline pages on) and sign in a therapist (two-factor verified), a receptionist and a
   patient by writing their sessions directly;
3. for each page, warm up, then drive it with wrk over loopback (32 connections, 30 s) and
   read throughput, p50/p95/p99 latency and errors from bench/report.lua, and the CPU each
   request cost the web workers, PostgreSQL, Redis and wrk (`cpu_ms`, bench/machine.py);
4. the realistic workloads (bench/workloads.py): the same, but each request takes the next
   line of a list spread over the whole data set, with that line's session (bench/urls.lua);
   the last one runs while bench/writer.py changes appointments and patients twice a second;
5. start a real Celery worker and a local SMTP sink (bench/reminders.py); time a burst of
   no-op tasks (`clinic.ping`), then make 10,000 reminders due in the same minute, run one
   dispatcher cycle on the worker and time until the sink has received every message.

The baselines are measured again at the end and the ratios divide by the mean of the baselines
measured before and after (a spread over 10 % is printed as unsteady). Prints one `bench:` line
per measurement and writes bench/results.json. Environment knobs:
BENCH_SECONDS (30), BENCH_WARMUP_SECONDS (3), BENCH_SETTLE_TURN_SECONDS (5; every line driven,
unmeasured, after each settle: `settling_turn`), BENCH_CONNECTIONS (32), BENCH_PATIENTS (10000),
BENCH_REMINDERS (10000), BENCH_WEB_WORKERS (3), BENCH_WEB_THREADS (1), BENCH_WORKER_CONCURRENCY
(2), BENCH_WRITES_PER_SECOND (2), BENCH_PAGES and BENCH_WORKLOADS (comma-separated subsets of
names), BENCH_SKIP_PAGES, BENCH_SKIP_WORKLOADS and BENCH_SKIP_REMINDERS (1 to skip that part),
BENCH_BASELINE_EACH (0; seconds of `auth_baseline`, logged, before each workload), BENCH_ROUNDS
(1; passes over every line, each line reported by its median round, each round divided by the
baselines measured before and after it), BENCH_COMPARE (the path of another checkout with the
same migrations: every round is measured once under each tree's gunicorn, in alternating
order, on the one data set, and the other tree's lines are printed as `bench-compare:`),
BENCH_COMPARE_WEB_WORKERS (the other tree's gunicorn workers; BENCH_WEB_WORKERS otherwise: a
clone of this tree with another count compares the two counts).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from compare import COMPARE, compare_print, compare_root, tree_workers, turns
from machine import WEB_PIDS, cpu_per_request, cpu_seconds, machine_state
from reminders import celery_worker, noop_measure, reminders_measure, smtp_sink
from rounds import BASELINES, ratio, rounds_combined
from targets import targets_missed

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.json"
LUA = ROOT / "bench" / "report.lua"
URLS_LUA = ROOT / "bench" / "urls.lua"


def knob(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


SECONDS = knob("BENCH_SECONDS", 30)
WARMUP = knob("BENCH_WARMUP_SECONDS", 3)
#: Seconds of each line driven, unmeasured, straight after each settle (`settling_turn`).
SETTLE_TURN = knob("BENCH_SETTLE_TURN_SECONDS", 5)
CONNECTIONS = knob("BENCH_CONNECTIONS", 32)
PATIENTS = knob("BENCH_PATIENTS", 10_000)
REMINDERS = knob("BENCH_REMINDERS", 10_000)
WRK_THREADS = 2
WRITES_PER_SECOND = knob("BENCH_WRITES_PER_SECOND", 2)


def log(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(*args: str, root: Path = ROOT) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=root, check=True)  # noqa: S603 (fixed commands, no user input)


def server_connect(dbname: str | None = None):
    """An autocommit connection to the bench's PostgreSQL (DATABASE_URL), outside Django."""
    import psycopg2

    url = urlsplit(os.environ["DATABASE_URL"])
    connection = psycopg2.connect(
        host=url.hostname,
        port=url.port,
        user=url.username or "postgres",
        dbname=dbname or url.path.lstrip("/"),
    )
    connection.autocommit = True
    return connection


def database_create() -> None:
    """with-test-services.sh starts an empty server: create the database DATABASE_URL names."""
    name = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    connection = server_connect("postgres")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def database_settle() -> None:
    """Start measuring on a database in the state a clinic's is in, not in the wake of a bulk
    load. `seed_load` writes millions of rows at once; left alone, autovacuum then vacuums
    every one of those tables (PostgreSQL vacuums after inserts too) while the first lines,
    the baselines among them, are measured, and the first reads of each row write its hint
    bits. VACUUM (ANALYZE) does that work now, CHECKPOINT writes out what it dirtied."""
    started = time.monotonic()
    connection = server_connect()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
    connection.close()
    log(f"database settled (VACUUM (ANALYZE), CHECKPOINT) in {time.monotonic() - started:.0f} s")


def background_work() -> str:
    """What the database server is doing besides serving the pages, noted with each line so a
    line measured beside an autovacuum can be told apart."""
    connection = server_connect()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE backend_type = 'autovacuum worker'),"
            " (SELECT checkpoints_req + checkpoints_timed FROM pg_stat_bgwriter)"
            " FROM pg_stat_activity"
        )
        vacuums, checkpoints = cursor.fetchone()
        cursor.execute("SELECT pg_database_size(current_database())")
        (database_bytes,) = cursor.fetchone()
        # Whole pages written to the log so far (the first change to a page after a checkpoint)
        cursor.execute("SELECT wal_fpi, wal_bytes FROM pg_stat_wal")
        whole_pages, wal_bytes = cursor.fetchone()
    connection.close()
    return (
        f"autovacuum workers {vacuums}, checkpoints so far {checkpoints}, "
        f"database {database_bytes >> 20} MiB, WAL so far {int(wal_bytes) >> 20} MiB with "
        f"{whole_pages} whole pages, {machine_state()}"
    )


# --- Accounts and pages -------------------------------------------------------------------


@dataclass
class Page:
    name: str
    path: str
    cookie: str = ""


def pages_prepare() -> list[Page]:
    """Sign the bench users in and work out each page's URL from the loaded data."""
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from workloads import device_for, session_for

    from assessments.models import Assessment
    from clinic.models import User
    from exercises.models import ExercisePlan
    from loadgen.load_data import EMAIL_DOMAIN
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


def workloads_wanted() -> list:
    """The realistic workloads (bench/workloads.py), unless BENCH_SKIP_WORKLOADS=1;
    BENCH_WORKLOADS names a comma-separated subset."""
    from workloads import workloads_prepare

    if os.environ.get("BENCH_SKIP_WORKLOADS") == "1":
        return []
    workloads = workloads_prepare()
    wanted = os.environ.get("BENCH_WORKLOADS")
    if wanted:
        workloads = [w for w in workloads if w.name in wanted.split(",")]
    return workloads


# --- Web server and load generator --------------------------------------------------------


@contextmanager
def gunicorn(port: int, root: Path = ROOT, workers: int | None = None):
    workers = workers or knob("BENCH_WEB_WORKERS", 3)
    threads = knob("BENCH_WEB_THREADS", 1)
    command = [
        str(BIN / "gunicorn"),
        "config.wsgi",
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
    log(f"gunicorn: {workers} workers x {threads} threads on port {port}, from {root}")
    process = subprocess.Popen(command, cwd=root)  # noqa: S603 (fixed commands, no user input)
    WEB_PIDS[:] = [process.pid]
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


def wrk(url: str, cookie: str, seconds: int, *, script: Path = LUA, args: tuple = ()) -> dict:
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    if args:
        command += ["--", *map(str, args)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603 (fixed commands, no user input)
    for line in output.splitlines():
        if line.startswith("wrk-result "):
            return json.loads(line.removeprefix("wrk-result "))
    raise RuntimeError(f"wrk printed no result:\n{output}")


def figures(raw: dict, *, errors: int = 0) -> dict:
    seconds = raw["duration_us"] / 1e6
    return {
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "errors": raw["errors"] + errors,
        "requests": raw["requests"],
        "seconds": round(seconds, 1),
    }


def page_measure(base: str, page: Page) -> dict:
    url = base + page.path
    status, _ = fetch(url, page.cookie)
    if status != 200:
        raise RuntimeError(f"{page.name}: {url} answered {status}, not 200")
    if WARMUP:
        wrk(url, page.cookie, WARMUP)
    before = cpu_seconds()
    raw = wrk(url, page.cookie, SECONDS)
    cpu = cpu_per_request(before, raw["requests"])
    status_after, _ = fetch(url, page.cookie)
    return {"url": page.path, **figures(raw, errors=0 if status_after == 200 else 1), "cpu_ms": cpu}


ROUNDS = max(knob("BENCH_ROUNDS", 1), 1)  # passes over every line; each line's median reported
BASELINE_EACH = knob("BENCH_BASELINE_EACH", 0)  # seconds of auth_baseline before each workload


def baseline_check(base: str, pages: list[Page]) -> None:
    """With BENCH_BASELINE_EACH set, a short `auth_baseline` line before each workload (logged
    only, never in a ratio), to see when in a run the yardstick moves."""
    for page in pages:
        if page.name == "auth_baseline":
            raw = wrk(base + page.path, page.cookie, BASELINE_EACH)
            log(f"auth_baseline now: {figures(raw)['rps']} requests a second")


def baselines_again(base: str, pages: list[Page]) -> dict:
    """Measure the baselines once more at the end of the run. One 20-second line is a shaky
    yardstick: on this 2-core machine `auth_baseline` gave 735 to 970 requests a second in
    runs of the same code, which moved every ratio of the run by up to a quarter; each round's
    ratios divide by the mean of the baselines measured before and after it (`yardsticks`).
    Nothing is measured again when the run measures only the baselines."""
    if all(page.name in BASELINES for page in pages):
        return {}
    # As at the start: the workloads' writes (the audit trail's rows, the writer's changes)
    # set autovacuum off, which would otherwise run beside these two lines alone.
    log(f"before the baselines again: {background_work()}")
    database_settle()
    settling_turn(base, [page for page in pages if page.name in BASELINES], [], Path())
    return {page.name: page_measure(base, page) for page in pages if page.name in BASELINES}


def settling_turn(base: str, pages: list[Page], workloads: list, folder: Path) -> None:
    """Drive every line for SETTLE_TURN seconds, measuring nothing, straight after a settle.
    In stop 47's A/Bs the tree measured first after a round's `VACUUM (ANALYZE)` and
    `CHECKPOINT` read lower on every line, whichever tree it was, with the database's CPU a
    request higher too (not shown why; one guess: after a checkpoint the first change to each
    page writes the whole page to the log). This turn takes that first stretch, so that
    neither tree's measured turn begins on a freshly settled database."""
    if not SETTLE_TURN:
        return
    started = time.monotonic()
    for page in pages:
        wrk(base + page.path, page.cookie, SETTLE_TURN)
    for workload in workloads:
        listing = workload.write(folder)
        wrk(base + "/", "", SETTLE_TURN, script=URLS_LUA, args=(listing, WRK_THREADS, 0.5))
    log(f"settling turn ({SETTLE_TURN} s a line, unmeasured) in {time.monotonic() - started:.0f} s")


def round_measure(base: str, pages: list[Page], workloads: list, folder: Path) -> dict:
    """One pass over the pages (the baselines first) and the workloads."""
    measured: dict = {"pages": {}, "workloads": {}}
    for page in pages:
        log(f"{page.name}: {page.path} ({background_work()})")
        measured["pages"][page.name] = page_measure(base, page)
    for workload in workloads:
        lines = len(workload.lines)
        log(f"{workload.name}: {lines} requests in its list ({background_work()})")
        if BASELINE_EACH:
            baseline_check(base, pages)
        measured["workloads"][workload.name] = workload_measure(base, workload, folder)
    return measured


def rounds_measure(
    site_port: int, trees: list[Path], pages: list[Page], workloads: list, folder: Path
) -> dict[Path, list]:
    """BENCH_ROUNDS passes over every line under each tree's gunicorn (the trees taking turns
    first: `turns`), the database settled before each round (the first was settled by the
    caller) and each round opened by an unmeasured `settling_turn`."""
    base = f"http://127.0.0.1:{site_port}"
    rounds: dict[Path, list] = {tree: [] for tree in trees}
    for number in range(ROUNDS):
        if number:
            log(f"round {number + 1} of {ROUNDS}")
            database_settle()
        for turn, tree in enumerate(turns(trees, number)):
            with gunicorn(site_port, tree, tree_workers(tree, ROOT)):
                if turn == 0:
                    settling_turn(base, pages, workloads, folder)
                rounds[tree].append(round_measure(base, pages, workloads, folder))
    return rounds


# --- Realistic workloads (bench/workloads.py) ----------------------------------------------


@contextmanager
def background_writer():
    """bench/writer.py in its own process, changing data twice a second until the block ends."""
    process = subprocess.Popen(  # noqa: S603 (fixed commands, no user input)
        [sys.executable, str(ROOT / "bench" / "writer.py"), str(WRITES_PER_SECOND)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    if process.stdout.readline().strip() != "writer-ready":
        process.kill()
        raise RuntimeError("bench/writer.py did not start")
    outcome: dict = {}
    try:
        yield outcome
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=60)
        for line in output.splitlines():
            if line.startswith("writer-result "):
                outcome.update(json.loads(line.removeprefix("writer-result ")))
        if not outcome:
            outcome.update(errors=1, writes=0, note=f"writer exited with {process.returncode}")


def workload_measure(base: str, workload, folder: Path) -> dict:
    """wrk over the workload's list (bench/urls.lua); a sample of its lines must answer 200."""
    for path, cookie in workload.lines[:: max(1, len(workload.lines) // 5)][:5]:
        status, _ = fetch(base + path, cookie)
        if status != 200:
            raise RuntimeError(f"{workload.name}: {path} answered {status}, not 200")
    listing = workload.write(folder)
    writer = background_writer() if workload.name.endswith("_writes") else nullcontext({})
    with writer as writes:
        if WARMUP:  # from the middle of each thread's share: the measured run starts afresh
            wrk(base + "/", "", WARMUP, script=URLS_LUA, args=(listing, WRK_THREADS, 0.25))
        before = cpu_seconds()
        raw = wrk(base + "/", "", SECONDS, script=URLS_LUA, args=(listing, WRK_THREADS, 0))
        cpu = cpu_per_request(before, raw["requests"])
    # Distinct (path, session) pairs: 500 portal homes share one path.
    result = {"lines": len(workload.lines), "distinct": len(set(workload.lines))}
    result |= figures(raw, errors=writes.get("errors", 0)) | {"cpu_ms": cpu}
    if writes:
        result["writer"] = writes
    return result


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


def main() -> int:
    site_port, smtp_port = free_port(), free_port()
    os.environ.update(production_env(site_port, smtp_port))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)

    database_create()
    manage("migrate", "--noinput", "-v0")
    manage("seed_load", "--patients", str(PATIENTS))
    manage("collectstatic", "--noinput", "-v0")

    import django

    django.setup()
    pages = pages_prepare()
    workloads = workloads_wanted()
    # After the logins, sessions and rows the pages and workloads prepare: the first round
    # then reads a database as settled as the later rounds do (each is settled before it).
    database_settle()

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
    trees = [ROOT] + ([compare_root(sys.executable)] if COMPARE else [])
    ends: dict[Path, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-urls-") as folder:
        rounds = rounds_measure(site_port, trees, pages, workloads, Path(folder))
        for tree in trees:
            with gunicorn(site_port, tree, tree_workers(tree, ROOT)):
                ends[tree] = baselines_again(base, pages)
    combined = rounds_combined(rounds[ROOT], ends[ROOT])
    results["config"]["rounds"] = ROUNDS
    results["pages"] = combined["pages"]
    if workloads:
        results["workloads"] = combined["workloads"]
    if COMPARE:
        other = rounds_combined(rounds[trees[1]], ends[trees[1]])
        results["compare"] = compare_print(other, combined)
    for name, measured in [*results["pages"].items(), *results.get("workloads", {}).items()]:
        each = f" rounds={','.join(map(str, measured['rounds']))}" if "rounds" in measured else ""
        print(
            f"bench: {name} rps={measured['rps']} p50_ms={measured['p50_ms']} "
            f"p95_ms={measured['p95_ms']} p99_ms={measured['p99_ms']} errors={measured['errors']} "
            f"ratio={measured['ratio']} ratio_hello={measured['ratio_hello']}{each} "
            f"cpu_ms={','.join(f'{k}:{v}' for k, v in measured.get('cpu_ms', {}).items())}",
            flush=True,
        )
        if "writer" in measured:
            log(f"{name}: background writer {measured['writer']}")

    if os.environ.get("BENCH_SKIP_REMINDERS") != "1":
        import redis

        from config.celery import app

        # Emails the background writer queued (no worker ran then) would reach the sink too.
        app.control.purge()
        client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
        with smtp_sink(smtp_port) as sink, celery_worker(dict(os.environ)):
            noop = noop_measure(client, REMINDERS)
            log(f"no-op tasks: {noop}")
            reminders = reminders_measure(client, sink, REMINDERS)
        reminders["ratio"] = ratio(reminders["per_s"], noop["per_s"])
        results["noop_task"] = noop
        results["reminders"] = reminders
        if reminders["not_sent"] or reminders["recorded"] < reminders["due"]:
            log(f"reminders not sent: {reminders['not_sent']}; recorded {reminders['recorded']}")
        print(
            f"bench: reminders delivered={reminders['delivered']} seconds={reminders['seconds']} "
            f"per_s={reminders['per_s']} ratio={reminders['ratio']}",
            flush=True,
        )

    results["targets_missed"] = targets_missed(results)
    results["unsteady"] = [
        f"{name} moved by {spread:.0%} between its lowest and highest measurement of the run"
        for name in BASELINES
        if (spread := results["pages"].get(name, {}).get("spread", 0)) > 0.1
    ]
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    for miss in results["targets_missed"]:
        print(f"  target missed: {miss}", file=sys.stderr)
    for note in results["unsteady"]:
        print(f"  unsteady: {note}", file=sys.stderr)
    log(f"results written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
