"""The therapist dashboard's home-exercise alerts: worked out by `selectors.plans_alerts`, kept
in the cache as the few plain values the panel draws, and drawn in one step.

Working alerts out reads every week of every active plan the user prescribed (about 0.3 s for
a caseload of 500 plans), while the dashboard is opened all day. The cache holds only the
first `DASHBOARD_ALERT_LIMIT` alerts as tuples of text, dates and ids, and how many there are
in all: reading back a caseload's alerts as model instances cost more than drawing them.

Any write to a table the alerts read (a portal log, a patient's new phone number) changes the
key of that summary. What it missed is then worked out again only for the plans whose rows
changed: each plan's alerts are kept with a stamp the database computes from the row versions
(`xmin`, `ctid`) of every row they were worked out from, so any write path, raw SQL included,
changes the stamp of exactly the plans it touched. Comparing stamps is one query; the plans
that changed (usually one) are worked out as before."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import time
from typing import NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.core.signals import setting_changed
from django.db.models import OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.dispatch import receiver
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from clinic.access import CLINICAL, has_role
from clinic.cache import get_unchanging
from clinic.changes import table_versions
from clinic.links import uuid_url_parts
from clinic.markup import escape
from exercises.models import PlanWeek, SessionLog
from exercises.selectors import (
    ALERT_MODELS,
    PlanAlert,
    alert_order,
    alert_plans,
    alert_windows,
    open_alerts,
    plans_alerts,
)
from patients.models import Patient

logger = logging.getLogger(__name__)

#: Alerts also depend on the clock (each patient's local date, the reports of the last
#: REPORT_ALERT_DAYS): the key names the quarter hour, when local dates change in every zone.
ALERT_CLOCK_SECONDS = 15 * 60
DASHBOARD_ALERT_LIMIT = 25
#: How long each plan's alerts and stamps are kept for a therapist who does not come back.
PLAN_ALERTS_SECONDS = 24 * 60 * 60

#: Kinds drawn in red; the others in amber.
_DANGER_KINDS = frozenset({"urgent_symptom", "pain_session", "pain_up", "pins_needles"})


class AlertLine(NamedTuple):
    """One open alert as the dashboard draws it. The public ids are kept as their text (the
    summary is read back from the cache on every view, and a `UUID` is rebuilt there by a
    Python call each, two an alert); a `UUID` is drawn the same."""

    plan_public_id: str | UUID
    patient_public_id: str | UUID
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
        plan_public_id=str(item.plan.public_id),
        patient_public_id=str(patient.public_id),
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


#: The tables whose change counters name the alerts' cache key.
ALERT_KEY_MODELS = (*ALERT_MODELS, Patient)
#: `dashboard_alerts`' `counters` when the caller has not read them.
READ_COUNTERS = object()


def dashboard_alerts(*, user, counters=READ_COUNTERS) -> tuple[tuple[AlertLine, ...], int]:
    """The first `DASHBOARD_ALERT_LIMIT` of `open_alerts` and how many there are, from the
    cache while no table they are computed from has changed: the key holds the tables' change
    counters, which the database bumps on every write, whatever its path. After a change only
    the plans it touched are worked out again (`_plans_summary`).

    `counters`: `table_versions(ALERT_KEY_MODELS)` read by the caller within this view (the
    dashboard reads them with its inboxes, `changes.versions_column`); read here otherwise."""
    if not has_role(user, CLINICAL):
        return (), 0
    if counters is READ_COUNTERS:
        counters = table_versions(ALERT_KEY_MODELS)
    if counters is None:
        return _summary(open_alerts(user=user))
    slot = int(time.time()) // ALERT_CLOCK_SECONDS
    version = ".".join(str(counter) for counter in counters.values())
    # Not the "exercises:alerts:" keys, which held whole instances before this module.
    key = f"exercises:dashboard-alerts:{user.pk}:{slot}:{version}"
    found = _cache_get(key, unchanging=True)
    if found is None:
        found = _plans_summary(user=user, counters=counters)
        _cache_set(key, found, ALERT_CLOCK_SECONDS)
    return found


def _cache_get(key: str, *, unchanging: bool = False):
    """`unchanging`: a summary, tuples of plain values nobody changes, which the same bytes
    give back as the same object (`clinic.cache.get_unchanging`)."""
    try:
        return get_unchanging(key) if unchanging else cache.get(key)
    except Exception as exc:  # a cache that is down is a miss, never an error
        logger.warning("Cache unavailable: %s", exc)
        return None


def _cache_set(key: str, value, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception as exc:
        logger.warning("Cache unavailable: %s", exc)


# Per plan, texts the database computes from the ids and row versions of every row
# `plans_alerts` reads for it: the plan, its patient and version, its acknowledgements and its
# symptom reports since %s with their logs; its weekly rows; its logs dated on or after %s.
# A row's version is its `xmin` (the transaction that wrote it: new on every insert and update)
# and its `ctid` (where the version lies: new on every update, also within one transaction).
# A part with no rows is an empty text, so that rows moving between parts change the stamp.
# Constant SQL over the plan row, values as parameters.
_HEAD_SQL = """md5(concat_ws('|', "exercises_exerciseplan".xmin, "exercises_exerciseplan".ctid,
  (SELECT x.xmin || ':' || x.ctid FROM "patients_patient" x
   WHERE x.id = "exercises_exerciseplan".patient_id),
  (SELECT x.xmin || ':' || x.ctid FROM "exercises_planversion" x
   WHERE x.id = "exercises_exerciseplan".current_version_id),
  coalesce((SELECT string_agg(a.id || ':' || a.xmin || ':' || a.ctid, ',' ORDER BY a.id)
   FROM "exercises_alertacknowledgement" a WHERE a.plan_id = "exercises_exerciseplan".id), ''),
  coalesce((SELECT string_agg(r.id || ':' || r.xmin || ':' || r.ctid || ':'
                              || coalesce(l.xmin || ':' || l.ctid, ''), ',' ORDER BY r.id)
   FROM "exercises_symptomreport" r LEFT JOIN "exercises_sessionlog" l ON l.id = r.log_id
   WHERE r.plan_id = "exercises_exerciseplan".id AND r.created_at >= %s), '')))"""
_WEEKS_SQL = """(SELECT md5(string_agg(w.id || ':' || w.xmin || ':' || w.ctid, ',' ORDER BY w.id))
  FROM "exercises_planweek" w WHERE w.plan_id = "exercises_exerciseplan".id)"""
_LOGS_SQL = """(SELECT md5(string_agg(g.id || ':' || g.xmin || ':' || g.ctid, ',' ORDER BY g.id))
  FROM "exercises_sessionlog" g
  WHERE g.plan_id = "exercises_exerciseplan".id AND g.date >= %s)"""


def _stamps(*, since: dt.datetime, first_day: dt.date, weeks: bool, logs: bool) -> dict:
    """The stamps as `alert_plans` annotations: `alert_head` always, `alert_weeks` and
    `alert_logs` (the two that read many rows) where asked."""
    found = {"alert_head": RawSQL(_HEAD_SQL, [since])}  # noqa: S611  # nosec B611
    if weeks:
        found["alert_weeks"] = RawSQL(_WEEKS_SQL, [])  # noqa: S611  # nosec B611
    if logs:
        found["alert_logs"] = RawSQL(_LOGS_SQL, [first_day])  # noqa: S611  # nosec B611
    return found


def _short(stamp: str | None) -> int | None:
    """A stamp's first 64 bits: as good for telling a change, and kept for 450 plans in a
    third of the room (the kept state is read back on every miss)."""
    return None if stamp is None else int(stamp[:16], 16)


def _plans_summary(*, user, counters: dict[str, int]) -> tuple[tuple[AlertLine, ...], int]:
    """`_summary(open_alerts(user=user))`, working out again only the plans whose stamps
    (`_stamps`) or local date changed since the alerts kept for them. The weekly rows and the
    logs are stamped only when their tables' counters moved (or the logs' window did)."""
    key = f"exercises:dashboard-plan-alerts:{user.pk}"
    kept = _cache_get(key)
    now = timezone.now()
    since, first_day = alert_windows(now)
    weeks_at = counters[PlanWeek._meta.db_table]
    logs_at = (counters[SessionLog._meta.db_table], first_day)
    read_weeks = kept is None or kept["weeks_at"] != weeks_at
    read_logs = kept is None or kept["logs_at"] != logs_at
    stamps = _stamps(since=since, first_day=first_day, weeks=read_weeks, logs=read_logs)
    if kept is None:  # nothing kept: every plan is worked out, read with its stamps
        plans = list(alert_plans(user=user).annotate(**stamps))
        rows = [
            (plan.pk, plan.patient.time_zone, *(getattr(plan, field) for field in stamps))
            for plan in plans
        ]
    else:
        zone = Subquery(Patient.objects.filter(pk=OuterRef("patient_id")).values("time_zone"))
        rows = list(
            alert_plans(user=user)
            .prefetch_related(None)
            .annotate(alert_zone=zone, **stamps)
            .values_list("pk", "alert_zone", *stamps)
        )
    before = kept["plans"] if kept is not None else {}
    plans_now: dict[int, tuple] = {}
    stale = []
    for plan_id, zone_name, *values in rows:
        found = dict(zip(stamps, values, strict=True))
        head = (_short(found["alert_head"]), now.astimezone(ZoneInfo(zone_name)).toordinal())
        old = before.get(plan_id)
        weeks = _short(found["alert_weeks"]) if read_weeks else old[1] if old else None
        logs = _short(found["alert_logs"]) if read_logs else old[2] if old else None
        if old is None or old[:3] != (head, weeks, logs):
            stale.append(plan_id)
        plans_now[plan_id] = (head, weeks, logs, old[3] if old else ())
    if stale:
        if kept is not None:
            plans = list(alert_plans(user=user, plan_ids=stale))
        lines: dict[int, list] = {plan_id: [] for plan_id in stale}
        for item in plans_alerts(plans):
            lines[item.plan.pk].append((alert_order(item), _line(item)))
        for plan_id in stale:
            plans_now[plan_id] = (*plans_now[plan_id][:3], tuple(lines[plan_id]))
    _cache_set(
        key,
        {"weeks_at": weeks_at, "logs_at": logs_at, "plans": plans_now},
        PLAN_ALERTS_SECONDS,
    )
    # Each plan's alerts in the order `plans_alerts` gave them, the plans in `alert_plans`'
    # order: sorting again by the same key gives `open_alerts`' order.
    merged = sorted(
        (entry for kept_plan in plans_now.values() for entry in kept_plan[3]),
        key=lambda entry: entry[0],
    )
    return tuple(line for _, line in merged[:DASHBOARD_ALERT_LIMIT]), len(merged)


def alert_html(**fields) -> SafeString:
    """One open alert: why it fired, the logs behind it and the way to acknowledge it (the
    dashboard's rows and the plan page's `exercises/includes/alert.html`), from the fields
    `_alert_html` takes. Every value is escaped as `{{ }}` would escape it."""
    return mark_safe(  # noqa: S308  # nosec B308 B703 (every value escaped)
        _alert_html(_AlertUrls(), **fields)
    )


class _AlertUrls:
    """The three links of an alert, as `uuid_url` makes them, with the script prefix read once
    for a whole list (escaped: a UUID's text needs no escaping, so escaping the parts around it
    once is escaping the whole link)."""

    def __init__(self):
        self.plan = tuple(escape(part) for part in uuid_url_parts("exercises:plan_detail"))
        self.logs = tuple(escape(part) for part in uuid_url_parts("exercises:patient_logs"))
        self.acknowledge = tuple(
            escape(part) for part in uuid_url_parts("exercises:alert_acknowledge")
        )


#: A UUID's text as `str(UUID)` writes it.
_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid_text(value) -> str:
    """A public id's text as `uuid_url` puts it in a link (ValueError when it is not a UUID):
    text already written as `str(UUID)` writes it (`AlertLine`'s) as it is."""
    if type(value) is str and _UUID_TEXT.fullmatch(value):
        return value
    return str(value if isinstance(value, UUID) else UUID(str(value)))


def _alert_html(
    urls: _AlertUrls,
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
) -> str:
    # One f-string for the alert, the plan's id turned into text once for its two links.
    patient = escape(patient_name)
    plan_id = _uuid_text(plan_public_id)
    shown = (
        f'<a href="{urls.plan[0]}{plan_id}{urls.plan[1]}">{patient}</a>:' if show_patient else ""
    )
    badge = (
        f'<span class="badge text-bg-{"danger" if kind in _DANGER_KINDS else "warning"}">'
        f"{escape(label)}</span>"
        if label
        else ""
    )
    logs = (
        '\n  <a class="btn btn-sm btn-outline-primary alert-logs" href="'
        f"{urls.logs[0]}{_uuid_text(patient_public_id)}{urls.logs[1]}"
        f"?date_from={logs_from.isoformat()}&amp;date_to={logs_to.isoformat() if logs_to else ''}"
        f'">See the logs<span class="visually-hidden"> behind this alert for {patient}</span></a>'
        "\n  "
        if logs_from
        else ""
    )
    back_part = f"&amp;back={escape(back)}" if back else ""
    said = escape(str(label or "this").lower())
    reason = escape(message)
    if "\u2192" in reason:
        # The pain-up reason's arrow ("3 \u2192 5/10") as its reference: the same text in the
        # browser, and the page stays ASCII (one character past U+00FF makes every string
        # that takes in the row two bytes a character, and the response's encoding slow).
        reason = reason.replace("\u2192", "&rarr;")
    return (
        f'<div class="flex-grow-1 exercise-alert">\n  {shown}\n  {badge}\n'
        f'  <span class="alert-reason">{reason}</span>\n</div>\n'
        f'<div class="d-flex flex-wrap gap-2 align-items-start">\n  {logs}\n'
        '  <a class="btn btn-sm btn-outline-secondary alert-acknowledge" href="'
        f"{urls.acknowledge[0]}{plan_id}{urls.acknowledge[1]}"
        f"?kind={escape(kind)}&amp;period={period.isoformat()}{back_part}"
        f'">Acknowledge<span class="visually-hidden"> {said} alert for {patient}</span></a>\n'
        "</div>"
    )


def alert_rows_html(lines: tuple[AlertLine, ...]) -> SafeString:
    """The dashboard's list items, one per alert, in one step. The same summary is read back
    from the cache on every view of a therapist's dashboard until a table the alerts come from
    changes or the quarter hour turns, so its markup is kept per process, by the lines' values
    and the script prefix its links start with (comparing 25 lines costs a small part of
    drawing them)."""
    return _rows_drawn(tuple(lines), get_script_prefix())


@functools.lru_cache(maxsize=256)
def _rows_drawn(lines: tuple[AlertLine, ...], prefix: str) -> SafeString:
    urls = _AlertUrls()
    return mark_safe(  # noqa: S308  # nosec B308 B703 (_alert_html escapes every value)
        "".join(
            '\n        <li class="list-group-item d-flex flex-wrap justify-content-between'
            ' align-items-center gap-2">\n          \n'
            + _alert_html(
                urls,
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


@receiver(setting_changed)
def _forget_rows(*, setting, **kwargs):
    """Tests that swap the URLconf change the links the kept rows hold."""
    if setting == "ROOT_URLCONF":
        _rows_drawn.cache_clear()
