"""The trend page: each measure across the episode's visits, as a chart and a table with the
change since the reading before and since the first, read against SPEC 5's thresholds."""

import datetime as dt
import types

import pytest
from django.urls import reverse

from assessments import trends as assessment_trends
from assessments.services import assessment_amend, assessment_finalise, assessment_save_draft
from assessments.trend_chart import merge_series, trends
from tests.assessments.factories import AssessmentFactory
from tests.patients.factories import EpisodeFactory

pytestmark = pytest.mark.django_db


def only_these_trend_apps(monkeypatch, *modules):
    """Pin the page to the given `trends` plug-ins: other apps test (and pin) their own."""
    monkeypatch.setattr("assessments.selectors.plugin_modules", lambda name: modules)


def visit(episode, therapist, day, kind="follow_up", **findings):
    return AssessmentFactory(
        episode=episode,
        therapist=therapist,
        kind=kind,
        final=True,
        assessed_on=dt.date(2026, 11, day),
        findings=findings,
    )


@pytest.fixture
def course(therapist):
    """A runner's SLR and pain over three visits: a small gain, then a real one."""
    episode = EpisodeFactory()
    visit(episode, therapist, 2, "intake", slr_angle_affected_deg=50, slr_angle_other_deg=80,
          nprs_now=6, lefs_score=40)  # fmt: skip
    visit(episode, therapist, 9, slr_angle_affected_deg=58, slr_angle_other_deg=80, nprs_now=5)
    visit(episode, therapist, 23, slr_angle_affected_deg=72, slr_angle_other_deg=79, nprs_now=2)
    return episode


def url(episode):
    return reverse("assessments:trends", args=[episode.public_id])


def rows_of(response, key):
    [trend] = [trend for trend in response.context["trends"] if trend.key == key]
    return trend.rows


def test_it_reads_each_visit_against_the_one_before_and_the_first(therapist_client, course):
    response = therapist_client.get(url(course))
    assert response.status_code == 200
    slr = rows_of(response, "slr_angle_affected_deg")
    assert [row.value for row in slr] == [50, 58, 72]
    assert slr[0].since_previous is None
    assert (slr[1].since_previous.text, slr[1].since_previous.reading) == ("+8", "No real change")
    assert (slr[2].since_previous.text, slr[2].since_previous.reading) == ("+14", "Improved")
    assert (slr[2].since_first.text, slr[2].since_first.reading) == ("+22", "Improved")
    assert slr[0].source == "Intake assessment, 2 Nov 2026"
    assert [row.note for row in slr] == [
        "30° less than the other side: notable",
        "22° less than the other side: notable",
        "7° less than the other side: within 10°",
    ]
    pain = rows_of(response, "nprs_now")
    assert [row.since_previous.reading for row in pain[1:]] == ["No real change", "Improved"]
    page = response.content.decode()
    assert "+8</span> No real change" in page
    assert "+14</span> Improved" in page
    assert "7° less than the other side: within 10°" in page


def test_it_draws_one_chart_per_measure_with_a_table_beside_it(therapist_client, course):
    page = therapist_client.get(url(course)).content.decode()
    assert page.count('<svg class="trend-chart"') == 4  # pain, LEFS, SLR both sides
    assert page.count("<table") == 4
    assert "SLR angle, affected side (degrees): 3 readings from 2 Nov 2026 to 23 Nov 2026" in page
    # At phone width the charts scale (viewBox, CSS width 100%) and the tables scroll.
    assert 'viewBox="0 0 320 150"' in page
    assert page.count('class="table-responsive"') == 4


def test_it_follows_the_version_in_force_and_leaves_drafts_out(therapist_client, therapist):
    episode = EpisodeFactory()
    intake = visit(episode, therapist, 2, "intake", lefs_score=40)
    amendment = assessment_amend(assessment=intake, by=therapist, reason="Typed 40 for 30")
    assessment_save_draft(assessment=amendment, findings={"lefs_score": 30})
    assessment_finalise(assessment=amendment, by=therapist)
    AssessmentFactory(episode=episode, therapist=therapist, kind="follow_up",
                      findings={"lefs_score": 70})  # fmt: skip
    [row] = rows_of(therapist_client.get(url(episode)), "lefs_score")
    assert (row.value, row.source) == (30, "Intake assessment, 2 Nov 2026, version 2")


