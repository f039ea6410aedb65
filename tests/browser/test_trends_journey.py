"""A therapist on a phone follows a runner's SLR across visits: from the patient page to the
trend page, where the charts fit the screen and the tables scroll inside their cards."""

import datetime as dt

import pytest
from django.urls import reverse

from clinic.models import User
from tests.assessments.factories import AssessmentFactory
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.patients.factories import EpisodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def phone_390(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE_390, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_it_shows_the_slr_trend_at_phone_width(phone_390):
    page = phone_390
    therapist = make_user("physio@test.example", User.Role.THERAPIST, first_name="Tess")
    episode = EpisodeFactory()
    for day, kind, affected, pain in [
        (2, "intake", 50, 6),
        (9, "follow_up", 58, 5),
        (23, "follow_up", 72, 2),
    ]:
        AssessmentFactory(
            episode=episode,
            therapist=therapist,
            kind=kind,
            final=True,
            assessed_on=dt.date(2026, 11, day),
            findings={
                "slr_angle_affected_deg": affected,
                "slr_angle_other_deg": 80,
                "nprs_now": pain,
                "odi_percent": 20 + day,
                "lefs_score": 30 + day,
            },
        )

    log_in(page, "physio@test.example", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto(reverse("patients:detail", args=[episode.patient.public_id]))
    page.get_by_role("link", name="measures over time").click()
    page.wait_for_url("**/trends/")

    slr = page.locator('[data-measure="slr_angle_affected_deg"]')
    assert "+8 No real change" in slr.inner_text()
    assert "+14 Improved" in slr.inner_text()
    chart = slr.locator("svg.trend-chart")
    assert chart.get_attribute("role") == "img"
    box = chart.bounding_box()
    assert 0 < box["width"] <= 390  # the chart scales to the screen
    # The page itself never scrolls sideways; a wide table scrolls inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wrapper = slr.locator(".table-responsive")
    assert wrapper.evaluate("e => e.clientWidth <= 390")
