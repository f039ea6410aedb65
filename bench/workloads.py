"""Realistic workloads for `make bench`: requests spread over the whole data set.

A single URL asked for 10,000 times is served from the fragment cache after the first request;
real use is not like that. Each workload here is a list of (path, Cookie header) lines that
bench/urls.lua walks, one line per request: every patient page with the session of the
patient's own therapist, every assessment, every treatment session note, each therapist's week
for a year of weeks, searches for every surname, the portal homes of 500 signed-in patients,
the same patients' recovery and running pages, and a mix of the staff pages.
Lines are shuffled once (seeded), so consecutive requests are about different things.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

PORTAL_PATIENTS = 500
WEEKS_BEFORE = 26  # with the weeks from this one on, a year of weeks
WEEKS_AFTER = 26
PORTAL_EMAIL_PREFIX = "bench-portal-"
MIX_EACH = 5_000  # requests from each staff workload in the mix


@dataclass
class Workload:
    name: str
    lines: list[tuple[str, str]]  # (path, Cookie header)

    def write(self, folder: Path) -> Path:
        """The list file bench/urls.lua reads: path, a tab, the cookie, one request a line."""
        path = folder / f"{self.name}.urls"
        path.write_text("".join(f"{url}\t{cookie}\n" for url, cookie in self.lines))
        return path


def session_for(user, *, otp_device=None) -> str:
    """A signed-in session as django.contrib.auth (and django_otp) would store it, in the
    session store the site uses (SESSION_ENGINE); returns the Cookie header."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if otp_device is not None:
        session[DEVICE_ID_SESSION_KEY] = otp_device.persistent_id
    session["_idle_touch"] = int(time.time())
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def device_for(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    return device


def staff_cookie(user) -> str:
    """Staff sessions are two-factor verified, as `django_otp.login` leaves them."""
    return session_for(user, otp_device=device_for(user))


def therapist_cookies() -> dict[int, str]:
    from clinic.models import User

    therapists = User.objects.filter(role=User.Role.THERAPIST, is_active=True).order_by("id")
    return {therapist.pk: staff_cookie(therapist) for therapist in therapists}


def patient_pages(cookies: dict[int, str]) -> list[tuple[str, str]]:
    """Every patient's page, opened by the therapist who registered them."""
    from django.urls import reverse

    from patients.models import Patient

    rows = Patient.objects.filter(created_by__in=cookies).values_list("public_id", "created_by")
    return [(reverse("patients:detail", args=[pid]), cookies[by]) for pid, by in rows]


def assessment_pages(cookies: dict[int, str]) -> list[tuple[str, str]]:
    """Every assessment, opened by the patient's therapist."""
    from django.urls import reverse

    from assessments.models import Assessment

    rows = Assessment.objects.filter(episode__patient__created_by__in=cookies).values_list(
        "public_id", "episode__patient__created_by"
    )
    return [(reverse("assessments:detail", args=[pid]), cookies[by]) for pid, by in rows]


def session_pages(cookies: dict[int, str]) -> list[tuple[str, str]]:
    """Every treatment session note (issue 15), opened by the patient's therapist."""
    from django.urls import reverse

    from treatment.models import TreatmentSession

    rows = TreatmentSession.objects.filter(
        appointment__patient__created_by__in=cookies
    ).values_list("public_id", "appointment__patient__created_by")
    return [(reverse("treatment:session", args=[pid]), cookies[by]) for pid, by in rows]


def reception_weeks(reception_cookie: str, *, today: dt.date) -> list[tuple[str, str]]:
    """Each therapist's week, for a year of weeks around this one, as reception opens them."""
    from django.urls import reverse

    from clinic.models import User

    monday = today - dt.timedelta(days=today.weekday())
    therapists = User.objects.filter(role=User.Role.THERAPIST, is_active=True).values_list(
        "public_id", flat=True
    )
    base = reverse("bookings:week")
    weeks = [monday + dt.timedelta(weeks=k) for k in range(-WEEKS_BEFORE, WEEKS_AFTER)]
    return [
        (f"{base}?{urlencode({'date': week.isoformat(), 'therapist': pid})}", reception_cookie)
        for pid in therapists
        for week in weeks
    ]


def searches(cookies: dict[int, str]) -> list[tuple[str, str]]:
    """Every surname in the data set, whole and its first three letters, by every therapist."""
    from django.urls import reverse

    from patients.models import Patient

    surnames = set(Patient.objects.values_list("last_name", flat=True).distinct())
    terms = sorted(surnames | {name[:3] for name in surnames if len(name) > 3})
    base = reverse("patients:list")
    return [
        (f"{base}?{urlencode({'q': term.lower()})}", cookie)
        for term in terms
        for cookie in cookies.values()
    ]


def portal_logins(count: int = PORTAL_PATIENTS) -> list:
    """`count` patients with a portal login (given on the first run), active plans first."""
    from clinic.models import User
    from exercises.models import ExercisePlan
    from loadgen.load_data import EMAIL_DOMAIN
    from patients.models import Patient

    have = list(
        Patient.objects.filter(user__email__startswith=PORTAL_EMAIL_PREFIX)
        .select_related("user")
        .order_by("id")[:count]
    )
    if len(have) >= count:
        return have
    candidates = (
        Patient.objects.filter(
            user__isnull=True,
            archived_at__isnull=True,
            exercise_plans__status=ExercisePlan.Status.ACTIVE,
        )
        .order_by("id")
        .distinct()
    )
    for patient in candidates[: count - len(have)]:
        patient.user = User.objects.create_user(
            email=f"{PORTAL_EMAIL_PREFIX}{len(have):03d}{EMAIL_DOMAIN}",
            role=User.Role.PATIENT,
            password=None,
        )
        Patient.objects.filter(pk=patient.pk).update(user=patient.user)
        have.append(patient)
    return have


def portal_homes(patients: list) -> list[tuple[str, str]]:
    from django.urls import reverse

    home = reverse("portal:home")
    return [(home, session_for(patient.user)) for patient in patients]


def portal_course(patients: list) -> list[tuple[str, str]]:
    """The course of care in the portal (issue 15): each patient's recovery stage page and
    running programme page, each request with the patient's own session."""
    from django.urls import reverse

    pages = (reverse("portal:rehab"), reverse("portal:running"))
    return [(page, session_for(patient.user)) for patient in patients for page in pages]


def mix(parts: list[list[tuple[str, str]]], *, each: int, rng: random.Random) -> list:
    """The same number of requests from each part, so no one page dominates the mix."""
    lines = []
    for part in parts:
        lines += rng.sample(part, each) if len(part) >= each else rng.choices(part, k=each)
    return lines


def workloads_prepare(*, seed: int = 14, today: dt.date | None = None) -> list[Workload]:
    """Sign in every therapist, reception and 500 patients; build each workload's lines."""
    from django.utils import timezone

    from clinic.models import User

    rng = random.Random(seed)  # noqa: S311 (a reproducible shuffle, not a secret)
    today = today or timezone.localdate()
    cookies = therapist_cookies()
    reception = staff_cookie(User.objects.filter(role=User.Role.RECEPTION).order_by("id")[0])
    portal = portal_logins()
    parts = {
        "patients_all": patient_pages(cookies),
        "assessments_all": assessment_pages(cookies),
        "sessions_all": session_pages(cookies),
        "reception_weeks_year": reception_weeks(reception, today=today),
        "searches_surnames": searches(cookies),
        "portal_500": portal_homes(portal),
        "portal_course_500": portal_course(portal),
    }
    staff = [parts[name] for name in parts if not name.startswith("portal_")]
    parts["staff_mix"] = mix(staff, each=MIX_EACH, rng=rng)
    workloads = []
    for name, lines in parts.items():
        lines = list(lines)
        rng.shuffle(lines)
        workloads.append(Workload(name, lines))
    # The same lines as staff_mix, while bench/writer.py changes data twice a second.
    workloads.append(Workload("staff_mix_writes", workloads[-1].lines))
    return workloads
