"""The therapist's return-to-run page, the patient-page panel and the dashboard list: who sees
what, assigning and moving by hand through the pages, and pinned query counts."""

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse

from running.models import RunLog, RunProgramme
from tests.exercises.factories import confirmed_decision
from tests.running.conftest import TODAY
from tests.running.factories import programme, run

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
DASHBOARD = reverse("clinic:dashboard")


def page_of(episode):
    return reverse("running:episode", args=[episode.public_id])


@pytest.fixture
def active(therapist, my_episode):
    return programme(therapist=therapist, episode=my_episode, started_on=TODAY - 20 * DAY)


def test_it_offers_the_programme_that_suits_the_confirmed_diagnosis_first(
    therapist_client, therapist, my_episode
):
    confirmed_decision(episode=my_episode, therapist=therapist, final_dx="lumbar")
    response = therapist_client.get(page_of(my_episode))
    choices = response.context["assign_form"].fields["template"].choices
    assert choices[0] == ("lumbar", "Return to running: pain from the back (suits the diagnosis)")


def test_it_assigns_from_the_page_and_replacing_ends_the_old_one(
    therapist_client, my_episode, active
):
    response = therapist_client.post(
        reverse("running:assign", args=[my_episode.public_id]), {"template": "acute_strain"}
    )
    assert response.status_code == 302
    statuses = dict(RunProgramme.objects.values_list("template_key", "status"))
    assert statuses == {"neural": "ended", "acute_strain": "active"}
    body = therapist_client.get(page_of(my_episode)).content.decode()
    assert "Replaced by Return to running: hamstring strain" in body
    assert "Brisk walk" in body


def test_it_moves_a_step_by_hand_and_shows_the_reason(therapist_client, active):
    url = reverse("running:move", args=[active.public_id])
    refused = therapist_client.post(url, {"step": "3", "reason": ""})
    assert refused.status_code == 400
    assert "Say why you are moving the step" in refused.content.decode()
    therapist_client.post(url, {"step": "3", "reason": "Ran 20 minutes pain-free at parkrun"})
    active.refresh_from_db()
    assert active.current_step == 3
    body = therapist_client.get(page_of(active.episode)).content.decode()
    assert "Moved by hand: Ran 20 minutes pain-free at parkrun" in body


def test_it_shows_the_therapist_runs_comments_and_decisions_on_the_patient_page(
    therapist_client, me, active
):
    run(active, TODAY - 2 * DAY, during=2, after=3, morning=2, comment="Calf tight, thigh fine")
    body = therapist_client.get(reverse("patients:detail", args=[me.public_id])).content.decode()
    assert "Step 1 of 8: Walk with short jogs" in body
    assert "Calf tight, thigh fine" in body
    assert "Pain before 1, during 2, after 3, next morning 2" in body
    assert "Pain 3/10 after the run of 01 Dec (3-4 holds)." in body


def test_it_shows_reception_that_a_programme_exists_but_no_pain_scores(
    reception_client, me, active
):
    run(active, TODAY - 2 * DAY, during=6, comment="Sharp pain at 10 minutes")
    body = reception_client.get(reverse("patients:detail", args=[me.public_id])).content.decode()
    assert "Return to running: sensitive nerve: active since 13 Nov 2026" in body
    assert "Sharp pain" not in body
    assert "Pain 6" not in body
    assert "during 6" not in body
    assert reception_client.get(page_of(active.episode)).status_code == 403


