"""The audit trail records who did what with patient data and can never be rewritten."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from clinic import audit
from clinic.models import AuditEvent
from patients.models import Patient
from patients.services import episode_open
from tests.conftest import PASSWORD


def _patient(**extra):
    return Patient.objects.create(
        first_name="Alex", last_name="Stride", date_of_birth=dt.date(1980, 5, 1), **extra
    )


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
