"""Each demo role logs in through the real login page and lands on its home."""

import base64

import pytest
from django.core.management import call_command
from django_otp.oath import totp

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user

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


def test_it_pairs_an_authenticator_by_scanning_a_qr_code_that_draws(page, settings):
    settings.STAFF_2FA_REQUIRED = True
    make_user("new.therapist@test.example", "therapist")
    log_in(page, "new.therapist@test.example", PASSWORD)
    page.wait_for_url("**/accounts/2fa/setup/**")

    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    qr.wait_for()
    assert qr.evaluate("img => img.complete && img.naturalWidth") > 0

    secret = page.locator("code.user-select-all").inner_text()
    page.get_by_label("Code").fill(f"{totp(base64.b32decode(secret)):06d}")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Keep these recovery codes safe").wait_for()
    page.get_by_role("link", name="I've saved them, continue").click()
    page.wait_for_url("**/dashboard/")

    # Signed in again with the password alone, the pairing page refuses and says why.
    page.get_by_role("button", name="Log out").click()
    log_in(page, "new.therapist@test.example", PASSWORD)
    page.wait_for_url("**/accounts/2fa/verify/**")
    page.goto("/accounts/2fa/setup/")
    assert "Your account already has two-step sign-in" in page.content()
    page.get_by_role("link", name="Enter a code").click()
    page.wait_for_url("**/accounts/2fa/verify/?next=/accounts/2fa/setup/")