def test_it_lists_worrying_runs_and_comments_on_the_dashboard_until_marked_seen(
    therapist_client, other_therapist, active
):
    quiet = run(active, TODAY - 6 * DAY, morning=1)
    sore = run(active, TODAY - 4 * DAY, during=5, morning=2)
    worse = run(active, TODAY - 2 * DAY, before=0, morning=2)
    noted = run(active, TODAY - 1 * DAY, comment="Left knee ached on the stairs")
    someone_elses = programme(therapist=other_therapist, started_on=TODAY - 9 * DAY)
    run(someone_elses, TODAY - 1 * DAY, during=8)

    panel = therapist_client.get(DASHBOARD).context["panels"]
    body = therapist_client.get(DASHBOARD).content.decode()
    section = body[body.index("Runs to look at") :]
    assert "Pain 5/10" in section
    assert "Worse next morning (0 &rarr; 2)" in section
    assert "Left knee ached on the stairs" in section
    assert "Pain 8/10" not in section  # another therapist's patient
    assert str(quiet.public_id) not in section
    assert panel

    response = therapist_client.post(reverse("running:run_seen", args=[sore.public_id]))
    assert response.status_code == 302
    section = therapist_client.get(DASHBOARD).content.decode()
    assert str(sore.public_id) not in section
    assert str(worse.public_id) in section
    assert str(noted.public_id) in section


@pytest.mark.parametrize("runs", [1, 8])
def test_it_shows_the_episode_page_in_a_fixed_number_of_queries(
    therapist_client, active, django_assert_num_queries, runs, frozen
):
    for n in range(runs):
        run(active, TODAY - (2 * n + 1) * DAY, morning=1)
    # Queries: session, user, the episode with its patient, the programmes, their runs, their
    # decisions, the decisions' runs, the confirmed diagnosis, the audit event insert, then
    # savepoint + session update + release.
    url = page_of(active.episode)
    with django_assert_num_queries(12):
        response = therapist_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("runs", [1, 8])
def test_it_shows_the_dashboard_list_in_one_query_whatever_the_rows(
    therapist, active, django_assert_num_queries, runs
):
    from running.panels import dashboard_panels

    for n in range(runs):
        run(active, TODAY - (2 * n + 1) * DAY, during=5, comment="Sore")
    (panel,) = dashboard_panels(user=therapist)
    with django_assert_num_queries(1):
        context = panel.values()
    assert len(context["runs"]) == runs


@pytest.mark.parametrize("runs", [0, 3, 27])
def test_it_reads_the_same_runs_in_the_dashboard_statement_as_on_their_own(
    therapist, my_episode, django_assert_num_queries, runs
):
    from clinic.panels import dashboard_read, dashboard_reads_start
    from running.panels import dashboard_panels

    long_running = programme(therapist=therapist, episode=my_episode, started_on=TODAY - 40 * DAY)
    for n in range(runs):
        run(
            long_running,
            TODAY - (n + 1) * DAY,
            during=5 + n % 5,
            morning=None if n % 2 else n % 11,
            comment=["", 'Sore <b>"knee"</b> & \\ \u00e9\U0001f600\nline two'][n % 2],
        )
    (panel,) = dashboard_panels(user=therapist)
    alone = panel.values()
    dashboard_reads_start(therapist)
    with django_assert_num_queries(1):
        dashboard_read(therapist)
        together = panel.values()
    # The statement's runs come with the kept drawing's key made once (`_runs_of_text`): the
    # key the card makes from the runs themselves when read on their own.
    kept = together.pop("kept")
    if runs:
        assert list(kept) == [
            tuple(tuple(run.values()) for run in together["runs"]),
            tuple(together["runs"][0]),
        ]
    assert alone.pop("kept") is None
    assert together == alone
    assert [list(run) for run in together["runs"]] == [list(run) for run in alone["runs"]]
    assert [[type(value) for value in run.values()] for run in together["runs"]] == [
        [type(value) for value in run.values()] for run in alone["runs"]
    ]
    assert len(together["runs"]) == min(runs, 25)
    assert together["more"] == (runs > 25)


@pytest.mark.parametrize("runs", [1, 8])
def test_it_adds_three_queries_to_the_patient_page_whatever_the_rows(
    therapist, me, active, django_assert_num_queries, runs
):
    from patients.selectors import episodes_load
    from running.panels import patient_panels

    for n in range(runs):
        run(active, TODAY - (2 * n + 1) * DAY, morning=1, comment="Fine")
    (panel,) = patient_panels(user=therapist, patient=me)
    # Queries: the patient's programmes, the current one's recent runs, its recent decisions
    # (the open episodes come with the page, which loads them once for every panel).
    episodes_load(patient=me)  # the page's own prefetch
    with django_assert_num_queries(3):
        context = panel.values()
    assert len(context["runs"]) == min(runs, 5)


