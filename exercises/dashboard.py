"""The therapist dashboard's home-exercise alerts: worked out by `selectors.open_alerts`, kept
in the cache as the few plain values the panel draws, and drawn in one step.

Working alerts out reads every week of every active plan the user prescribed (about 0.3 s for
a caseload of 500 plans), while the dashboard is opened all day. The cache holds only the
first `DASHBOARD_ALERT_LIMIT` alerts as tuples of text, dates and ids, and how many there are
in all: reading back a caseload's alerts as model instances cost more than drawing them."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import NamedTuple
from uuid import UUID

from django.core.cache import cache
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from clinic.changes import tables_version
from clinic.links import uuid_url
from exercises.selectors import ALERT_MODELS, PlanAlert, open_alerts

logger = logging.getLogger(__name__)

#: Alerts also depend on the clock (each patient's local date, the reports of the last
#: REPORT_ALERT_DAYS): the key names the quarter hour, when local dates change in every zone.
ALERT_CLOCK_SECONDS = 15 * 60
DASHBOARD_ALERT_LIMIT = 25

#: Kinds drawn in red; the others in amber.
_DANGER_KINDS = frozenset({"urgent_symptom", "pain_session", "pain_up", "pins_needles"})


class AlertLine(NamedTuple):
    """One open alert as the dashboard draws it."""

    plan_public_id: UUID
    patient_public_id: UUID
    patient_name: str
    kind: str
    label: str
    message: str
    period: dt.date
    logs_from: dt.date | None
    logs_to: dt.date | None


def _line(item: PlanAlert) -> AlertLine:
    alert, patient = item.alert, item.plan.patient
    return AlertLine(
        plan_public_id=item.plan.public_id,
        patient_public_id=patient.public_id,
        patient_name=str(patient),
        kind=alert.kind,
        label=str(item.label),
        message=alert.message,
        period=alert.period,
        logs_from=alert.logs_from,
        logs_to=alert.logs_to,
    )


def _summary(alerts: list[PlanAlert]) -> tuple[tuple[AlertLine, ...], int]:
    return tuple(_line(item) for item in alerts[:DASHBOARD_ALERT_LIMIT]), len(alerts)


def dashboard_alerts(*, user) -> tuple[tuple[AlertLine, ...], int]:
    """The first `DASHBOARD_ALERT_LIMIT` of `open_alerts` and how many there are, from the
    cache while no table they are computed from has changed: the key holds the tables' change
    counters, which the database bumps on every write, whatever its path."""
    from patients.models import Patient

    version = tables_version([*ALERT_MODELS, Patient])
    if version is None:
        return _summary(open_alerts(user=user))
    slot = int(time.time()) // ALERT_CLOCK_SECONDS
    # Not the "exercises:alerts:" keys, which held whole instances before this module.
    key = f"exercises:dashboard-alerts:{user.pk}:{slot}:{version}"
    try:
        found = cache.get(key)
    except Exception as exc:  # a cache that is down is a miss, never an error
        logger.warning("Cache unavailable: %s", exc)
        return _summary(open_alerts(user=user))
    if found is None:
        found = _summary(open_alerts(user=user))
        try:
            cache.set(key, found, ALERT_CLOCK_SECONDS)
        except Exception as exc:
            logger.warning("Cache unavailable: %s", exc)
    return found


def alert_html(
    *,
    kind: str,
    period: dt.date,
    message: str,
    logs_from: dt.date | None,
    logs_to: dt.date | None,
    plan_public_id,
    patient_name: str,
    patient_public_id,
    label: str = "",
    show_patient: bool = False,
    back: str = "",
) -> SafeString:
    """One open alert: why it fired, the logs behind it and the way to acknowledge it (the
    dashboard's rows and the plan page's `exercises/includes/alert.html`). Every value is
    escaped as `{{ }}` would escape it."""
    patient = conditional_escape(patient_name)
    parts = ['<div class="flex-grow-1 exercise-alert">\n  ']
    if show_patient:
        parts.append(
            f'<a href="{conditional_escape(uuid_url("exercises:plan_detail", plan_public_id))}">'
            f"{patient}</a>:"
        )
    parts.append("\n  ")
    if label:
        tone = "danger" if kind in _DANGER_KINDS else "warning"
        parts.append(f'<span class="badge text-bg-{tone}">{conditional_escape(label)}</span>')
    parts.append(
        f'\n  <span class="alert-reason">{conditional_escape(message)}</span>\n</div>\n'
        '<div class="d-flex flex-wrap gap-2 align-items-start">\n  '
    )
    if logs_from:
        logs = conditional_escape(uuid_url("exercises:patient_logs", patient_public_id))
        until = logs_to.isoformat() if logs_to else ""
        parts.append(
            f'\n  <a class="btn btn-sm btn-outline-primary alert-logs" href="{logs}'
            f'?date_from={logs_from.isoformat()}&amp;date_to={until}">See the logs'
            f'<span class="visually-hidden"> behind this alert for {patient}</span></a>\n  '
        )
    acknowledge = conditional_escape(uuid_url("exercises:alert_acknowledge", plan_public_id))
    back_part = f"&amp;back={conditional_escape(back)}" if back else ""
    said = conditional_escape(str(label or "this").lower())
    parts.append(
        f'\n  <a class="btn btn-sm btn-outline-secondary alert-acknowledge" href="{acknowledge}'
        f"?kind={conditional_escape(kind)}&amp;period={period.isoformat()}{back_part}"
        f'">Acknowledge<span class="visually-hidden"> {said} alert for {patient}</span></a>\n'
        "</div>"
    )
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 (every value escaped)


def alert_rows_html(lines: tuple[AlertLine, ...]) -> SafeString:
    """The dashboard's list items, one per alert, in one step."""
    return mark_safe(  # noqa: S308  # nosec B308 B703 (alert_html escapes every value)
        "".join(
            '\n        <li class="list-group-item d-flex flex-wrap justify-content-between'
            ' align-items-center gap-2">\n          \n'
            + alert_html(
                kind=line.kind,
                period=line.period,
                message=line.message,
                logs_from=line.logs_from,
                logs_to=line.logs_to,
                plan_public_id=line.plan_public_id,
                patient_name=line.patient_name,
                patient_public_id=line.patient_public_id,
                label=line.label,
                show_patient=True,
            )
            + "\n\n        </li>\n        "
            for line in lines
        )
    )
