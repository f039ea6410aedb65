"""The current stage, its criteria from real records, and the therapist's stage changes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.rows import logged_sql
from rehab import selectors
from rehab.criteria import MET, NOT_MEASURED
from rehab.models import StageChange
from tests.exercises.factories import confirmed_decision, log, published_plan
from tests.patients.factories import EpisodeFactory, PatientFactory
from tests.rehab.conftest import calm_week, slr_visit
from tests.rehab.factories import stage_change

pytestmark = pytest.mark.django_db


def stage_url(case):
    return reverse("rehab:stage_change", args=[case.episode.public_id])


def move(client, case, to_stage, reason="", from_stage=None):
    status = selectors.episode_rehab(episode=case.episode)
    return client.post(
        stage_url(case),
        {"to_stage": to_stage, "reason": reason, "from_stage": from_stage or status.stage.code},
    )


def test_it_says_no_confirmed_diagnosis_yet_before_one_exists(therapist_client):
    episode = EpisodeFactory()
    status = selectors.episode_rehab(episode=episode)
    assert status.stage is None
    assert "No confirmed diagnosis yet" in status.message
    response = therapist_client.get(reverse("patients:detail", args=[episode.patient.public_id]))
    assert "No confirmed diagnosis yet" in response.content.decode()


def test_it_starts_a_confirmed_neural_episode_in_settle(neural_case):
    status = selectors.episode_rehab(episode=neural_case.episode)
    assert status.stage.code == "settle"
    assert status.position == "Stage 1 of 5"
    assert [r.code for r in status.results] == ["pain_settled"]
    assert status.results[0].status == NOT_MEASURED  # no logs yet


def test_it_reads_pain_from_the_patients_logs_of_the_last_week(neural_case):
    calm_week(neural_case.plan, pain=2)
    status = selectors.episode_rehab(episode=neural_case.episode)
    assert status.results[0].status == MET
    assert status.all_met


def test_it_reads_the_slr_from_the_newest_final_assessment(neural_case, therapist):
    stage_change(
        episode=neural_case.episode,
        user=therapist,
        from_stage="settle",
        to_stage="restore_movement",
        when=timezone.now(),
    )
    slr_visit(neural_case.episode, therapist, affected=55, other=75, days_ago=10)
    slr_visit(neural_case.episode, therapist, affected=60, other=75, days_ago=3)
    results = {r.code: r for r in selectors.episode_rehab(episode=neural_case.episode).results}
    assert results["slr_symmetry"].status == "not_met"
    assert results["slr_symmetry"].value.startswith("15° short")
    assert "Follow-up assessment" in results["slr_symmetry"].source
    slr_visit(neural_case.episode, therapist, affected=67, other=75, days_ago=0)
    results = {r.code: r for r in selectors.episode_rehab(episode=neural_case.episode).results}
    assert results["slr_symmetry"].status == MET


def test_it_lets_the_newest_measure_win_across_apps(neural_case, therapist, monkeypatch):
    """A retest recorded by another app after the assessment counts (contract: newest "on")."""
    slr_visit(neural_case.episode, therapist, affected=60, other=75, days_ago=5)

    class Treatment:
        @staticmethod
        def latest_measures(*, episode):
            return {
                "slr_angle_affected_deg": {
                    "value": 70,
                    "on": timezone.localdate(),
                    "source": "Treatment session",
                }
            }

    real = selectors.plugin_modules
    monkeypatch.setattr(
        selectors,
        "plugin_modules",
        lambda name: (*real(name), Treatment) if name == "measures" else real(name),
    )
    measures = selectors.episode_measures(episode=neural_case.episode)
    assert measures["slr_angle_affected_deg"]["value"] == 70
    assert measures["slr_angle_other_deg"]["value"] == 75


def test_it_refuses_to_move_on_with_unmet_criteria_without_a_reason(therapist_client, neural_case):
    log(neural_case.plan, timezone.localdate() - dt.timedelta(days=1), pain=5)
    response = move(therapist_client, neural_case, "restore_movement")
    assert response.status_code == 200
    assert "say why the patient is moving on anyway" in response.content.decode()
    assert response.context["form"].errors["reason"]
    assert not StageChange.objects.exists()


def test_it_moves_on_with_a_reason_and_keeps_the_criteria_as_they_stood(
    therapist_client, neural_case, therapist
):
    calm_week(neural_case.plan, pain=5, days=2)
    response = move(therapist_client, neural_case, "restore_movement", "Pain is from a long run")
    assert response.status_code == 302
    change = StageChange.objects.get()
    assert (change.from_stage, change.to_stage, change.direction) == (
        "settle",
        "restore_movement",
        "forward",
    )
    assert change.criteria_met is False
    assert change.criteria[0]["code"] == "pain_settled"
    assert change.criteria[0]["status"] == "not_met"
    assert change.decided_by == therapist
    assert selectors.episode_rehab(episode=neural_case.episode).stage.code == "restore_movement"


def test_it_moves_on_without_a_reason_when_every_criterion_is_met(therapist_client, neural_case):
    calm_week(neural_case.plan)
    assert move(therapist_client, neural_case, "restore_movement").status_code == 302
    assert StageChange.objects.get().criteria_met is True


def test_it_moves_back_only_with_a_reason(therapist_client, neural_case, therapist):
    stage_change(
        episode=neural_case.episode,
        user=therapist,
        from_stage="settle",
        to_stage="restore_movement",
        when=timezone.now(),
    )
    response = move(therapist_client, neural_case, "settle")
    assert "Say why the patient is moving back" in response.content.decode()
    assert move(therapist_client, neural_case, "settle", "Flare-up after a race").status_code == 302
    assert StageChange.objects.latest("decided_at").direction == "back"


def test_it_refuses_to_skip_a_stage(therapist_client, neural_case):
    calm_week(neural_case.plan)
    response = move(therapist_client, neural_case, "load", "Keen to progress")
    assert response.status_code == 200
    assert not StageChange.objects.exists()


def test_it_records_nothing_when_the_stage_changed_while_deciding(therapist_client, neural_case):
    calm_week(neural_case.plan)
    response = move(therapist_client, neural_case, "restore_movement", from_stage="load")
    assert "The stage changed while you were deciding" in response.content.decode()
    assert not StageChange.objects.exists()


def test_it_shows_the_stage_panel_and_history_to_the_therapist(therapist_client, neural_case):
    calm_week(neural_case.plan)
    page = therapist_client.get(reverse("patients:detail", args=[neural_case.patient.public_id]))
    content = page.content.decode()
    assert "Rehab stage" in content
    assert "Settle" in content
    assert "Move to next stage" in content
    assert "Highest pain 1/10 in 3 logs" in content


def test_it_shows_reception_neither_the_stage_nor_its_page(reception_client, neural_case):
    page = reception_client.get(reverse("patients:detail", args=[neural_case.patient.public_id]))
    content = page.content.decode()
    assert "Rehab stage" not in content
    assert "Move to next stage" not in content
    assert reception_client.get(stage_url(neural_case)).status_code == 403


def test_it_shows_the_patient_their_stage_in_plain_words_never_the_reason(
    client, patient_user, neural_case, therapist
):
    stage_change(
        episode=neural_case.episode,
        user=therapist,
        from_stage="settle",
        to_stage="restore_movement",
        when=timezone.now(),
        reason="Private clinical reasoning",
        met=False,
    )
    client.force_login(patient_user)
    home = client.get(reverse("portal:home")).content.decode()
    assert "Your recovery stage" in home
    assert "Restore movement" in home
    page = client.get(reverse("portal:rehab")).content.decode()
    assert "Your sore leg lifts straight almost as high as your other leg" in page
    assert "not checked yet" in page
    assert "Private clinical reasoning" not in page
    assert "Private clinical reasoning" not in home


def test_it_reads_only_the_stage_on_the_portal_home_once_the_decisions_are_read(
    patient_user, neural_case, therapist, django_assert_num_queries
):
    from assessments.selectors import patient_confirmed_decisions
    from rehab.panels import portal_panels

    stage_change(
        episode=neural_case.episode,
        user=therapist,
        from_stage="settle",
        to_stage="restore_movement",
        when=timezone.now(),
        reason="Moving on",
    )
    # The page's condition panel has read the decisions in force; the stage is one query more.
    patient_confirmed_decisions(patient=neural_case.patient)
    with django_assert_num_queries(1):
        context = portal_panels(user=patient_user, patient=neural_case.patient)[0].values()
    assert context["stage"].code == "restore_movement"


def test_it_takes_the_stage_from_the_portal_homes_statement(
    patient_user, neural_case, therapist, django_assert_num_queries
):
    from portal.selectors import home_reads
    from rehab.panels import portal_panels

    for to_stage, days_ago in (("restore_movement", 9), ("load", 2)):
        stage_change(
            episode=neural_case.episode,
            user=therapist,
            from_stage="settle",
            to_stage=to_stage,
            when=timezone.now() - dt.timedelta(days=days_ago),
            reason="Moving on",
        )
    patient = neural_case.patient
    home_reads(patient=patient, day=timezone.localdate(), now=timezone.now())
    # The decisions in force and the newest stage came with the home's one statement.
    with django_assert_num_queries(0):
        context = portal_panels(user=patient_user, patient=patient)[0].values()
    assert context["stage"].code == "load"


def test_it_shows_no_portal_stage_once_a_red_flag_is_the_decision_in_force(
    patient_user, neural_case, therapist, django_assert_num_queries
):
    from rehab.panels import portal_panels

    confirmed_decision(
        episode=neural_case.episode, therapist=therapist, final_dx="red_flag_referral"
    )
    # The decisions in force, and no stage to read for a red flag.
    with django_assert_num_queries(1):
        context = portal_panels(user=patient_user, patient=neural_case.patient)[0].values()
    assert context == {}


@pytest.mark.parametrize("rows", [1, 12])
def test_it_opens_the_stage_page_in_a_fixed_number_of_queries(
    therapist_client, neural_case, therapist, django_assert_num_queries, rows
):
    calm_week(neural_case.plan, days=min(rows, 7))
    for number in range(rows):
        stage_change(
            episode=neural_case.episode,
            user=therapist,
            from_stage="settle" if number % 2 == 0 else "restore_movement",
            to_stage="restore_movement" if number % 2 == 0 else "settle",
            when=timezone.now() - dt.timedelta(hours=rows - number),
            reason="Back and forth",
        )
    # session, user, episode with patient, decision, stage changes with who decided, the
    # measures of every app (assessments' visits, treatment's signed notes and their re-tests,
    # running's programme), exercise logs, the audit event, then savepoint + session update +
    # release
    with django_assert_num_queries(13):
        response = therapist_client.get(stage_url(neural_case))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 7])
@pytest.mark.parametrize(
    ("stage", "measures"),
    [
        # The first stage judges the exercise logs only: no app's measures are read.
        ("settle", 0),
        # Strength comes from treatment's re-tests only.
        ("load", 1),
        # The straight-leg raise and the slump from assessments and treatment's re-tests.
        ("restore_movement", 2),
    ],
)
def test_it_opens_the_portal_recovery_page_in_a_fixed_number_of_queries(
    client, patient_user, neural_case, therapist, django_assert_num_queries, rows, stage, measures
):
    calm_week(neural_case.plan, days=rows)
    if stage != "settle":
        stage_change(
            episode=neural_case.episode,
            user=therapist,
            from_stage="settle",
            to_stage=stage,
            when=timezone.now(),
            reason="Moving on",
        )
    client.force_login(patient_user)
    # session, user, patient, one statement for the decisions in force (shared with the
    # red-flag notice), the episodes, stage changes and discharge summaries, then the measures
    # the stage's criteria judge (of assessments, treatment's notes and re-tests, running),
    # logs, then savepoint + session update + release
    with django_assert_num_queries(6 + measures):
        response = client.get(reverse("portal:rehab"))
    assert response.status_code == 200


def test_it_still_reads_the_measures_the_patients_stage_is_judged_on(
    client, patient_user, neural_case, therapist
):
    calm_week(neural_case.plan)
    stage_change(
        episode=neural_case.episode,
        user=therapist,
        from_stage="settle",
        to_stage="restore_movement",
        when=timezone.now(),
        reason="Moving on",
    )
    slr_visit(neural_case.episode, therapist, affected=80, other=82, slump_knee_ext_deficit_deg=0)
    client.force_login(patient_user)
    page = client.get(reverse("portal:rehab")).content.decode()
    checks = page.split('class="list-unstyled mb-2 recovery-checks"')[1].split("</ul>")[0]
    lines = [line for line in checks.split("<li") if "mb-1" in line]
    assert len(lines) == 3
    # Calm logs, the leg raised level with the other, no slump deficit: all three are done.
    assert all("Done:" in line for line in lines), lines
    assert "not checked yet" not in checks


def test_it_seeds_the_demo_patient_past_the_first_stage_once():
    from clinic.demo import seed

    seed()
    seed()
    change = StageChange.objects.get()
    assert (change.from_stage, change.to_stage) == ("settle", "restore_movement")


def test_it_audits_a_stage_change_and_never_changes_it(therapist_client, neural_case, therapist):
    from clinic.models import AuditEvent

    calm_week(neural_case.plan)
    move(therapist_client, neural_case, "restore_movement")
    change = StageChange.objects.get()
    event = AuditEvent.objects.get(action="create", object_type="rehab.stagechange")
    assert event.patient_id == neural_case.patient.pk
    assert event.actor == therapist
    change.reason = "Rewritten later"
    with pytest.raises(ValueError, match="never changed"):
        change.save()


@pytest.mark.parametrize(
    ("zone", "moved_at", "now", "days"),
    [
        # Sydney's clocks went forward at 02:00 on Sunday 4 October 2026: at 00:30 on the
        # 5th there (13:30 UTC, still the 4th in London) the stage entered on the 4th is a
        # day old.
        ("Australia/Sydney", "2026-10-03T20:00Z", "2026-10-04T13:30Z", 1),
        # Los Angeles' clocks went back at 02:00 on Sunday 1 November 2026: at 23:30 that
        # evening there (07:30 UTC on the 2nd in London) the stage entered that morning is
        # not a day old yet.
        ("America/Los_Angeles", "2026-11-01T17:00Z", "2026-11-02T07:30Z", 0),
    ],
)
def test_it_counts_the_days_in_a_stage_in_the_patients_own_time_zone(
    therapist, zone, moved_at, now, days
):
    moved_at = dt.datetime.fromisoformat(moved_at)
    patient = PatientFactory(time_zone=zone)
    episode = EpisodeFactory(patient=patient, started_on=moved_at.date() - dt.timedelta(30))
    with time_machine.travel(moved_at - dt.timedelta(days=14), tick=False):
        confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    stage_change(
        episode=episode,
        user=therapist,
        from_stage="settle",
        to_stage="restore_movement",
        when=moved_at,
    )
    with time_machine.travel(dt.datetime.fromisoformat(now), tick=False):
        current = selectors.episode_rehab(episode=episode).periods()[-1]
        assert (current.stage.code, current.left_on) == ("restore_movement", None)
        assert current.days == days


def _second_open_episode(neural_case, therapist):
    """Another open episode of the same patient, diagnosed, with its own plan and readings."""
    episode = EpisodeFactory(
        patient=neural_case.patient,
        side="right",
        started_on=timezone.localdate() - dt.timedelta(40),
    )
    plan = published_plan(
        therapist=therapist, episode=episode, start_date=timezone.localdate() - dt.timedelta(20)
    )
    confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    return episode, plan


def test_it_judges_each_open_episode_on_its_own_readings_when_read_together(neural_case, therapist):
    """The patient page reads every open episode's measures and logs at once: one episode's
    SLR angles or painful sessions must never count for the other."""
    other, other_plan = _second_open_episode(neural_case, therapist)
    slr_visit(neural_case.episode, therapist, affected=55, other=75, days_ago=1)
    slr_visit(other, therapist, affected=74, other=75, days_ago=1)
    calm_week(neural_case.plan, pain=1, days=3)
    calm_week(other_plan, pain=6, days=3)
    for episode in (neural_case.episode, other):
        stage_change(
            episode=episode,
            user=therapist,
            from_stage="settle",
            to_stage="restore_movement",
            when=timezone.now(),
        )
    together = selectors.episodes_rehab(episodes=[neural_case.episode, other])
    alone = [selectors.episode_rehab(episode=e) for e in (neural_case.episode, other)]
    assert [s.episode for s in together] == [neural_case.episode, other]
    for merged, single in zip(together, alone, strict=True):
        assert [(r.code, r.status, r.value, r.source) for r in merged.results] == [
            (r.code, r.status, r.value, r.source) for r in single.results
        ]
    first, second = ({r.code: r for r in s.results} for s in together)
    assert first["slr_symmetry"].status == "not_met"
    assert second["slr_symmetry"].status == MET


#: The measures and exercise logs the rehab panel reads for its criteria (treatment's signed
#: notes and re-tests, running's programmes, the portal logs, the assessments' SLR and slump).
MEASURE_TABLES = ("treatment_treatmentsession", "treatment_retest", "running_runprogramme")


def _measure_reads(captured) -> int:
    reads = [logged_sql(query["sql"]) for query in captured.captured_queries]
    return sum(
        any(table in sql for table in MEASURE_TABLES)
        or ("exercises_sessionlog" in sql and "pain_during" in sql)
        or _assessment_measures_read(sql)
        for sql in reads
    )


def _assessment_measures_read(sql: str) -> bool:
    # The assessments' measures: the three readings and no other outcome measure.
    return "slump_knee_ext_deficit_deg" in sql and "lefs_score" not in sql


def test_it_reads_the_rehab_panel_measures_once_for_two_open_episodes(
    therapist_client, neural_case, therapist
):
    url = reverse("patients:detail", args=[neural_case.patient.public_id])
    therapist_client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert therapist_client.get(url).status_code == 200
    _other, other_plan = _second_open_episode(neural_case, therapist)
    calm_week(other_plan, days=2)
    with CaptureQueriesContext(connection) as two:
        page = therapist_client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count('class="rehab-current-stage"') == 2
    assert _measure_reads(one) == _measure_reads(two) > 0


def test_it_reads_the_amended_slr_and_skips_blanks_and_other_episodes(neural_case, therapist):
    """The assessments' measures read with every episode of the patient at once: the version in
    force counts, a newer visit that left a reading blank does not hide the older one, and
    another episode's newer reading never counts."""
    from assessments.measures import latest_measures, latest_measures_of_episodes
    from assessments.services import assessment_amend, assessment_finalise

    original = slr_visit(neural_case.episode, therapist, affected=50, other=75, days_ago=6)
    amended = assessment_amend(assessment=original, by=therapist, reason="Misread goniometer")
    amended.slr_angle_affected_deg = 58
    amended.save()
    assessment_finalise(assessment=amended, by=therapist)
    slr_visit(neural_case.episode, therapist, affected=None, other=None, days_ago=2)
    other, _plan = _second_open_episode(neural_case, therapist)
    slr_visit(other, therapist, affected=30, other=80, days_ago=0)

    measures = latest_measures(episode=neural_case.episode)
    assert {key: entry["value"] for key, entry in measures.items()} == {
        "slr_angle_affected_deg": 58,
        "slr_angle_other_deg": 75,
    }
    assert measures["slr_angle_affected_deg"]["on"] == original.assessed_on
    together = latest_measures_of_episodes(episodes=[neural_case.episode, other])
    assert together[neural_case.episode.pk] == measures
    assert together[other.pk]["slr_angle_affected_deg"]["value"] == 30


