"""The audit trail records who did what with patient data and can never be rewritten."""

import datetime as dt
import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from clinic import audit
from clinic.models import AuditEvent
from patients.models import Patient
from patients.services import episode_open
from tests.conftest import PASSWORD


def _patient(**extra):
    fields = {"first_name": "Alex", "last_name": "Stride", "date_of_birth": dt.date(1980, 5, 1)}
    return Patient.objects.create(**{**fields, **extra})


@pytest.mark.django_db
def test_it_records_changes_with_who_and_from_where(therapist):
    request = RequestFactory().post("/patients/new/", REMOTE_ADDR="192.0.2.7")
    request.user = therapist
    token = audit.begin(request)
    try:
        patient = _patient()
        episode_open(patient=patient, side="left", started_on=dt.date(2026, 1, 5))
    finally:
        audit.end(token)
    events = list(AuditEvent.objects.filter(patient=patient).order_by("id"))
    assert [(e.action, e.object_type) for e in events][:2] == [
        ("create", "patients.patient"),
        ("create", "patients.episode"),
    ]
    assert {e.actor_id for e in events} == {therapist.pk}
    assert {e.ip_address for e in events} == {"192.0.2.7"}
    assert len({e.request_id for e in events}) == 1


@pytest.mark.django_db
def test_it_records_the_patients_a_request_handed_out(client, therapist):
    patient = _patient()
    request = RequestFactory().get("/patients/x/", REMOTE_ADDR="192.0.2.8")
    request.user = therapist
    token = audit.begin(request)
    try:
        audit.note_patient(patient)
        audit.flush_request(200)
    finally:
        audit.end(token)
    event = AuditEvent.objects.get(action="view")
    assert event.patient == patient
    assert event.actor == therapist
    assert event.path == "/patients/x/"


@pytest.mark.django_db
def test_it_records_logins_and_failed_logins_without_passwords(client, therapist):
    client.post(reverse("login"), {"username": therapist.email, "password": "wrong-guess"})
    client.post(reverse("login"), {"username": therapist.email, "password": PASSWORD})
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.detail == {"username": therapist.email}
    assert "wrong-guess" not in str(failed.detail)
    assert AuditEvent.objects.filter(action="login", actor=therapist).count() == 1


@pytest.mark.django_db
def test_it_refuses_to_change_or_delete_events_through_the_orm():
    audit.record("export", detail={"why": "test"})
    event = AuditEvent.objects.get()
    event.action = "view"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(action="view")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "export"


