"""Time every hot page in-process over many different objects, and profile where a build goes.

Run inside throwaway services (it creates the database DATABASE_URL names and fills it):

    bash scripts/with-test-services.sh .venv/bin/python scripts/profile_pages.py [PAGE ...]

Production settings (DEBUG off), Django's test client, no web server or network: the figures are
the cost of Django itself. For each page it requests PROFILE_OBJECTS (120) different objects
(patients, assessments, therapist weeks, surnames, portal patients; `portal_500` and `portal_one`
are the patients of the bench's `portal_500` and `portal_home` lines; `dashboard_one` is the
first therapist's dashboard again and again, as the bench's `therapist_dashboard` line asks for
it, where `therapist_dashboard` goes round every therapist; `assessment_one` is the bench's
single-URL assessment; `week_one` is the bench's single-URL week, therapist01's current week
as reception opens it, again and again, where `reception_week`
is a random therapist's week within half a year) with an empty page cache,
then the same URLs again (what a warm cache would serve, if the site has one), and prints per
page: median and p95 milliseconds, queries per request and the milliseconds they took, and the
CPU the PostgreSQL server spent per request in the second pass (`db_cpu_ms`). With
PROFILE_CPROFILE=1 it also prints the top functions (cumulative) of the first pass of each
page (PROFILE_CPROFILE=warm: of the second pass, where a page that keeps derived results finds
them kept; PROFILE_CALLERS=<regex> adds who called the functions it matches). Knobs:
PROFILE_PATIENTS (2000), PROFILE_OBJECTS (120), PROFILE_SEED=0 (reuse a database filled by an
earlier run in the same services), PROFILE_COURSE=bench (the recovery and running pages of the
bench's own 500 portal patients instead of the profile patients).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PATIENTS = int(os.environ.get("PROFILE_PATIENTS", 2000))
OBJECTS = int(os.environ.get("PROFILE_OBJECTS", 120))


def database_create() -> None:
    import psycopg2

    url = urlsplit(os.environ["DATABASE_URL"])
    connection = psycopg2.connect(
        host=url.hostname, port=url.port, user=url.username or "postgres", dbname="postgres"
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [url.path.lstrip("/")])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{url.path.lstrip("/")}"')
    connection.close()


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def client_for(user, *, verified: bool):
    """A test client signed in as `user` (two-factor verified for staff), without a login
    round trip."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if verified:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="profile", defaults={"confirmed": True}
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session["_idle_touch"] = int(time.time())
    session.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def workloads() -> dict[str, list]:
    """Each page: a list of (client, url) over many different objects."""
    import datetime as dt

    from django.db import connection
    from django.db.models import CharField
    from django.db.models.functions import MD5, Cast
    from django.urls import reverse
    from django.utils import timezone

    from assessments.models import Assessment
    from clinic.models import User
    from exercises.models import ExercisePlan
    from loadgen.load_data import EMAIL_DOMAIN
    from patients.models import Patient
    from treatment.models import TreatmentSession

    rng = random.Random(14)
    with connection.cursor() as cursor:  # the same "random" objects in every run on one database
        cursor.execute("SELECT setseed(0.14)")
    therapists = list(User.objects.filter(role=User.Role.THERAPIST).order_by("id"))
    staff = {t.pk: client_for(t, verified=True) for t in therapists}
    first = staff[therapists[0].pk]
    reception = client_for(User.objects.get(email=f"reception{EMAIL_DOMAIN}"), verified=True)

    # Spread over the data set but the same in every process on the same data, so that two
    # trees measured one after the other view the same patients.
    patients = list(
        Patient.objects.filter(archived_at__isnull=True)
        .annotate(shuffle=MD5(Cast("id", CharField())))
        .order_by("shuffle")[:OBJECTS]
    )
    assessments = list(
        Assessment.objects.select_related("episode__patient").order_by("?")[:OBJECTS]
    )
    sessions = list(
        TreatmentSession.objects.select_related("appointment__patient").order_by("?")[:OBJECTS]
    )
    portal = []
    for patient in patients[: min(OBJECTS, 150)]:
        if patient.user_id is None:
            user = User.objects.create_user(
                email=f"profile-{patient.pk}{EMAIL_DOMAIN}", role=User.Role.PATIENT
            )
            Patient.objects.filter(pk=patient.pk).update(user=user)
            patient.user = user
        portal.append((client_for(patient.user, verified=False), reverse("portal:home")))
    # The bench's portal lines: `portal_500`'s patients (bench/workloads.py `portal_logins`,
    # the first 500 with an active plan; OBJECTS of them, spread evenly) and `portal_home`'s
    # one patient (therapist01's first with an active plan), asked for OBJECTS times.
    sys.path.insert(0, str(ROOT / "bench"))
    from workloads import portal_logins

    bench_portal = portal_logins()
    bench_portal = bench_portal[:: max(1, len(bench_portal) // OBJECTS)][:OBJECTS]
    one = (
        Patient.objects.filter(
            created_by=therapists[0],
            archived_at__isnull=True,
            exercise_plans__status=ExercisePlan.Status.ACTIVE,
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    if one.user_id is None:
        one.user = User.objects.create_user(
            email=f"profile-{one.pk}{EMAIL_DOMAIN}", role=User.Role.PATIENT
        )
        Patient.objects.filter(pk=one.pk).update(user=one.user)
    one_client = client_for(one.user, verified=False)
    one_assessment = Assessment.objects.filter(episode__patient=one).order_by("id").first()
    # PROFILE_COURSE=bench: the course pages for the bench's own portal patients (the first
    # 500 with an active plan, `bench.workloads.portal_logins`), spread evenly over them.
    course = portal
    if os.environ.get("PROFILE_COURSE") == "bench":
        from bench.workloads import portal_logins

        logins = portal_logins()
        step = max(1, len(logins) // OBJECTS)
        course = [(client_for(p.user, verified=False), "") for p in logins[::step][:OBJECTS]]
    # The log page answers only a patient with an active plan (others are sent home).
    planned = set(
        ExercisePlan.objects.filter(
            patient__in=patients, status=ExercisePlan.Status.ACTIVE, current_version__isnull=False
        ).values_list("patient_id", flat=True)
    )
    today = timezone.localdate()
    weeks = [
        (
            reception,
            reverse("bookings:week")
            + f"?therapist={rng.choice(therapists).public_id}"
            + f"&date={(today + dt.timedelta(weeks=rng.randint(-26, 26))).isoformat()}",
        )
        for _ in range(OBJECTS)
    ]
    # The bench's single-URL week (bench/run.py `pages_prepare`): therapist01's current week
    # as reception opens it, asked for again and again.
    bench_therapist = User.objects.get(email=f"therapist01{EMAIL_DOMAIN}")
    week_one = reverse("bookings:week") + f"?therapist={bench_therapist.public_id}"
    surnames = sorted({p.last_name[:4].lower() for p in patients})
    return {
        "auth_baseline": [(first, reverse("bench-auth"))] * OBJECTS,
        "patient_detail": [
            (staff.get(p.created_by_id, first), reverse("patients:detail", args=[p.public_id]))
            for p in patients
        ],
        "assessment": [
            (
                staff.get(a.episode.patient.created_by_id, first),
                reverse("assessments:detail", args=[a.public_id]),
            )
            for a in assessments
        ],
        # The bench's single-URL assessment (bench/run.py `pages_prepare`): the first
        # assessment of `one` (therapist01's first patient with an active plan), again and again.
        "assessment_one": [(first, reverse("assessments:detail", args=[one_assessment.public_id]))]
        * OBJECTS,
        # Treatment session notes (drafts and signed), opened by the patient's therapist.
        "treatment_session": [
            (
                staff.get(s.appointment.patient.created_by_id, first),
                reverse("treatment:session", args=[s.public_id]),
            )
            for s in sessions
        ],
        "reception_week": weeks,
        "week_one": [(reception, week_one)] * OBJECTS,
        "patient_search": [(first, reverse("patients:list") + f"?q={s}") for s in surnames],
        # The bench's lines: "patel" again and again (patient_search), and the realistic
        # line's terms (every surname whole and its first three letters, searches_surnames)
        # spread over the staff, in an order the same on every run on the same data.
        "search_patel": [(first, reverse("patients:list") + "?q=patel")] * OBJECTS,
        "search_terms": [
            (staff[therapists[n % len(therapists)].pk], reverse("patients:list") + f"?q={term}")
            for n, term in enumerate(search_terms(rng))
        ][:OBJECTS],
        "portal_home": portal,
        "portal_500": [
            (client_for(p.user, verified=False), reverse("portal:home")) for p in bench_portal
        ],
        "portal_one": [(one_client, reverse("portal:home"))] * OBJECTS,
        # Other portal pages on the same base layout, for the same patients.
        "portal_log": [
            (client, reverse("portal:log"))
            for patient, (client, _) in zip(patients, portal, strict=False)
            if patient.pk in planned
        ],
        "portal_appointments": [
            (client, reverse("portal:appointments:list")) for client, _ in portal
        ],
        # The course of care (bench line portal_course_500: both pages for every patient).
        "portal_rehab": [(client, reverse("portal:rehab")) for client, _ in course],
        "portal_running": [(client, reverse("portal:running")) for client, _ in course],
        "therapist_dashboard": [(staff[t.pk], reverse("clinic:dashboard")) for t in therapists]
        * max(1, OBJECTS // len(therapists)),
        # The bench's dashboard line: the first therapist's dashboard again and again.
        "dashboard_one": [(first, reverse("clinic:dashboard"))] * OBJECTS,
    }


def search_terms(rng: random.Random) -> list[str]:
    """The bench's realistic search line's terms (bench/workloads.py `searches`: every surname
    of the data set whole and its first three letters), shuffled by `rng`."""
    from patients.models import Patient

    surnames = set(Patient.objects.values_list("last_name", flat=True).distinct())
    terms = sorted(surnames | {name[:3] for name in surnames if len(name) > 3})
    rng.shuffle(terms)
    return terms


def run(requests, *, profile: cProfile.Profile | None = None) -> list[float]:
    times = []
    for client, url in requests:
        if profile is not None:
            profile.enable()
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        if profile is not None:
            profile.disable()
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        times.append(elapsed * 1000)
    return times


def queries(requests) -> tuple[float, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, spent = [], []
    for client, url in requests[:30]:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        counts.append(len(captured))
        if os.environ.get("PROFILE_SQL") == "1" and len(counts) <= 2:
            for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:4]:
                print(f"  sql {float(query['time']) * 1000:7.1f} ms  {query['sql'][:400]}")
        spent.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    return statistics.mean(counts), statistics.mean(spent)


def database_cpu_ms() -> float:
    """CPU time the PostgreSQL server process of this connection has used so far (user and
    system, from /proc): what parsing, planning and running the statements cost the server,
    which in-process counts do not see. Needs the server on this machine; 0 elsewhere."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if len(ordered) > 1 else ordered[0]
    return f"median={statistics.median(times):6.1f} p95={p95:6.1f}"


def prepare(*, seed: bool = True) -> None:
    """Production settings for this process and the commands it runs; the database created,
    migrated and (with `seed`) filled with `seed_load`; static files collected."""
    os.environ.update(
        {
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "BENCH_ENDPOINTS": "true",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    database_create()
    manage("migrate", "--noinput", "-v0")
    if seed:
        manage("seed_load", "--patients", str(PATIENTS))
    manage("collectstatic", "--noinput", "-v0")


def main() -> int:
    prepare(seed=os.environ.get("PROFILE_SEED", "1") != "0")

    import django

    django.setup()
    from django.core.cache import cache

    wanted = set(sys.argv[1:])
    loads = {name: load for name, load in workloads().items() if not wanted or name in wanted}
    cache.clear()
    for load in loads.values():  # warm the code paths (imports, template loading) once
        run(load[:3])
    # Each test client has its own handler (middleware loaded once per client, as once per
    # gunicorn worker): load them all before timing.
    for client in {id(client): client for load in loads.values() for client, _ in load}.values():
        client.get("/bench/hello")
    cache.clear()
    # Sessions live in the database here, so clearing the cache does not sign anyone out.
    for name, load in loads.items():
        which = os.environ.get("PROFILE_CPROFILE")
        profile = cProfile.Profile() if which in ("1", "warm") else None
        cold = run(load, profile=profile if which == "1" else None)
        before = database_cpu_ms()
        warm = run(load, profile=profile if which == "warm" else None)
        database_ms = (database_cpu_ms() - before) / len(load)
        cache.clear()
        count, spent = queries(load)
        cache.clear()
        print(
            f"profile: {name:20s} n={len(load):4d} cold {summary(cold)} | warm {summary(warm)}"
            f" | queries={count:5.1f} sql_ms={spent:5.1f} db_cpu_ms={database_ms:5.2f}",
            flush=True,
        )
        if profile is not None:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
            if callers := os.environ.get("PROFILE_CALLERS"):
                pstats.Stats(profile, stream=out).sort_stats("tottime").print_callers(callers)
            print(out.getvalue(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
