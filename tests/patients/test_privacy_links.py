"""The manager reaches the privacy tools (export, erase) from the patient page and the admin."""

import datetime as dt

import pytest
from django.urls import reverse

from patients.models import Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(db):
    return Patient.objects.create(
        first_name="Morgan", last_name="Hills", date_of_birth=dt.date(1979, 8, 14)
    )


def _privacy_url(patient):
    return reverse("patients:privacy", args=[patient.public_id])


def test_it_links_the_privacy_tools_from_the_patient_page_for_the_manager(manager_client, patient):
    content = manager_client.get(reverse("patients:detail", args=[patient.public_id])).content
    assert f'href="{_privacy_url(patient)}"'.encode() in content
    assert manager_client.get(_privacy_url(patient)).status_code == 200


@pytest.mark.parametrize("who", ["therapist_client", "reception_client"])
def test_it_does_not_offer_the_privacy_tools_to_other_staff(request, who, manager_client, patient):
    # the manager views first, so a page cached for the manager would leak the link
    manager_client.get(reverse("patients:detail", args=[patient.public_id]))
    manager_client.logout()
    client = request.getfixturevalue(who)
    content = client.get(reverse("patients:detail", args=[patient.public_id])).content.decode()
    assert _privacy_url(patient) not in content
    assert "Privacy" not in content


def test_it_links_the_privacy_tools_from_the_patient_admin_page(manager_client, patient):
    change = reverse("admin:patients_patient_change", args=[patient.pk])
    content = manager_client.get(change).content.decode()
    assert f'href="{_privacy_url(patient)}"' in content


def test_it_opens_the_add_patient_admin_page_without_a_privacy_link(manager_client):
    response = manager_client.get(reverse("admin:patients_patient_add"))
    assert response.status_code == 200
    assert "/privacy/" not in response.content.decode()