def test_it_shows_any_apps_series_without_changing_the_page(therapist_client, course, monkeypatch):
    def trend_series(*, episode):
        return [
            {
                "key": "slr_angle_affected_deg",
                "label": "SLR (session)",
                "points": [
                    {"on": dt.date(2026, 11, 16), "value": 66, "source": "Treatment session"}
                ],
            },
            {
                "key": "knee_flexion_strength_pct",
                "label": "Knee flexion strength (% of other side)",
                "points": [
                    {"on": dt.date(2026, 11, 16), "value": 80, "source": "Treatment session"},
                    {"on": dt.date(2026, 11, 30), "value": 92, "source": "Treatment session"},
                ],
            },
        ]

    only_these_trend_apps(
        monkeypatch, assessment_trends, types.SimpleNamespace(trend_series=trend_series)
    )
    response = therapist_client.get(url(course))
    slr = rows_of(response, "slr_angle_affected_deg")
    assert [row.value for row in slr] == [50, 58, 66, 72]
    assert slr[3].since_previous.reading == "No real change"  # 66 -> 72
    strength = rows_of(response, "knee_flexion_strength_pct")
    assert strength[1].since_previous.reading == "Higher, no agreed threshold"


@pytest.mark.parametrize("follow_ups", [1, 6])
def test_it_shows_the_page_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries, monkeypatch, follow_ups
):
    only_these_trend_apps(monkeypatch, assessment_trends)
    episode = EpisodeFactory()
    visit(episode, therapist, 1, "intake", nprs_now=7, slr_angle_affected_deg=40)
    for day in range(follow_ups):
        visit(episode, therapist, 2 + day, nprs_now=6, slr_angle_affected_deg=45 + day)
    # session, user, the episode with its patient (access); the assessments; the working
    # diagnoses; the confirmed decision; savepoint + session update + release, audit INSERT
    with django_assert_num_queries(10):
        response = therapist_client.get(url(episode))
    assert len(rows_of(response, "nprs_now")) == follow_ups + 1


def test_it_keeps_the_page_from_reception_and_patients(
    client, reception, patient_user, course, manager
):
    course.patient.user = patient_user
    course.patient.save()
    for user, refused in ((reception, 403), (patient_user, 404)):
        client.force_login(user)
        response = client.get(url(course))
        assert response.status_code == refused
        assert b"SLR" not in response.content
    client.force_login(manager)
    assert client.get(url(course)).status_code == 200


def test_it_links_each_episode_to_its_trends_from_the_patient_page(
    client, therapist, reception, course
):
    patient_url = reverse("patients:detail", args=[course.patient.public_id])
    client.force_login(therapist)
    assert f'href="{url(course)}"' in client.get(patient_url).content.decode()
    client.force_login(reception)
    assert url(course) not in client.get(patient_url).content.decode()


def test_it_says_so_when_nothing_is_recorded_yet(therapist_client):
    page = therapist_client.get(url(EpisodeFactory())).content.decode()
    assert "No measure has been recorded" in page


def test_it_draws_a_single_reading_and_skips_values_that_are_not_numbers():
    series = merge_series(
        [
            [
                {
                    "key": "h_test",
                    "label": "H-test",
                    "points": [{"on": dt.date(2026, 11, 2), "value": "negative", "source": "x"}],
                },
                {
                    "key": "odi_percent",
                    "label": "ODI (%)",
                    "points": [{"on": dt.date(2026, 11, 2), "value": 30, "source": "x"}],
                },
            ]
        ]
    )
    assert [found["key"] for found in series] == ["odi_percent", "h_test"]
    odi, h_test = trends(series)
    assert h_test.chart is None
    assert h_test.rows[0].value == "negative"
    assert "<circle" in odi.chart
    assert "<polyline" not in odi.chart
