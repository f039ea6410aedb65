"""`make bench`'s realistic workloads on a small generated data set: the request lists cover
the whole data set with sessions that open the pages, bench/urls.lua walks a list with each
line's cookie and counts what is not a page, and the background writer changes appointments
and patients through the services."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import random
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from bench.workloads import WEEKS_AFTER, WEEKS_BEFORE, workloads_prepare
from bench.writer import Writer, run
from tests.perf.conftest import loaded

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world():
    with loaded(30) as world:
        yield world


def test_it_lists_every_patient_assessment_week_and_surname_with_working_sessions(world, settings):
    from assessments.models import Assessment
    from clinic.models import User
    from patients.models import Patient
    from treatment.models import TreatmentSession

    settings.STAFF_2FA_REQUIRED = True  # as in production: staff sessions come verified
    workloads = {w.name: w for w in workloads_prepare(today=timezone.localdate())}
    assert set(workloads) == {
        "patients_all",
        "assessments_all",
        "sessions_all",
        "reception_weeks_year",
        "searches_surnames",
        "portal_500",
        "portal_course_500",
        "staff_mix",
        "staff_mix_writes",
    }

    def paths(name):
        return {path for path, _ in workloads[name].lines}

    assert len(paths("patients_all")) == Patient.objects.count()
    assert len(paths("assessments_all")) == Assessment.objects.count()
    assert len(paths("sessions_all")) == TreatmentSession.objects.count() > 0
    therapists = User.objects.filter(role=User.Role.THERAPIST).count()
    assert len(paths("reception_weeks_year")) == therapists * (WEEKS_BEFORE + WEEKS_AFTER)
    surname = Patient.objects.order_by("id").first().last_name.lower()
    assert f"/patients/?q={surname}" in paths("searches_surnames")
    portal = workloads["portal_500"].lines
    assert len({cookie for _, cookie in portal}) == len(portal) > 1  # one session per patient
    course = workloads["portal_course_500"].lines
    assert paths("portal_course_500") == {"/portal/recovery/", "/portal/running/"}
    assert len(course) == 2 * len(portal)
    assert workloads["staff_mix_writes"].lines == workloads["staff_mix"].lines
    mixed = paths("staff_mix")
    for name in (
        "patients_all",
        "assessments_all",
        "sessions_all",
        "reception_weeks_year",
        "searches_surnames",
    ):
        assert mixed & paths(name), name
    assert not mixed & paths("portal_course_500")

    for workload in workloads.values():
        for path, cookie in workload.lines[:3]:
            client = Client()
            name, value = cookie.split("=", 1)
            client.cookies[name] = value
            assert client.get(path).status_code == 200, (workload.name, path)


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def do_GET(self):
        self.seen.append((self.path, self.headers.get("Cookie", "")))
        status = 302 if self.path == "/moved" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench does)")
def test_it_walks_the_list_with_each_lines_cookie_and_counts_redirects_as_errors(tmp_path):
    listing = tmp_path / "mix.urls"
    lines = [("/a", "sessionid=one"), ("/b?q=x", "sessionid=two"), ("/c", ""), ("/moved", "")]
    listing.write_text("".join(f"{path}\t{cookie}\n" for path, cookie in lines))
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        output = subprocess.run(
            [
                *("wrk", "-t2", "-c2", "-d1s", "-s", str(ROOT / "bench" / "urls.lua")),
                *(f"http://127.0.0.1:{server.server_port}/", "--", str(listing), "2", "0"),
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
    finally:
        server.shutdown()
    result = json.loads(output.split("wrk-result ", 1)[1].splitlines()[0])
    seen = set(_Recorder.seen)
    assert seen == set(lines)  # every line, each with its own cookie (or none), nothing else
    redirects = sum(1 for path, _ in _Recorder.seen if path == "/moved")
    assert 0 < result["errors"] <= redirects
    assert result["requests"] >= len(lines)


def test_it_moves_an_appointment_out_and_back_and_changes_patients_through_the_services(world):
    from bookings.models import Appointment
    from patients.models import Patient

    writer = Writer(rng=random.Random(3))
    history = Patient.history.count()
    writer.tick()
    moved_id, was = writer.moved
    moved = Appointment.objects.get(pk=moved_id)
    assert moved.start.astimezone(writer.zone).time() == dt.time(20, 0)
    assert moved.sequence == 1  # moved by appointment_move, which counts changes
    writer.tick()  # and back where it was
    moved.refresh_from_db()
    assert moved.start == was
    assert Patient.history.count() == history + 2  # patient_update keeps its history
    figures = run(writer, per_second=50, should_stop=lambda: writer.counts["ticks"] >= 6)
    assert figures["ticks"] == 6
    assert figures["writes"] == 12
    assert figures["errors"] == figures["refused"] == 0
