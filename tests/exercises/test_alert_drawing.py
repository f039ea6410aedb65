"""One open alert as the dashboard and the plan page draw it (exercises.dashboard.alert_html),
against the template the include was before; and the dashboard's cap of 25 alerts."""

import datetime as dt
from types import SimpleNamespace
from uuid import uuid4

import pytest
from django.template import Context, Template
from django.urls import reverse

from exercises.adherence import Alert
from exercises.dashboard import DASHBOARD_ALERT_LIMIT, AlertLine, alert_rows_html

OLD_ALERT = """{% load clinic_tags %}
<div class="flex-grow-1 exercise-alert">
  {% if show_patient %}<a href="{% uuid_url 'exercises:plan_detail' plan.public_id %}">{{ patient }}</a>:{% endif %}
  {% if label %}<span class="badge text-bg-{% if alert.kind == 'urgent_symptom' or alert.kind == 'pain_session' or alert.kind == 'pain_up' or alert.kind == 'pins_needles' %}danger{% else %}warning{% endif %}">{{ label }}</span>{% endif %}
  <span class="alert-reason">{{ alert.message }}</span>
</div>
<div class="d-flex flex-wrap gap-2 align-items-start">
  {% if alert.logs_from %}
  <a class="btn btn-sm btn-outline-primary alert-logs" href="{% uuid_url 'exercises:patient_logs' patient.public_id %}?date_from={{ alert.logs_from|date:'Y-m-d' }}&amp;date_to={{ alert.logs_to|date:'Y-m-d' }}">See the logs<span class="visually-hidden"> behind this alert for {{ patient }}</span></a>
  {% endif %}
  <a class="btn btn-sm btn-outline-secondary alert-acknowledge" href="{% uuid_url 'exercises:alert_acknowledge' plan.public_id %}?kind={{ alert.kind }}&amp;period={{ alert.period|date:'Y-m-d' }}{% if back %}&amp;back={{ back }}{% endif %}">Acknowledge<span class="visually-hidden"> {{ label|default:"this"|lower }} alert for {{ patient }}</span></a>
</div>
"""

DAY = dt.date(2026, 11, 30)


class _Patient(SimpleNamespace):
    def __str__(self):
        return self.name


@pytest.mark.parametrize(
    ("kind", "label", "show_patient", "back", "logs"),
    [
        ("pain_up", "Pain up", True, "", True),
        ("no_log", "No log", True, "", False),
        ("low_adherence", "", False, "plan", True),
    ],
)
def test_it_draws_an_alert_as_the_include_did(kind, label, show_patient, back, logs):
    alert = Alert(
        kind=kind,
        period=DAY,
        message="Pain <up> & 2 points",
        logs_from=DAY if logs else None,
        logs_to=DAY + dt.timedelta(days=6) if logs else None,
    )
    plan = SimpleNamespace(public_id=uuid4())
    patient = _Patient(name="Ann O'Hara & <co>", public_id=uuid4())
    context = {
        "alert": alert,
        "plan": plan,
        "patient": patient,
        "label": label,
        "show_patient": show_patient,
        "back": back,
    }
    old = Template(OLD_ALERT).render(Context(context))
    new = Template("{% include 'exercises/includes/alert.html' %}").render(Context(context))
    assert "Ann O&#x27;Hara &amp; &lt;co&gt;" in new
    assert "Pain &lt;up&gt; &amp; 2 points" in new
    assert new == old


def test_it_shows_the_first_alerts_and_counts_the_rest(therapist_client, therapist, monkeypatch):
    lines = tuple(
        AlertLine(
            uuid4(), uuid4(), f"Patient {n}", "no_log", "No log", "Nothing logged", DAY, None, None
        )
        for n in range(DASHBOARD_ALERT_LIMIT)
    )
    monkeypatch.setattr(
        "exercises.dashboard.dashboard_alerts", lambda *, user, **_: (lines, len(lines) + 7)
    )
    body = therapist_client.get(reverse("clinic:dashboard")).content.decode()
    assert body.count("alert-acknowledge") == DASHBOARD_ALERT_LIMIT
    assert "And 7 more alerts" in body
    assert alert_rows_html(lines) in body


def test_it_writes_the_pain_up_arrow_as_a_reference(therapist_client, monkeypatch):
    """The arrow of a pain-up reason is written as `&rarr;` (the same text in the browser),
    so the dashboard stays an ASCII page; the rest of the reason is escaped as before."""
    reason = "Pain up 2 points since week 1 (3 \u2192 5/10) <b>"
    line = AlertLine(uuid4(), uuid4(), "Zoe Ng", "pain_up", "Pain up", reason, DAY, DAY, DAY)
    monkeypatch.setattr("exercises.dashboard.dashboard_alerts", lambda *, user, **_: ((line,), 1))
    body = therapist_client.get(reverse("clinic:dashboard")).content.decode()
    assert "since week 1 (3 &rarr; 5/10) &lt;b&gt;</span>" in body
    assert body.isascii()


def test_it_shows_a_changed_pain_up_reason_on_the_next_view(therapist_client, monkeypatch):
    """The alert rows are kept per process by the lines' values: a reason that changes between
    two views (the patient's pain rose again) shows on the very next view, arrow and all."""

    def alert(reason):
        return AlertLine(uuid4(), uuid4(), "Zoe Ng", "pain_up", "Pain up", reason, DAY, DAY, DAY)

    shown = [alert("Pain up 2 points since week 1 (3 \u2192 5/10).")]
    monkeypatch.setattr(
        "exercises.dashboard.dashboard_alerts", lambda *, user, **_: (tuple(shown), 1)
    )
    first = therapist_client.get(reverse("clinic:dashboard")).content.decode()
    assert "(3 &rarr; 5/10)." in first
    shown[0] = alert("Pain up 4 points since week 1 (3 \u2192 7/10).")
    second = therapist_client.get(reverse("clinic:dashboard")).content.decode()
    assert "(3 &rarr; 7/10)." in second
    assert "5/10" not in second
