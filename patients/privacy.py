"""Subject-access export and erasure of a patient's personal identifiers.

The export walks every model that points at the patient (directly or through another
model that does, a few levels deep), so a model added later is exported without a change
here. Erasure replaces the identifiers (name, contact details, exact birth date, the portal
login) and keeps the clinical record the clinic must retain; see the README.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from clinic import audit
from clinic.plugins import plugin_modules

_DEPTH = 4
#: Field names that hold contact details wherever they appear next to a patient.
_CONTACT_FIELDS = {"email", "recipient", "phone", "to_address", "mobile"}
#: Never exported: secrets that are not data about the patient.
_SECRET_FIELDS = {"password", "token", "key", "secret"}


def _rows(model, queryset) -> list[dict]:
    rows = []
    for obj in queryset:
        row = {
            field.name: getattr(obj, field.attname)
            for field in model._meta.concrete_fields
            if field.name not in _SECRET_FIELDS
        }
        rows.append(row)
    return rows


def _audit_rows(model, events, ids: list) -> list[dict]:
    """The audit events about these patients, one row per patient as the trail used to write
    them: an event of a request that showed several patients says what it showed of these
    ones, never who else was on the page."""
    rows = []
    for event in events:
        for patient_id, object_type, object_id in event.shown():
            if patient_id in ids:
                (row,) = _rows(model, [event])
                del row["patients_shown"]
                row.update(patient=patient_id, object_type=object_type, object_id=object_id)
                rows.append(row)
    return rows


def _related(model) -> list[models.ForeignObjectRel]:
    return [
        rel
        for rel in model._meta.related_objects
        if rel.field.model._meta.app_label not in ("admin", "contenttypes", "auth")
    ]


def _history(model, ids: list, out: dict) -> None:
    """Earlier versions kept by django-simple-history are data about the patient too."""
    manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
    if not manager_name:
        return
    historical = getattr(model, manager_name).model
    rows = _rows(historical, historical.objects.filter(id__in=ids).order_by("history_date"))
    if rows:
        out.setdefault(historical._meta.label, []).extend(rows)


def _walk(model, ids: list, depth: int, seen: set, out: dict) -> None:
    if depth == 0 or not ids:
        return
    _history(model, ids, out)
    for rel in _related(model):
        child = rel.related_model
        label = child._meta.label
        queryset = child._default_manager.filter(**{f"{rel.field.name}__in": ids})
        if label == "clinic.AuditEvent":
            queryset = child._default_manager.concerning(ids).order_by("at", "id")
        new = [obj for obj in queryset if (label, obj.pk) not in seen]
        if not new:
            continue
        seen.update((label, obj.pk) for obj in new)
        if label == "clinic.AuditEvent":
            out.setdefault(label, []).extend(_audit_rows(child, new, ids))
        else:
            out.setdefault(label, []).extend(_rows(child, new))
        _walk(child, [obj.pk for obj in new], depth - 1, seen, out)


def patient_export(*, patient, user) -> str:
    """Everything held about the patient, as a JSON document. Records an export event."""
    data: dict = {"exported_at": timezone.now(), "patient": model_to_dict(patient)}
    data["patient"]["public_id"] = patient.public_id
    if patient.user_id:
        account = patient.user
        data["portal_account"] = {
            "email": account.email,
            "date_joined": account.date_joined,
            "last_login": account.last_login,
            "is_active": account.is_active,
        }
    related: dict = {}
    seen: set = set()
    _walk(type(patient), [patient.pk], _DEPTH, seen, related)
    # Rows no foreign key ties to the record (a request sent before it existed): each app's
    # `personal_data.records` finds its own by the person's details.
    for module in plugin_modules("personal_data"):
        for label, queryset in module.records(patient=patient).items():
            model = queryset.model
            new = [obj for obj in queryset if (label, obj.pk) not in seen]
            seen.update((label, obj.pk) for obj in new)
            if new:
                related.setdefault(label, []).extend(_rows(model, new))
                _history(model, [obj.pk for obj in new], related)
    data["records"] = related
    audit.record("export", obj=patient, patient=patient, user=user)
    return json.dumps(data, cls=_Encoder, indent=2, sort_keys=True)


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)  # phone numbers, files and other value objects


@transaction.atomic
def patient_erase(*, patient, user, reason: str) -> None:
    """Anonymise the patient's identifiers; keep the clinical record. Cannot be undone."""
    # First, while the details still match: rows each app found by them (`personal_data`).
    for module in plugin_modules("personal_data"):
        module.erase(patient=patient)
    birth_year = patient.date_of_birth.year
    patient.first_name = "Erased"
    patient.last_name = str(patient.public_id)[:8]
    patient.email = ""
    patient.phone = ""
    patient.goal_event = ""
    patient.date_of_birth = dt.date(birth_year, 1, 1)  # the age band stays clinically usable
    patient.email_reminders_consent = False
    patient.archived_at = patient.archived_at or timezone.now()
    patient.save()
    if patient.user_id:
        account = patient.user
        account.email = f"erased-{uuid.uuid4().hex}@invalid.example"
        account.first_name = account.last_name = ""
        account.is_active = False
        account.set_unusable_password()
        account.save()
    _scrub_history(patient)
    _scrub_contact_fields(type(patient), [patient.pk], _DEPTH, set())
    audit.record("erase", obj=patient, patient=patient, user=user, detail={"reason": reason})
    patient.refresh_from_db()


def _scrub_history(patient) -> None:
    history = getattr(patient, "history", None)
    if history is None:
        return
    history.all().update(
        first_name="Erased",
        last_name=str(patient.public_id)[:8],
        email="",
        phone="",
        goal_event="",
        date_of_birth=patient.date_of_birth,
    )


def _scrub_contact_fields(model, ids: list, depth: int, seen: set) -> None:
    if depth == 0 or not ids:
        return
    for rel in _related(model):
        child = rel.related_model
        if child._meta.label == "clinic.AuditEvent":
            continue  # the trail records who did what, not contact details; it stays intact
        queryset = child._default_manager.filter(**{f"{rel.field.name}__in": ids})
        blank = {
            field.name: ""
            for field in child._meta.concrete_fields
            if field.name in _CONTACT_FIELDS and isinstance(field, models.CharField)
        }
        if blank:
            queryset.update(**blank)
        child_ids = [pk for pk in queryset.values_list("pk", flat=True) if (child, pk) not in seen]
        seen.update((child, pk) for pk in child_ids)
        _scrub_contact_fields(child, child_ids, depth - 1, seen)