def test_the_dashboard_shows_a_run_logged_between_two_views_in_ascii(therapist_client, active):
    # The runs' rows are kept per process by their values (running.panels._runs_drawn): a run
    # logged, or a comment changed, between two views is a new key, drawn on the next view.
    run(active, TODAY - 3 * DAY, during=6)
    first = therapist_client.get(DASHBOARD).content.decode()
    logged = run(
        active, TODAY - 1 * DAY, before=1, morning=3, comment="Knee \u2013 \u201csore\u201d"
    )
    second = therapist_client.get(DASHBOARD).content.decode()
    section = second[second.index("Runs to look at") :]
    assert str(logged.public_id) not in first
    assert str(logged.public_id) in section
    assert "&ldquo;Knee \u2013 \u201csore\u201d&rdquo;" in section  # the patient's text as written
    assert "Worse next morning (1 &rarr; 3)" in section
    RunLog.objects.filter(pk=logged.pk).update(comment="Fine now")
    third = therapist_client.get(DASHBOARD).content.decode()
    assert "&ldquo;Fine now&rdquo;" in third
    assert "sore" not in third


# The loop the dashboard drew runs with before they were drawn in one step (running_rows.py).
OLD_RUN_ROWS = """{% for run in runs %}
        <li class="list-group-item px-0 d-flex flex-wrap justify-content-between align-items-start gap-2">
          <div>
            <a href="{% url 'patients:detail' run.patient.public_id %}">{{ run.patient.full_name }}</a>, run of {{ run.date|date:"D j M" }}:
            {% if run.peak >= 5 %}<span class="badge text-bg-danger">Pain {{ run.peak }}/10</span>{% endif %}
            {% if run.worse_next_morning %}<span class="badge text-bg-warning">Worse next morning ({{ run.pain_before }} → {{ run.pain_next_morning }})</span>{% endif %}
            {% if run.comment %}<div class="run-comment">“{{ run.comment }}”</div>{% endif %}
          </div>
          <form method="post" action="{% url 'running:run_seen' run.public_id %}">
            <input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}">
            <button class="btn btn-sm btn-outline-secondary" type="submit" aria-label="Mark {{ run.patient.full_name }}'s run of {{ run.date|date:'j M' }} as seen">Mark as seen</button>
          </form>
        </li>
        {% endfor %}"""


def test_it_draws_the_dashboard_runs_as_the_template_loop_did(therapist, active):
    from django.template import Context, Template

    from running.models import RunLog
    from running.panels import dashboard_run_values

    patient = active.episode.patient
    patient.first_name, patient.last_name = "O'Brien", "<Sam> & co"
    patient.save()
    run(active, TODAY - 4 * DAY, during=5, morning=2)
    run(active, TODAY - 2 * DAY, before=0, morning=2, comment='Ached "a lot" <b>')
    run(active, TODAY - 1 * DAY, comment="Fine")
    instances = list(RunLog.objects.select_related("patient").order_by("date", "id"))
    values = list(dashboard_run_values(RunLog.objects.order_by("date", "id")))
    token = "tok&en"
    old = Template(OLD_RUN_ROWS).render(Context({"runs": instances, "csrf_token": token}))
    new = Template("{% load running_rows %}{% runs_to_review_rows runs csrf_token %}").render(
        Context({"runs": values, "csrf_token": token})
    )
    assert "O&#x27;Brien &lt;Sam&gt; &amp; co" in new
    assert "Ached &quot;a lot&quot; &lt;b&gt;" in new
    # The same text, its arrow and quotes written as character references: the rows (and so
    # the dashboard) stay ASCII, which Python keeps one byte a character (one arrow made the
    # whole page two bytes a character, and its encoding a loop rather than a copy).
    assert new.isascii()
    assert unescape(new) == unescape(old)
