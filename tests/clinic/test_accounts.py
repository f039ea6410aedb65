"""Login with email, logout, and password reset by email."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_it_logs_in_with_email_in_any_case(client, therapist):
    response = client.post(
        reverse("login"), {"username": "THERAPIST@test.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.django_db
def test_it_explains_a_wrong_password_next_to_the_form(client, therapist):
    response = client.post(reverse("login"), {"username": therapist.email, "password": "nope"})
    assert response.status_code == 200
    assert "correct email address and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_logs_out_by_post_only(therapist_client):
    assert therapist_client.get(reverse("logout")).status_code == 405
    response = therapist_client.post(reverse("logout"))
    assert response.status_code == 302
    assert therapist_client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_it_emails_a_working_reset_link(client, patient_user):
    response = client.post(reverse("password_reset"), {"email": patient_user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [patient_user.email]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url,
        {"new_password1": "a-brand-new-secret-42", "new_password2": "a-brand-new-secret-42"},
    )
    assert done.status_code == 302

    client.logout()
    login = client.post(
        reverse("login"), {"username": patient_user.email, "password": "a-brand-new-secret-42"}
    )
    assert login.status_code == 302
    # The link is single use.
    assert "no longer works" in client.get(link, follow=True).content.decode()


@pytest.mark.django_db
def test_it_does_not_reveal_unknown_addresses(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@test.example"})
    assert response.status_code == 302
    assert mail.outbox == []
