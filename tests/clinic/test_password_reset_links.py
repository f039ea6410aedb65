"""Password-reset links: used twice, after a day, and guessed, each ends on a clear page."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
NEW = "a-brand-new-secret-42"
DEAD = "This link no longer works"


def ask_for_link(client, user) -> str:
    client.post(reverse("password_reset"), {"email": user.email})
    return re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[-1].body).group(1)


def choose(client, link: str, password: str = NEW):
    """Open the link and submit a new password, as the browser does."""
    page = client.get(link, follow=True)
    if DEAD in page.content.decode():
        return page
    return client.post(
        page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


def assert_dead(response) -> None:
    assert response.status_code == 200
    text = response.content.decode()
    assert DEAD in text
    assert "new_password1" not in text  # no form to fill in
    assert reverse("password_reset") in text  # and a way to ask for a new link


def test_it_refuses_a_link_the_second_time(client, patient_user):
    link = ask_for_link(client, patient_user)
    assert choose(client, link).status_code == 302
    client.logout()
    assert_dead(client.get(link, follow=True))
    again = choose(client, link, password="someone-elses-pass-7")
    assert_dead(again)
    patient_user.refresh_from_db()
    assert patient_user.check_password(NEW)


def test_it_refuses_a_link_after_the_owner_has_logged_in_since(client, patient_user):
    link = ask_for_link(client, patient_user)
    client.post(reverse("login"), {"username": patient_user.email, "password": PASSWORD})
    client.logout()
    assert_dead(client.get(link, follow=True))


def test_it_refuses_a_link_older_than_a_day(client, patient_user):
    with time_machine.travel(NOW, tick=False):
        link = ask_for_link(client, patient_user)
    with time_machine.travel(NOW + dt.timedelta(hours=23, minutes=59), tick=False):
        assert "Choose a new password" in client.get(link, follow=True).content.decode()
    client.cookies.clear()
    with time_machine.travel(NOW + dt.timedelta(days=1, seconds=1), tick=False):
        assert_dead(client.get(link, follow=True))
        assert_dead(choose(client, link))
    patient_user.refresh_from_db()
    assert patient_user.check_password(PASSWORD)


def _guessed_links(victim, other) -> list[str]:
    uid = urlsafe_base64_encode(force_bytes(victim.pk))
    other_token = default_token_generator.make_token(other)
    real_token = default_token_generator.make_token(victim)
    return [
        f"/accounts/reset/{uid}/{secrets.token_hex(3)}-{secrets.token_hex(16)}/",  # random
        f"/accounts/reset/{uid}/{other_token}/",  # someone else's token
        f"/accounts/reset/{uid}/{real_token[:-1]}{'0' if real_token[-1] != '0' else '1'}/",
        f"/accounts/reset/{uid}/set-password/",  # the form, without a token in the session
        f"/accounts/reset/{urlsafe_base64_encode(b'99999999999999999999999')}/{other_token}/",
        f"/accounts/reset/{urlsafe_base64_encode(b'-1')}/{other_token}/",
        "/accounts/reset/!!!!/1-2/",
        "/accounts/reset/MQ/not-a-token/",
    ]


def test_it_refuses_guessed_links_with_a_clear_page(client, patient_user, therapist):
    for link in _guessed_links(patient_user, therapist):
        response = client.get(link, follow=True)
        assert_dead(response)
        post = client.post(link, {"new_password1": NEW, "new_password2": NEW}, follow=True)
        assert post.status_code == 200, link
        assert DEAD in post.content.decode(), link
    patient_user.refresh_from_db()
    assert patient_user.check_password(PASSWORD)
    assert "_auth_user_id" not in client.session
