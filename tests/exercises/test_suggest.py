"""Suggesting a plan that fits the stage (issue 16, item 4): the rule as clinical cases, and the
therapist's button that gathers the facts from the episode (stage, injury date, portal logs)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from exercises.models import Exercise, ExercisePlan
from exercises.services import plan_publish, plan_snapshot
from exercises.suggest import Facts, irritability, suggest_plan_items
from exercises.suggestions import plan_suggest
from tests.exercises.factories import confirmed_decision, log, published_plan
from tests.patients.factories import EpisodeFactory
from tests.rehab.factories import stage_change

pytestmark = pytest.mark.django_db

STAGE_LABELS = {
    "settle": "Settle",
    "restore_movement": "Restore movement",
    "load": "Load",
    "return_to_run": "Return to running",
}
#: Recent pain, as the service would read it: this week's portal logs (pain during exercise)
#: and whether they meet the stages' "pain settled" criterion.
PAIN = {
    "irritable": irritability(
        log_pains=[6, 5],
        worse_next_morning=False,
        pain_settled=False,
        nprs_now=None,
        nprs_worst_week=None,
    ),
    "moderate": irritability(
        log_pains=[3, 4],
        worse_next_morning=False,
        pain_settled=False,
        nprs_now=None,
        nprs_worst_week=None,
    ),
    "settled": irritability(
        log_pains=[1, 2, 2],
        worse_next_morning=False,
        pain_settled=True,
        nprs_now=None,
        nprs_worst_week=None,
    ),
}


def suggest(dx, days, stage, pain, preference=""):
    facts = Facts(
        final_dx=dx,
        directional_preference=preference,
        stage=stage,
        stage_label=STAGE_LABELS[stage],
        days_since_injury=days,
        irritability=PAIN[pain],
    )
    return suggest_plan_items(facts=facts, exercises=list(Exercise.objects.all()))


# diagnosis, days since injury, stage, recent pain, preference -> codes, and a phrase from the
# reason of each suggested item (in order).
CASES = [
    # Acute strain: nothing loads the muscle before its day; the Extender from day 5.
    ("acute_strain", 2, "settle", "moderate", "", ["EX-A01"], ["Allowed from day 1"]),
    (
        "acute_strain",
        6,
        "settle",
        "moderate",
        "",
        ["EX-A01", "EX-A02", "EX-A03"],
        [
            "Fits the Settle stage",
            "from day 3",
            "Allowed from day 5 after the injury; today is day 6",
        ],
    ),
    (
        "acute_strain",
        20,
        "load",
        "settled",
        "",
        ["EX-A02", "EX-A03", "EX-A04", "EX-A05", "EX-A08"],
        ["Load stage", "Load stage", "Load stage", "Load stage", "Load stage"],
    ),
    (
        "acute_strain",
        20,
        "load",
        "irritable",
        "",
        ["EX-A01", "EX-A02", "EX-A03"],
        ["pain is easily stirred up (exercise pain up to 6/10 this week)"] * 3,
    ),
    # Neural: one slider, the side-lying one when irritable; no tensioner or strength until
    # pain has settled.
    ("neural", 30, "settle", "irritable", "", ["EX-N04"], ["Gentlest option"]),
    ("neural", 30, "settle", "moderate", "", ["EX-N01"], ["One nerve slider"]),
    ("neural", 30, "restore_movement", "moderate", "", ["EX-N01", "EX-N09"], ["slider", "Fits"]),
    (
        "neural",
        30,
        "restore_movement",
        "settled",
        "",
        ["EX-N01", "EX-N06", "EX-A02", "EX-N09"],
        ["slider", "Nerve tensioner, now that pain has settled", "Strength, now that", "Fits"],
    ),
    (
        "neural",
        60,
        "return_to_run",
        "settled",
        "",
        ["EX-N05", "EX-N06", "EX-A06", "EX-N09", "EX-N10"],
        ["slider", "tensioner", "Strength", "Fits", "Fits"],
    ),
    # Lumbar: the exercise for each directional preference, lateral included.
    (
        "lumbar",
        30,
        "settle",
        "moderate",
        "extension",
        ["EX-L02", "EX-L06"],
        ["extension", "Direction-free"],
    ),
    (
        "lumbar",
        30,
        "settle",
        "irritable",
        "extension",
        ["EX-L01", "EX-L09"],
        ["extension", "Gentlest"],
    ),
    (
        "lumbar",
        30,
        "settle",
        "moderate",
        "flexion",
        ["EX-L04", "EX-L06"],
        ["flexion", "Direction-free"],
    ),
    (
        "lumbar",
        30,
        "settle",
        "moderate",
        "lateral",
        ["EX-L12", "EX-L06"],
        ["lateral", "Direction-free"],
    ),
    ("lumbar", 30, "settle", "moderate", "", ["EX-L06"], ["No directional preference recorded"]),
    (
        "lumbar",
        40,
        "load",
        "settled",
        "extension",
        ["EX-L02", "EX-L06", "EX-A02", "EX-L10"],
        ["extension", "Direction-free", "Strength", "Strength"],
    ),
    # Mixed: the lumbar exercise alone, then a retest; nerve exercises after it.
    (
        "mixed_neural_lumbar",
        30,
        "settle",
        "moderate",
        "extension",
        ["EX-L02"],
        ["nerve exercises come after that retest"],
    ),
    ("mixed_neural_lumbar", 30, "settle", "moderate", "", ["EX-L06"], ["retest"]),
    ("red_flag_referral", 30, "settle", "moderate", "", [], []),
    ("other", 30, "settle", "moderate", "", [], []),
]


@pytest.mark.parametrize(
    ("dx", "days", "stage", "pain", "preference", "codes", "reasons"),
    CASES,
    ids=[f"{c[0]}-day{c[1]}-{c[2]}-{c[3]}-{c[4] or 'none'}" for c in CASES],
)
def test_it_suggests_what_fits_the_clinical_case(dx, days, stage, pain, preference, codes, reasons):
    suggestion = suggest(dx, days, stage, pain, preference)
    assert [item.exercise.code for item in suggestion.items] == codes
    for item, phrase in zip(suggestion.items, reasons, strict=True):
        assert phrase in item.reason, (item.exercise.code, item.reason)
        assert len(item.reason) <= 300


def test_it_refuses_the_extender_on_day_2_and_says_when_it_comes():
    day_2 = suggest("acute_strain", 2, "settle", "moderate")
    assert "EX-A03" not in [item.exercise.code for item in day_2.items]
    assert (
        "Askling Extender (lying knee straighten) waits until day 5 after the injury "
        "(today is day 2)." in day_2.notes
    )
    day_6 = suggest("acute_strain", 6, "settle", "moderate")
    assert "EX-A03" in [item.exercise.code for item in day_6.items]
    assert not [note for note in day_6.notes if "Extender" in note]


def test_it_never_suggests_two_of_a_movement_family():
    for case in CASES:
        items = suggest(*case[:5]).items
        families = [item.exercise.family for item in items if item.exercise.family]
        assert len(families) == len(set(families)), case


def test_it_never_suggests_an_exercise_for_another_direction():
    for preference in ("extension", "flexion", "lateral", ""):
        for stage in STAGE_LABELS:
            for item in suggest("lumbar", 40, stage, "settled", preference).items:
                assert item.exercise.directional_preference in ("", preference)


def test_it_says_in_the_mixed_suggestion_that_the_retest_comes_before_nerve_exercises():
    suggestion = suggest("mixed_neural_lumbar", 30, "settle", "settled", "extension")
    assert not [item for item in suggestion.items if "neural" in item.exercise.tags]
    assert suggestion.notes[0] == (
        "Mixed neural and lumbar: Treat the back first, then retest the slump and straight-leg "
        "raise; nerve exercises come after that retest."
    )


@pytest.mark.parametrize(
    ("logs", "worse", "settled", "now", "worst", "level"),
    [
        ([6, 2], False, False, 1, 1, "irritable"),  # the logs count before the intake
        ([2, 2], True, False, None, None, "irritable"),  # worse the next morning
        ([1, 2], False, True, 8, 9, "settled"),
        ([3], False, False, None, None, "moderate"),
        ([], False, False, 6, 7, "irritable"),  # no logs: the intake scores
        ([], False, False, 3, 6, "moderate"),
        ([], False, False, 0, 0, "moderate"),  # never settled before exercises are tried
        ([], False, False, None, None, "moderate"),
    ],
)
def test_it_reads_irritability_from_the_logs_then_the_intake(
    logs, worse, settled, now, worst, level
):
    found = irritability(
        log_pains=logs,
        worse_next_morning=worse,
        pain_settled=settled,
        nprs_now=now,
        nprs_worst_week=worst,
    )
    assert found.level == level


def test_it_ships_a_lateral_shift_exercise_with_its_dose_and_stop_rules():
    shift = Exercise.objects.get(code="EX-L12")
    assert shift.directional_preference == "lateral"
    assert shift.tags == ["lumbar"]
    assert "early" in shift.phases
    assert (shift.reps, shift.times_per_day) == (10, 4)
    assert "every 2 to 3 hours" in shift.dose_note
    assert any("spreads further down your leg" in rule for rule in shift.stop_rules)
    assert Exercise.objects.get(code="EX-A03").earliest_day == 5
    assert Exercise.objects.get(code="EX-A01").earliest_day == 1


def test_it_sets_the_new_facts_on_a_library_loaded_before_them():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("exercises.migrations.0010_suggestion_facts_and_reasons")
    Exercise.objects.filter(code="EX-L12").delete()
    Exercise.objects.update(earliest_day=None, family="")
    Exercise.objects.filter(code="EX-G01").update(name="Easy cycling (edited)")
    migration.set_suggestion_facts(apps, None)
    assert Exercise.objects.get(code="EX-A03").earliest_day == 5
    assert Exercise.objects.get(code="EX-N04").family == "nerve-slider"
    assert Exercise.objects.filter(code="EX-L12").exists()
    assert Exercise.objects.get(code="EX-G01").name == "Easy cycling (edited)"


# --- The therapist's button: the facts come from the episode --------------------------------

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)


def _suggest_through_the_page(client, episode):
    return client.post(
        reverse("exercises:plan_create", args=[episode.public_id]), {"mode": "suggest"}, follow=True
    )


def _plan_codes(episode):
    plan = ExercisePlan.objects.get(episode=episode)
    return [item.exercise.code for item in plan.items.order_by("position")]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("days", "offered"), [(2, False), (6, True)])
def test_it_offers_the_extender_only_from_day_5_of_a_strain(
    therapist_client, therapist, days, offered
):
    episode = EpisodeFactory(started_on=NOW.date() - dt.timedelta(days=days))
    confirmed_decision(episode=episode, therapist=therapist, final_dx="acute_strain")
    page = _suggest_through_the_page(therapist_client, episode).content.decode()
    assert ("EX-A03" in _plan_codes(episode)) is offered
    assert ("waits until day 5 after the injury (today is day 2)" in page) is not offered


@time_machine.travel(NOW, tick=False)
def test_it_shows_why_each_item_was_chosen_to_the_therapist_but_not_the_patient(
    therapist_client, therapist
):
    episode = EpisodeFactory(started_on=dt.date(2026, 5, 1))
    confirmed_decision(
        episode=episode, therapist=therapist, final_dx="lumbar", directional_preference="lateral"
    )
    page = _suggest_through_the_page(therapist_client, episode).content.decode()
    plan = ExercisePlan.objects.get(episode=episode)
    first = plan.items.order_by("position").first()
    assert first.exercise.code == "EX-L12"
    assert "lateral preference" in first.reason
    assert "Why suggested:" in page
    assert "(lateral preference)" in page
    plan_publish(plan=plan, user=therapist)
    plan.refresh_from_db()
    assert all("reason" not in item for item in plan.current_version.items)
    assert "lateral preference" not in str(plan_snapshot(plan=plan))


@time_machine.travel(NOW, tick=False)
def test_it_suggests_lumbar_first_and_a_retest_for_a_mixed_case(therapist_client, therapist):
    episode = EpisodeFactory(started_on=dt.date(2026, 5, 1))
    confirmed_decision(
        episode=episode,
        therapist=therapist,
        final_dx="mixed_neural_lumbar",
        directional_preference="extension",
    )
    page = _suggest_through_the_page(therapist_client, episode).content.decode()
    assert _plan_codes(episode) == ["EX-L02"]
    assert "nerve exercises come after that retest" in page


@time_machine.travel(NOW, tick=False)
def test_it_adds_a_tensioner_and_strength_once_the_logs_show_pain_settled(therapist):
    episode = EpisodeFactory(started_on=dt.date(2026, 4, 1))
    decision = confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    stage_change(
        episode=episode,
        user=therapist,
        from_stage="settle",
        to_stage="restore_movement",
        when=NOW - dt.timedelta(days=10),
    )
    running = published_plan(
        therapist=therapist,
        episode=episode,
        codes=("EX-N01",),
        start_date=NOW.date() - dt.timedelta(days=20),
    )
    for days_ago in (3, 2, 1):
        log(running, NOW.date() - dt.timedelta(days=days_ago), pain=2)
    _plan, suggestion = plan_suggest(
        episode=episode, user=therapist, final_dx="neural", findings=decision.findings
    )
    assert [item.exercise.code for item in suggestion.items] == [
        "EX-N01",
        "EX-N06",
        "EX-A02",
        "EX-N09",
    ]
    assert "exercise pain at most 2/10 in 3 logs" in suggestion.items[1].reason
    # A bad day this week: back to one gentle slider.
    log(running, NOW.date(), pain=6)
    _, flare = plan_suggest(
        episode=episode, user=therapist, final_dx="neural", findings=decision.findings
    )
    assert [item.exercise.code for item in flare.items] == ["EX-N04"]


@time_machine.travel(NOW, tick=False)
def test_it_reads_irritability_from_the_intake_pain_scores_without_logs(therapist):
    episode = EpisodeFactory(started_on=dt.date(2026, 5, 1))
    _plan, suggestion = plan_suggest(
        episode=episode,
        user=therapist,
        final_dx="neural",
        findings={"nprs_now": 6, "nprs_worst_week": 8},
    )
    assert [item.exercise.code for item in suggestion.items] == ["EX-N04"]
    assert "pain 6/10 now, 8/10 at worst this week at assessment" in suggestion.items[0].reason


def test_it_never_suggests_archived_exercises(therapist):
    Exercise.objects.filter(code="EX-N01").update(archived_at="2026-01-01T00:00Z")
    plan, _ = plan_suggest(episode=EpisodeFactory(), user=therapist, final_dx="neural", findings={})
    assert "EX-N01" not in [item.exercise.code for item in plan.items.all()]
    assert [item.exercise.code for item in plan.items.all()] == ["EX-N02"]


def test_it_suggests_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries
):
    episode = EpisodeFactory()
    confirmed_decision(
        episode=episode, therapist=therapist, final_dx="lumbar", directional_preference="extension"
    )
    url = reverse("exercises:plan_create", args=[episode.public_id])
    # session, user, episode with patient (scoped), confirmed decision, current stage, this
    # week's logs, the library; savepoint, plan INSERT, its history INSERT, audit INSERT,
    # items INSERT (one, however many), release; the request's audit INSERT; savepoint,
    # session UPDATE (messages), release
    with django_assert_num_queries(17):
        response = therapist_client.post(url, {"mode": "suggest"})
    assert response.status_code == 302


def test_it_prefills_a_draft_from_the_confirmed_diagnosis(therapist_client, therapist):
    episode = EpisodeFactory()
    confirmed_decision(
        episode=episode, therapist=therapist, final_dx="lumbar", directional_preference="extension"
    )
    response = therapist_client.post(
        reverse("exercises:plan_create", args=[episode.public_id]), {"mode": "suggest"}
    )
    plan = ExercisePlan.objects.get(episode=episode)
    assert response.url == reverse("exercises:plan_detail", args=[plan.public_id])
    assert plan.status == "draft"
    assert plan.current_version is None  # the patient sees nothing until it is published
    assert _plan_codes(episode)[0] == "EX-L02"


def test_it_refuses_to_suggest_without_a_confirmed_diagnosis(therapist_client):
    episode = EpisodeFactory()
    response = _suggest_through_the_page(therapist_client, episode)
    assert not ExercisePlan.objects.exists()
    assert "Confirm a diagnosis" in response.content.decode()


def test_it_shows_the_confirmed_diagnosis_on_the_episode_plans_page(therapist_client, therapist):
    episode = EpisodeFactory()
    confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    response = therapist_client.get(reverse("exercises:episode_plans", args=[episode.public_id]))
    assert "neural tissue sensitivity" in response.content.decode()


def test_it_hides_episode_plans_from_reception(reception_client):
    episode = EpisodeFactory()
    url = reverse("exercises:episode_plans", args=[episode.public_id])
    assert reception_client.get(url).status_code == 403
    create = reverse("exercises:plan_create", args=[episode.public_id])
    assert reception_client.post(create, {"mode": "suggest"}).status_code == 403
    assert not ExercisePlan.objects.exists()


def test_it_starts_no_plan_on_a_discharged_episode(therapist_client):
    episode = EpisodeFactory(status="discharged", discharged_on=dt.date(2026, 2, 1))
    response = therapist_client.post(
        reverse("exercises:plan_create", args=[episode.public_id]), {"mode": "empty"}, follow=True
    )
    assert "This episode is discharged" in response.content.decode()
    assert not ExercisePlan.objects.exists()
