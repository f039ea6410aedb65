"""`{% alert_row alert plan patient label show_patient back %}`: one open alert, drawn by the
same function as the dashboard's rows (exercises/dashboard.py)."""

from __future__ import annotations

from django import template

from exercises.dashboard import alert_html

register = template.Library()


@register.simple_tag
def alert_row(alert, plan, patient, label="", show_patient=False, back=""):
    return alert_html(
        kind=alert.kind,
        period=alert.period,
        message=alert.message,
        logs_from=alert.logs_from,
        logs_to=alert.logs_to,
        plan_public_id=plan.public_id,
        patient_name=str(patient),
        patient_public_id=patient.public_id,
        label=label,
        show_patient=show_patient,
        back=back,
    )