@pytest.mark.django_db
def test_it_refuses_to_change_events_even_in_raw_sql():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    audit.record("export")
    for statement in (
        "UPDATE clinic_auditevent SET action = 'view'",
        "DELETE FROM clinic_auditevent",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditEvent.objects.get().action == "export"


@pytest.mark.django_db
def test_it_keeps_the_admin_read_only(manager_client):
    audit.record("export")
    event = AuditEvent.objects.get(action="export")
    change = manager_client.get(reverse("admin:clinic_auditevent_change", args=[event.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    delete = manager_client.get(reverse("admin:clinic_auditevent_delete", args=[event.pk]))
    assert delete.status_code == 403
    assert manager_client.get(reverse("admin:clinic_auditevent_add")).status_code == 403


@pytest.mark.django_db
def test_it_lets_the_manager_search_the_trail(manager_client, therapist, reception):
    patient = _patient()
    audit.record("view", patient=patient, user=therapist)
    audit.record("view", patient=patient, user=reception)
    page = manager_client.get(reverse("clinic:audit"), {"user": "reception", "patient": "stride"})
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count("<tr>") == 2  # the header row and one event
    assert reception.email in body


@pytest.mark.django_db
def test_it_hides_the_trail_from_everyone_but_the_manager(therapist_client):
    assert therapist_client.get(reverse("clinic:audit")).status_code == 403


@pytest.mark.django_db
def test_it_searches_the_trail_in_constant_queries(manager_client, django_assert_num_queries):
    patient = _patient()
    for _ in range(3):
        audit.record("view", patient=patient)
    manager_client.get(reverse("clinic:audit"))  # the first request refreshes the session expiry
    # session, user, count, page of events with their patients (joined)
    with django_assert_num_queries(4):
        manager_client.get(reverse("clinic:audit"))
    for _ in range(40):
        audit.record("view", patient=patient)
    with django_assert_num_queries(4):
        manager_client.get(reverse("clinic:audit"))


def _reception_client(reception) -> Client:
    client = Client()
    client.force_login(reception)
    return client


def _week_with_patients(therapist, names):
    """Appointments tomorrow for patients with these surnames; the week's URL."""
    from tests.bookings.factories import AppointmentFactory, at, follow_up, give_hours

    give_hours(therapist)
    day = dt.date.today() + dt.timedelta(days=1)
    booked = [
        AppointmentFactory(
            patient=_patient(last_name=name),
            therapist=therapist,
            appointment_type=follow_up(),
            start=at(day, f"{9 + hour}:00"),
        )
        for hour, name in enumerate(names)
    ]
    return booked, reverse("bookings:week") + f"?date={day}"


@pytest.mark.django_db
def test_it_records_one_event_naming_each_patient_a_calendar_showed(reception_client, therapist):
    booked, url = _week_with_patients(therapist, ["Ashby", "Brook", "Calder"])
    before = AuditEvent.objects.count()
    assert reception_client.get(url, REMOTE_ADDR="192.0.2.9").status_code == 200
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.patient, event.ip_address) == ("view", None, "192.0.2.9")
    assert event.object_type == "bookings.appointment"
    # What of each patient it showed: their appointment.
    assert sorted(event.shown()) == sorted(
        (a.patient_id, "bookings.appointment", str(a.public_id)) for a in booked
    )


@pytest.mark.django_db
def test_it_finds_every_access_to_a_patient_whichever_form_it_took(reception_client, therapist):
    booked, url = _week_with_patients(therapist, ["Ashby", "Brook"])
    reception_client.get(url)
    calendar = AuditEvent.objects.latest("id")
    alone = _patient(last_name="Dunmore")
    audit.record("view", patient=booked[0].patient, user=therapist)
    own = AuditEvent.objects.latest("id")
    views = AuditEvent.objects.filter(action="view")
    assert set(views.concerning([booked[0].patient_id])) == {calendar, own}
    assert set(views.concerning([booked[1].patient_id])) == {calendar}
    assert set(views.concerning([alone.pk, booked[1].patient_id])) == {calendar}
    assert not AuditEvent.objects.concerning([alone.pk]).exclude(action="create").exists()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_it_finds_a_patient_a_calendar_showed_through_the_index_on_the_ids_alone(
    reception_client, therapist
):
    booked, url = _week_with_patients(therapist, ["Ashby", "Brook"])
    reception_client.get(url)
    query = AuditEvent.objects.concerning([booked[1].patient_id])
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'clinic_auditevent'"
            " AND indexdef LIKE '%%USING gin%%'"
        )
        gin = [row[0] for row in cursor.fetchall()]
    # One GIN index, on the patients' ids only (not every label shown with them).
    assert gin == ["clinic_audit_shown_keys"]
    assert "clinic_audit_shown_keys" in plan
    assert set(query.filter(action="view")) == {AuditEvent.objects.latest("id")}


@pytest.mark.django_db
def test_it_writes_one_event_for_one_patient_as_before(therapist):
    patient, other = _patient(), _patient(last_name="Other")
    request = RequestFactory().get("/patients/x/")
    request.user = therapist
    token = audit.begin(request)
    try:
        audit.note_patient(patient)
        audit.flush_request(200)
        audit.note_patient(patient)
        audit.note_patient(other)
        audit.flush_request(200)
    finally:
        audit.end(token)
    first, second = AuditEvent.objects.filter(action="view").order_by("id")
    assert (first.patient, first.patients_shown) == (patient, {})
    assert second.patient is None
    assert {pk for pk, _, _ in second.shown()} == {patient.pk, other.pk}


@pytest.mark.django_db
def test_it_exports_a_calendar_view_as_this_patients_access_only(
    therapist, manager_client, reception
):
    booked, url = _week_with_patients(therapist, ["Ashby", "Brook"])
    _reception_client(reception).get(url)
    mine, theirs = booked
    response = manager_client.post(
        reverse("patients:privacy-export", args=[mine.patient.public_id])
    )
    events = json.loads(response.content)["records"]["clinic.AuditEvent"]
    views = [event for event in events if event["action"] == "view"]
    assert len(views) == 1
    assert views[0]["patient"] == mine.patient_id
    assert views[0]["object_id"] == str(mine.public_id)
    assert views[0]["actor"] == reception.pk
    # Nothing about who else was on the page.
    assert str(theirs.public_id) not in response.content.decode()
    assert "patients_shown" not in views[0]


@pytest.mark.django_db
def test_it_lets_the_manager_find_a_calendar_view_by_any_patient_on_it(
    therapist, manager_client, reception
):
    _, url = _week_with_patients(therapist, ["Ashby", "Brook"])
    _reception_client(reception).get(url)
    for name in ("brook", "ashby"):
        page = manager_client.get(reverse("clinic:audit"), {"patient": name, "action": "view"})
        body = page.content.decode()
        assert body.count("<tr>") == 2  # the header row and the calendar's event
        assert "2 patients shown" in body
        assert reception.email in body
    page = manager_client.get(reverse("clinic:audit"), {"patient": "nobody", "action": "view"})
    assert "No events match." in page.content.decode()


def _flush_one_view(user, patient, *, path: str, address: str | None) -> None:
    request = RequestFactory().get(path, REMOTE_ADDR=address or "")
    request.user = user
    token = audit.begin(request)
    try:
        audit.note_patient(patient)
        audit.flush_request(200)
    finally:
        audit.end(token)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepares on PostgreSQL only")
def test_it_writes_each_request_through_one_statement_the_server_planned_once(therapist):
    from django.test.utils import CaptureQueriesContext

    from clinic.rows import logged_sql

    patient, other = _patient(), _patient(last_name="Other")
    with CaptureQueriesContext(connection) as captured:
        _flush_one_view(therapist, patient, path="/patients/a/", address="192.0.2.9")
        _flush_one_view(therapist, other, path="/patients/b/", address=None)
    first, second = (query["sql"] for query in captured)
    # Prepared on its first run on this connection (maybe by an earlier test), then only run:
    # the server parses and plans it once. Read through logged_sql, both are the same INSERT.
    assert first.split()[0] in ("PREPARE", "EXECUTE")
    assert second.startswith("EXECUTE ")
    assert logged_sql(first) == logged_sql(second)
    assert "INSERT INTO clinic_auditevent" in logged_sql(second)
    events = list(AuditEvent.objects.filter(action="view").order_by("id"))
    assert [(e.patient, e.path, e.ip_address) for e in events] == [
        (patient, "/patients/a/", "192.0.2.9"),
        (other, "/patients/b/", None),
    ]
    assert [e.detail for e in events] == [{"status": 200}, {"status": 200}]
    assert {e.actor_id for e in events} == {therapist.pk}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepares on PostgreSQL only")
def test_it_writes_the_event_as_plain_sql_where_statements_are_not_prepared(therapist):
    # PgBouncer in transaction mode (config/databases.py turns preparing off there).
    from django.test.utils import CaptureQueriesContext

    patient = _patient()
    connection.settings_dict["PREPARED_STATEMENTS"] = False
    try:
        with CaptureQueriesContext(connection) as captured:
            _flush_one_view(therapist, patient, path="/patients/c/", address="192.0.2.10")
    finally:
        connection.settings_dict["PREPARED_STATEMENTS"] = True
    assert [q["sql"].split()[0] for q in captured] == ["INSERT"]
    event = AuditEvent.objects.get(action="view")
    assert (event.patient, event.path, event.ip_address) == (patient, "/patients/c/", "192.0.2.10")
