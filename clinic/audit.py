"""The audit trail: who did what with which patient's data, when, from where.

Three sources write `AuditEvent`s:

* views: selectors call `note_patient()` when they hand out a patient's data; at the end of
  the request the middleware records one "view" (GET) or "update" (POST) event: about the
  patient, or naming every patient shown when there were several (`patients_shown`; read
  per patient with `AuditEvent.objects.concerning()` and `AuditEvent.shown()`);
* model changes: every save of a model that leads to a patient (found by following foreign
  keys, so new models are covered without code here) records "create" or "update";
* explicit actions such as exports and erasure call `record()` directly.

The request's user, IP address and request id travel in a context variable, so model signals
know who made a change even though they never see the request.
"""

from __future__ import annotations

import contextvars
import json
import logging
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models
from django.db.models.signals import post_save
from django.utils import timezone

from clinic import client_address, rows

logger = logging.getLogger(__name__)

#: Apps whose models hold patient data; their saves are audited.
AUDITED_APPS = (
    "patients",
    "assessments",
    "exercises",
    "bookings",
    "notifications",
    "portal",
    "treatment",
    "rehab",
)
_SEARCH_DEPTH = 3


@dataclass
class RequestContext:
    user_id: int | None = None
    actor_label: str = ""
    ip_address: str | None = None
    request_id: str = ""
    path: str = ""
    method: str = ""
    patients: dict[int, str] = field(default_factory=dict)  # patient id -> object noted


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request_context", default=None
)


def begin(request) -> contextvars.Token:
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    context = RequestContext(
        user_id=user.pk if authenticated else None,
        actor_label=user.email if authenticated else "",
        ip_address=client_ip(request),
        request_id=request_id_for(request),
        path=request.path[:500],
        method=request.method,
    )
    request.request_id = context.request_id
    return _current.set(context)


def end(token: contextvars.Token) -> None:
    _current.reset(token)


def current() -> RequestContext | None:
    return _current.get()


def request_id_for(request) -> str:
    incoming = request.headers.get("X-Request-ID", "")
    if incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum():
        return incoming
    return uuid.uuid4().hex


def client_ip(request) -> str | None:
    # The same address login lockout counts, read through any trusted proxies.
    return client_address.client_ip(request)


def note_patient(patient, obj=None) -> None:
    """A selector handed out data belonging to `patient` during this request."""
    context = _current.get()
    if context is None or patient is None:
        return
    label = _object_label(obj) if obj is not None else _object_label(patient)
    context.patients.setdefault(patient.pk, label)


def note_patient_id(patient_id: int, model, public_id) -> None:
    """`note_patient` for a row read as values, not as instances: the patient's key, the
    row's model and its public id."""
    context = _current.get()
    if context is not None and patient_id is not None:
        context.patients.setdefault(patient_id, f"{model._meta.label_lower}:{public_id}")


def note_patient_ids(rows, model) -> None:
    """`note_patient_id` for many rows of one model, each a (patient key, public id) pair: the
    first row per patient is kept, as there. The model's label is worked out once rather than
    once a row (a calendar's week notes some fifty patients, and `label_lower` formats it
    afresh on every read)."""
    context = _current.get()
    if context is None:
        return
    prefix = f"{model._meta.label_lower}:"
    noted = context.patients
    for patient_id, public_id in rows:
        if patient_id is not None and patient_id not in noted:
            noted[patient_id] = f"{prefix}{public_id}"


def record(
    action: str,
    *,
    obj=None,
    patient=None,
    detail: dict | None = None,
    user=None,
) -> None:
    """Write one audit event now, taking who/where from the current request if any."""
    from clinic.models import AuditEvent

    context = _current.get() or RequestContext()
    if user is not None and getattr(user, "is_authenticated", False):
        user_id, label = user.pk, user.email
    else:
        user_id, label = context.user_id, context.actor_label
    AuditEvent.objects.create(
        actor_id=user_id,
        actor_label=label,
        action=action,
        object_type=_object_label(obj).split(":")[0] if obj is not None else "",
        object_id=_object_id(obj) if obj is not None else "",
        patient=patient,
        path=context.path,
        method=context.method,
        ip_address=context.ip_address,
        request_id=context.request_id,
        detail=detail or {},
    )


