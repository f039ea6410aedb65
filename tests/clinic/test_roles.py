"""Each role lands on its own home and cannot open the others' homes."""

import datetime as dt

import pytest
from django.urls import reverse

from patients.models import Patient
from tests.conftest import make_user


def _patient_record(user):
    return Patient.objects.create(
        user=user, first_name="Pat", last_name="Runner", date_of_birth=dt.date(1990, 1, 1)
    )


HOMES = {
    "therapist": "/dashboard/",
    "reception": "/bookings/",
    "patient": "/portal/",
}


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "home"), HOMES.items())
def test_it_sends_each_role_to_its_home_after_login(client, role, home):
    user = make_user(f"{role}@role.example", role)
    if role == "patient":
        _patient_record(user)
    response = client.post(
        reverse("login"),
        {"username": f"{role}@role.example", "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302
    assert follow["Location"] == home
    assert client.get(home).status_code == 200


@pytest.mark.django_db
def test_it_sends_the_manager_to_the_dashboard(manager_client):
    response = manager_client.get("/")
    assert response["Location"] == "/dashboard/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "forbidden"),
    [("reception", "/dashboard/")],
)
def test_it_refuses_other_roles_homes(client, role, forbidden):
    """Staff meet a page that says so; a patient meets a 404 (next test). Staff on the portal
    are told it is for patients (tests/portal/test_staff_in_portal.py)."""
    client.force_login(make_user(f"{role}@x.example", role))
    response = client.get(forbidden)
    assert response.status_code == 403
    assert (
        b"can&#x27;t open this page" in response.content
        or b"can't open this page" in response.content
    )


@pytest.mark.django_db
@pytest.mark.parametrize("forbidden", ["/dashboard/", "/bookings/"])
def test_it_answers_a_patient_on_a_staff_home_with_a_404(client, forbidden):
    client.force_login(make_user("patient@x.example", "patient"))
    assert client.get(forbidden).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("home", HOMES.values())
def test_it_asks_anonymous_visitors_to_log_in(client, home):
    response = client.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_it_shows_navigation_for_the_role(client, reception):
    client.force_login(reception)
    page = client.get("/bookings/").content.decode()
    assert 'href="/bookings/"' in page
    assert 'href="/dashboard/"' not in page
