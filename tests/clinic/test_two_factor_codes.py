"""The sign-in code can be typed, pasted or autofilled the way authenticator apps show it."""

import pytest
from django.urls import reverse

from tests.clinic.test_two_factor import VERIFY, _code, _sign_in_with_password, paired  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.STAFF_2FA_REQUIRED = True


@pytest.mark.parametrize("gap", [" ", "\u00a0", "-", "  "], ids=["space", "nbsp", "dash", "two"])
def test_it_accepts_a_code_with_a_gap_in_the_middle(client, therapist, paired, gap):  # noqa: F811
    _sign_in_with_password(client, therapist)
    code = _code(paired.bin_key)
    response = client.post(VERIFY, {"token": f" {code[:3]}{gap}{code[3:]} "})
    assert response.status_code == 302, response.content.decode()
    assert client.get(reverse("clinic:dashboard")).status_code == 200


def test_it_asks_the_browser_to_autofill_a_numeric_one_time_code(client, therapist, paired):  # noqa: F811
    _sign_in_with_password(client, therapist)
    page = client.get(VERIFY).content.decode()
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    assert "onpaste" not in page.lower()