def flush_request(response_status: int) -> None:
    """Record the patients whose data this request handed out: one event for one patient (with
    `patient` set), and one event naming them all (`patients_shown`) for several, which spares
    the server a row and five index entries per patient on a week's calendar (about fifty)."""
    from clinic.models import AuditEvent

    context = _current.get()
    if context is None or not context.patients or context.user_id is None:
        return
    action = AuditEvent.Action.VIEW if context.method in ("GET", "HEAD") else "update"
    labels = context.patients
    if len(labels) == 1:
        ((patient_id, label),) = labels.items()
        shown = {}
    else:
        patient_id, label = None, _common_type(labels.values())
        shown = {str(pk): text for pk, text in labels.items()}
    if connection.vendor == "postgresql":
        _insert_postgresql(context, action, response_status, patient_id, label, shown)
    else:
        AuditEvent.objects.create(
            actor_id=context.user_id,
            actor_label=context.actor_label,
            action=action,
            object_type=label.split(":")[0],
            object_id=label.split(":")[1] if ":" in label else "",
            patient_id=patient_id,
            path=context.path,
            method=context.method,
            ip_address=context.ip_address,
            request_id=context.request_id,
            detail={"status": response_status},
            patients_shown=shown,
        )
    labels.clear()


def _common_type(labels) -> str:
    """The object type several labels share ("bookings.appointment"), or "" when they differ."""
    types = {label.split(":")[0] for label in labels}
    return types.pop() if len(types) == 1 else ""


#: The request's event, written by hand (`_insert_postgresql`). Each connection prepares it once,
#: as clinic/rows.py does its reads, so the server no longer parses and plans it on every page
#: that shows a patient (0.17 ms of server CPU a row, 0.12 prepared); with PgBouncer in
#: transaction mode it runs as plain SQL (`PREPARED_STATEMENTS` off). Values of unknown type
#: take the column's, as quoted literals do.
_EVENT_INSERT = rows.written_statement(
    """
    INSERT INTO clinic_auditevent
        (at, actor_id, actor_label, action, object_type, object_id, patient_id,
         path, method, ip_address, request_id, detail, patients_shown)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    """,
    ("timestamptz", "bigint", *("unknown",) * 4, "bigint", *("unknown",) * 6),
)


def _insert_postgresql(context: RequestContext, action: str, status: int, patient_id, label, shown):
    """The event as `create()` would write it, without building a model instance: every page
    that shows a patient writes one."""
    rows.run_written(
        connection.alias,
        _EVENT_INSERT,
        [
            timezone.now(),
            context.user_id,
            context.actor_label,
            action,
            label.split(":")[0],
            label.split(":")[1] if ":" in label else "",
            patient_id,
            context.path,
            context.method,
            context.ip_address,
            context.request_id,
            json.dumps({"status": status}),
            json.dumps(shown),
        ],
    )


def _object_id(obj) -> str:
    return str(getattr(obj, "public_id", None) or getattr(obj, "pk", ""))


def _object_label(obj) -> str:
    return f"{obj._meta.label_lower}:{_object_id(obj)}"


def patient_of(instance, depth: int = _SEARCH_DEPTH):
    """Follow foreign keys from `instance` until a Patient is found (or give up)."""
    patient_model = apps.get_model("patients", "Patient")
    if isinstance(instance, patient_model):
        return instance
    if depth == 0:
        return None
    for field_ in instance._meta.concrete_fields:
        if not isinstance(field_, models.ForeignKey) or field_.name in ("history_user",):
            continue
        if getattr(instance, field_.attname) is None:
            continue
        related_model = field_.related_model
        if related_model is patient_model or _leads_to_patient(related_model, depth - 1):
            found = patient_of(getattr(instance, field_.name), depth - 1)
            if found is not None:
                return found
    return None


def _leads_to_patient(model, depth: int) -> bool:
    patient_model = apps.get_model("patients", "Patient")
    if model is patient_model:
        return True
    if depth == 0:
        return False
    return any(
        isinstance(f, models.ForeignKey) and _leads_to_patient(f.related_model, depth - 1)
        for f in model._meta.concrete_fields
        if f.name != "history_user"
    )


def _on_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return  # fixtures and data migrations
    patient = patient_of(instance)
    if patient is None or patient.pk is None:
        return
    record("create" if created else "update", obj=instance, patient=patient)


def connect_signals() -> None:
    for model in apps.get_models():
        if model._meta.app_label not in AUDITED_APPS:
            continue
        if model.__name__.startswith("Historical"):
            continue  # simple-history's copies: the original save is already audited
        if not _leads_to_patient(model, _SEARCH_DEPTH):
            continue
        post_save.connect(_on_save, sender=model, dispatch_uid=f"audit-{model._meta.label}")
