"""Two gunicorn instances behind HAProxy, sharing PostgreSQL (through PgBouncer) and Redis."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

import pytest

from tests.cluster.harness import Cluster, Visitor, form_values

pytestmark = pytest.mark.cluster

TAKEN = "Sorry, that time has just been taken."
BOOKED = "Your appointment is booked."


def test_it_gives_a_slot_booked_through_both_instances_at_once_to_exactly_one_patient(
    cluster: Cluster,
):
    race = cluster.action("race")
    visitors = [
        Visitor(cluster.web_a).sign_in(race["emails"][0], race["password"]),
        Visitor(cluster.web_b).sign_in(race["emails"][1], race["password"]),
    ]
    query = urlencode(
        {
            "appointment_type": race["appointment_type"],
            "therapist": race["therapist"],
            "start": race["start"],
        }
    )
    forms = []
    for visitor in visitors:
        page = visitor.get(f"/portal/book/confirm/?{query}")
        assert page.status_code == 200
        forms.append(form_values(page.text, "/portal/book/confirm/"))
        assert forms[-1]["start"] == race["start"]
    barrier = threading.Barrier(2)
    answers: list = [None, None]

    def confirm(index: int) -> None:
        visitor = visitors[index]
        barrier.wait(timeout=30)
        answers[index] = visitor.session.post(
            visitor.base_url + "/portal/book/confirm/", data=forms[index], timeout=60
        )

    threads = [threading.Thread(target=confirm, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    assert [answer.status_code for answer in answers] == [200, 200]  # both redirected to a page
    texts = [answer.text for answer in answers]
    assert sorted((BOOKED in text, TAKEN in text) for text in texts) == [
        (False, True),
        (True, False),
    ], [text[:300] for text in texts]
    booked = cluster.sql(
        "SELECT p.email FROM bookings_appointment a JOIN patients_patient p ON p.id = a.patient_id"
        " WHERE a.therapist_id = %s AND a.start = %s AND a.status NOT IN ('cancelled')",
        (race["therapist_id"], race["start_iso"]),
    )
    winner = race["emails"][[BOOKED in text for text in texts].index(True)]
    assert booked == [(winner,)]


def test_it_shows_a_write_made_through_one_instance_on_the_other_at_once(cluster: Cluster):
    patient = cluster.action("patient")["public_id"]
    reception = Visitor(cluster.web_a).sign_in("reception@example.com", "apex-demo-pass")
    edit = f"/patients/{patient}/edit/"
    values = form_values(reception.get(edit).text, edit)
    values["goal_event"] = "Harbour half marathon, written through instance A"
    saved = reception.post(edit, values)
    assert saved.status_code == 200
    assert "details are saved" in saved.text, saved.text[:2000]
    assert saved.url.startswith(cluster.web_a)

    on_b = reception.on(cluster.web_b)
    page = on_b.get(f"/patients/{patient}/")
    assert page.status_code == 200
    assert page.url.startswith(cluster.web_b)  # still signed in: the session is in Redis
    assert "Harbour half marathon, written through instance A" in page.text
