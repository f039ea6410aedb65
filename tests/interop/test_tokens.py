"""API tokens: made by the manager for clinic staff, shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from clinic.models import AuditEvent
from interop import services
from interop.models import ApiToken

from .conftest import api

pytestmark = pytest.mark.django_db


def test_it_stores_only_a_hash_of_the_token(therapist, manager):
    token, raw = services.token_create(user=therapist, label="GP import", by=manager)
    token.refresh_from_db()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in str(stored)
    assert len(raw) >= 40  # 32 random bytes


def test_it_makes_a_different_token_each_time(therapist, manager):
    _, first = services.token_create(user=therapist, label="One", by=manager)
    _, second = services.token_create(user=therapist, label="Two", by=manager)
    assert first != second


def test_it_refuses_a_token_for_a_patient(patient_user, manager):
    with pytest.raises(ValidationError):
        services.token_create(user=patient_user, label="Mine", by=manager)
    assert not ApiToken.objects.exists()


def test_it_refuses_a_token_without_a_purpose(therapist, manager):
    with pytest.raises(ValidationError):
        services.token_create(user=therapist, label="  ", by=manager)


def test_it_shows_a_new_token_once_in_the_admin(manager_client, therapist):
    response = manager_client.post(
        reverse("admin:interop_apitoken_add"),
        {"user": therapist.pk, "label": "Hospital referral system"},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    shown += [line for line in response.content.decode().splitlines() if "copy it now" in line]
    raw = next(
        word.rstrip(",") for line in shown for word in line.split() if word.startswith(token.prefix)
    )
    assert hashlib.sha256(raw.encode()).hexdigest() == token.token_hash
    assert token.created_by.is_manager
    assert token.user == therapist
    change = manager_client.get(reverse("admin:interop_apitoken_change", args=[token.pk]))
    assert raw not in change.content.decode()
    url = reverse("interop:search", args=["Patient"])
    assert api(raw).get(url).status_code == 200


def test_it_refuses_a_patient_in_the_admin_form(manager_client, patient_user):
    response = manager_client.post(
        reverse("admin:interop_apitoken_add"), {"user": patient_user.pk, "label": "Mine"}
    )
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_it_revokes_from_the_admin_and_the_old_token_stops_working(
    manager_client, therapist, manager
):
    token, raw = services.token_create(user=therapist, label="Laptop", by=manager)
    url = reverse("interop:search", args=["Patient"])
    assert api(raw).get(url).status_code == 200
    response = manager_client.post(
        reverse("admin:interop_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked
    assert token.revoked_by == manager
    assert api(raw).get(url).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()  # kept, never deleted


def test_it_audits_making_and_revoking_a_token(therapist, manager):
    token, _ = services.token_create(user=therapist, label="Laptop", by=manager)
    services.token_revoke(token=token, by=manager)
    services.token_revoke(token=token, by=manager)  # a second revoke changes nothing
    events = AuditEvent.objects.filter(object_type="interop.apitoken").order_by("id")
    assert [event.action for event in events] == ["create", "update"]
    assert all(event.actor == manager for event in events)


def test_it_never_offers_delete_in_the_admin(manager_client, therapist, manager):
    token, _ = services.token_create(user=therapist, label="Laptop", by=manager)
    response = manager_client.get(reverse("admin:interop_apitoken_delete", args=[token.pk]))
    assert response.status_code == 403
