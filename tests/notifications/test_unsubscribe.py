"""The signed one-click unsubscribe link: no login, tamper-proof, mail-client friendly."""

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from notifications.models import ReminderSchedule
from notifications.schedules import UNSUBSCRIBE_SALT, unsubscribe_token, unsubscribe_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(make_schedule):
    return make_schedule()


def path_for(schedule):
    return reverse("portal:reminders:unsubscribe", args=[unsubscribe_token(schedule=schedule)])


def test_the_link_is_signed_and_absolute(schedule, settings):
    settings.SITE_URL = "https://clinic.example"
    url = unsubscribe_url(schedule=schedule)
    assert url.startswith("https://clinic.example/portal/reminders/unsubscribe/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert signing.loads(token, salt=UNSUBSCRIBE_SALT) == str(schedule.public_id)
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt="another purpose")


def test_get_asks_for_confirmation_without_a_login_and_changes_nothing(client, schedule):
    response = client.get(path_for(schedule))
    assert response.status_code == 200
    assert b"Yes, unsubscribe me" in response.content
    schedule.refresh_from_db()
    assert schedule.unsubscribed_at is None


def test_a_one_click_post_without_a_session_or_csrf_token_unsubscribes(schedule):
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(path_for(schedule), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.unsubscribed_at is not None
    assert schedule.next_due_at is None
    page = mail_client.get(response.url)
    assert b"you will not receive any more" in page.content


def test_it_stops_every_schedule_of_that_kind_for_the_patient(make_schedule):
    first = make_schedule()
    second = make_schedule(first.patient)
    other_patient = make_schedule()
    Client().post(path_for(first))
    assert set(
        ReminderSchedule.objects.filter(unsubscribed_at__isnull=False).values_list("pk", flat=True)
    ) == {first.pk, second.pk}
    other_patient.refresh_from_db()
    assert other_patient.unsubscribed_at is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: token.replace(token.split(":")[0], "00000000-0000-0000-0000-000000000000"),
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_link_is_rejected(client, schedule, mangle):
    token = mangle(unsubscribe_token(schedule=schedule))
    url = reverse("portal:reminders:unsubscribe", args=[token])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    schedule.refresh_from_db()
    assert schedule.unsubscribed_at is None
