"""Staff who open a patient portal page (a forwarded link, an old bookmark) are told the portal
is for patients and given a link to their own home, on a 403 page: nothing from the portal is
shown, and a form posted there is refused before it is read. Patients keep their own pages, and a 404 for anyone else's."""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from clinic.access import PATIENTS
from tests.clinic.test_roles import _patient_record

pytestmark = pytest.mark.django_db

HOMES = {"therapist": "/dashboard/", "reception": "/bookings/", "manager": "/dashboard/"}
SAYS_WHY = "The portal is for patients"


def _patient_pages(patterns=None, namespace: str | None = None):
    """(name, made-up kwargs) for every route behind @role_required(*PATIENTS); the role check
    comes before any lookup, so made-up ids serve."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            if inner and namespace:
                inner = f"{namespace}:{inner}"
            yield from _patient_pages(entry.url_patterns, inner or namespace)
        elif isinstance(entry, URLPattern) and getattr(entry.callback, "roles", None) == PATIENTS:
            kwargs = {}
            for key, converter in entry.pattern.converters.items():
                if isinstance(converter, UUIDConverter):
                    kwargs[key] = uuid.uuid4()
                elif isinstance(converter, IntConverter):
                    kwargs[key] = 1
                else:
                    kwargs[key] = "x"
            yield f"{namespace}:{entry.name}", kwargs


PATIENT_PAGES = sorted(_patient_pages(), key=lambda page: page[0])


@pytest.fixture
def staff(request, therapist, reception, manager):
    return {"therapist": therapist, "reception": reception, "manager": manager}


def test_it_finds_the_patient_pages():
    names = [name for name, _ in PATIENT_PAGES]
    assert {"portal:home", "portal:log", "portal:appointments:cancel"} <= set(names)
    assert len(names) > 15


@pytest.mark.parametrize("role", HOMES)
def test_it_tells_each_staff_role_the_portal_is_for_patients_and_links_to_their_home(
    client, staff, role
):
    client.force_login(staff[role])
    response = client.get("/portal/")
    assert response.status_code == 403
    page = response.content.decode()
    assert SAYS_WHY in page
    assert f'href="{HOMES[role]}"' in page


@pytest.mark.parametrize("role", HOMES)
def test_it_answers_every_patient_page_the_same_way_for_staff(client, staff, role):
    client.force_login(staff[role])
    for name, kwargs in PATIENT_PAGES:
        url = reverse(name, kwargs=kwargs)
        response = client.get(url)
        if response.status_code == 405:  # a POST-only page: the role check comes first there
            response = client.post(url, {})
        assert response.status_code == 403, f"{name} as {role}: {response.status_code}"
        assert SAYS_WHY in response.content.decode(), name


def test_it_still_gives_other_staff_pages_the_plain_refusal(client, reception):
    client.force_login(reception)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    assert SAYS_WHY not in response.content.decode()


def test_it_still_opens_the_portal_for_its_patient_and_hides_staff_pages(client, patient_user):
    _patient_record(patient_user)
    client.force_login(patient_user)
    assert client.get("/portal/").status_code == 200
    assert client.get("/dashboard/").status_code == 404
    missing = reverse("portal:appointments:cancel", kwargs={"public_id": uuid.uuid4()})
    assert client.post(missing).status_code == 404


def test_it_builds_the_page_in_a_fixed_number_of_queries(
    client, therapist, django_assert_num_queries
):
    client.force_login(therapist)
    client.get("/portal/")
    # The session and the signed-in user; nothing from the portal.
    with django_assert_num_queries(2):
        assert client.get("/portal/").status_code == 403