def test_it_judges_the_same_from_the_reads_the_patient_page_shares(neural_case, therapist):
    """On the patient page the rehab criteria take the assessments the timeline listed and the
    logs the progress suggestions read (no read of their own): the results are those of each
    episode read on its own, amendments and other episodes' readings included."""
    from assessments.panels import timeline_entries
    from assessments.services import assessment_amend, assessment_finalise
    from exercises.progress_selectors import progress_for_plans
    from patients.models import Episode, Patient
    from patients.selectors import episodes_load, open_episodes, page_reads_begin

    other, other_plan = _second_open_episode(neural_case, therapist)
    original = slr_visit(neural_case.episode, therapist, affected=50, other=75, days_ago=6)
    amended = assessment_amend(assessment=original, by=therapist, reason="Misread goniometer")
    amended.slr_angle_affected_deg = 70
    amended.save()
    assessment_finalise(assessment=amended, by=therapist)
    slr_visit(other, therapist, affected=74, other=75, days_ago=1)
    calm_week(neural_case.plan, pain=1, days=3)
    calm_week(other_plan, pain=6, days=3)
    for episode in (neural_case.episode, other):
        stage_change(
            episode=episode,
            user=therapist,
            from_stage="settle",
            to_stage="restore_movement",
            when=timezone.now(),
        )

    patient = Patient.objects.get(pk=neural_case.patient.pk)
    episodes_load(patient=patient)
    page_reads_begin(patient=patient)  # as the patient page does
    timeline_entries(user=therapist, patient=patient)
    progress_for_plans(patient=patient, plans=[neural_case.plan, other_plan])
    with CaptureQueriesContext(connection) as captured:
        shared = selectors.episodes_rehab(episodes=open_episodes(patient=patient))
    assert not any(
        table in query["sql"]
        for query in captured.captured_queries
        for table in ("assessments_assessment", "exercises_sessionlog")
    )
    alone = [
        selectors.episode_rehab(episode=Episode.objects.get(pk=status.episode.pk))
        for status in shared
    ]
    for merged, single in zip(shared, alone, strict=True):
        assert [(r.code, r.status, r.value, r.source) for r in merged.results] == [
            (r.code, r.status, r.value, r.source) for r in single.results
        ]
    by_episode = {status.episode.pk: {r.code: r for r in status.results} for status in shared}
    assert by_episode[neural_case.episode.pk]["slr_symmetry"].status == MET  # the amendment
    assert "70° against 75°" in by_episode[neural_case.episode.pk]["slr_symmetry"].value
    assert by_episode[neural_case.episode.pk]["pain_settled"].status == MET
    assert by_episode[other.pk]["pain_settled"].status == "not_met"  # its own 6/10 logs
