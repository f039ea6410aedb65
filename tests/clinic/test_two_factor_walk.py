"""Generic: a half-signed-in staff session reaches nothing but the second step.

A staff member whose password is right but who has not yet typed a code from their app must
not be able to use any page, nor change how the account is protected. The bypass this test
would have caught went through a page exempt from the second-step check (the pairing page).
Every URL pattern is walked (ROUTES must name each one, see tests/security/test_url_walk.py)
together with the admin, with GET and then with a POST carrying a code for whatever secret the
GET handed out, so a new page or a new exemption is covered without a new test.
"""

import secrets

import pytest
from django.db import transaction
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import AuditEvent
from tests.security.conftest import world  # noqa: F401  (the fixture every route is built from)
from tests.security.test_url_walk import OPTIONAL, ROUTES, _admin_urls

pytestmark = pytest.mark.django_db

#: The check runs before any view and treats every staff role alike, so the walk goes as the
#: manager, whose session opens the most (the admin included) and is the prize for an attacker.
ROLE = "manager"

#: What a half-signed-in session may get from the few pages the second-step check lets through;
#: every other URL must send it to the second step (or refuse the method).
LET_THROUGH = {
    "two_factor_verify": {200},  # where it is sent
    "two_factor_setup": {403},  # refuses, saying to enter a code first
    "logout": {302, 405},
    "healthz": {200, 503, 405},
}


def _factors(users) -> list:
    return [
        sorted(TOTPDevice.objects.filter(user__in=users).values_list("user", "key", "confirmed")),
        sorted(StaticToken.objects.filter(device__user__in=users).values_list("token", flat=True)),
    ]


def _check(name: str, what: str, response, changed: bool) -> list[str]:
    status = response.status_code
    sent_to_verify = status == 302 and response["Location"].startswith(reverse("two_factor_verify"))
    if changed or not (sent_to_verify or status in LET_THROUGH.get(name, {405})):
        return [f"{what}: {status}{', changed the second factors' if changed else ''}"]
    return []


def test_it_lets_a_half_signed_in_session_reach_only_the_second_step(world, settings):  # noqa: F811
    settings.STAFF_2FA_REQUIRED = True
    users = [world.reception, world.therapist, world.manager]
    for user in users:  # everyone's factors must stay as they are
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        recovery = StaticDevice.objects.create(user=user, name="Recovery codes")
        StaticToken.objects.create(device=recovery, token=secrets.token_hex(5))
    before = _factors(users)

    # Sorted: building the world's rows in a fixed order (a red-flag referral made before a run
    # programme holds it, which is audited) keeps the walk independent of the hash seed.
    urls = {
        name: reverse(name, kwargs=ROUTES[name].kwargs(world))
        for name in sorted(set(ROUTES) - OPTIONAL)
    }
    urls.update({url: url for url in _admin_urls()})
    # Events the world's own setup recorded are not the walk's doing.
    setup_events = set(
        AuditEvent.objects.filter(detail__has_key="event").values_list("pk", flat=True)
    )
    problems = []
    for name, url in sorted(urls.items()):
        client = world.client_for(ROLE)  # password only: is_verified() is False
        with transaction.atomic():
            got = client.get(url)
            problems += _check(name, f"GET {url}", got, _factors(users) != before)
            # The attack: a code from whatever secret the GET handed out (else a made-up one).
            offered = TOTPDevice.objects.filter(user=world.manager, confirmed=False).first()
            key = offered.bin_key if offered else secrets.token_bytes(20)
            posted = client.post(
                url, {"token": f"{totp(key):06d}", "new_recovery_codes": "on", "next": "/"}
            )
            problems += _check(name, f"POST {url}", posted, _factors(users) != before)
            transaction.set_rollback(True)
    assert problems == []
    assert _factors(users) == before
    assert (
        not AuditEvent.objects.filter(detail__has_key="event").exclude(pk__in=setup_events).exists()
    )
