"""Each demo role logs in through the real login page and lands on its home."""

import pytest
from django.core.management import call_command

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("email", "home", "heading"),
    [
        ("therapist@example.com", "/dashboard/", "Good to see you"),
        ("reception@example.com", "/bookings/", "Bookings"),
        ("patient@example.com", "/portal/", "Hello"),
    ],
)
def test_it_lands_each_demo_role_on_its_home(page, settings, email, home, heading):
    settings.DEBUG = True
    call_command("seed_demo")
    log_in(page, email, "apex-demo-pass")
    page.wait_for_url(f"**{home}")
    assert page.get_by_role("heading", level=1).first.inner_text().startswith(heading)


def test_it_shows_a_clear_error_for_a_wrong_password(page, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    log_in(page, "therapist@example.com", "wrong-password")
    assert "correct email address and password" in page.content()
    assert page.url.endswith("/accounts/login/")
