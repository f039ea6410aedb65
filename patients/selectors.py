"""Reads of patient data, always scoped by who is asking.

Views never fetch a patient by id themselves: they call these, which raise 404 for anything
the user may not see (another patient's record, or a patient record for a portal user).
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from clinic.access import STAFF, has_role
from patients.models import Episode, Patient, PatientQuerySet


def patients_for_user(*, user) -> PatientQuerySet:
    """Patients the user may see: every patient for clinic staff, only their own for a patient."""
    if has_role(user, STAFF):
        return Patient.objects.all()
    if user.is_authenticated:
        return Patient.objects.filter(user=user)
    return Patient.objects.none()


def patient_for_user(*, user, public_id: UUID | str) -> Patient:
    try:
        return patients_for_user(user=user).get(public_id=public_id)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient") from None


def patient_of_portal_user(*, user) -> Patient:
    """The patient record linked to a portal login; 404 when there is none."""
    if not user.is_authenticated:
        raise Http404("No patient record for this account")
    patient = Patient.objects.filter(user=user, archived_at__isnull=True).first()
    if patient is None:
        raise Http404("No patient record for this account")
    return patient


def episode_for_user(*, user, public_id: UUID | str) -> Episode:
    patients = patients_for_user(user=user)
    try:
        return Episode.objects.select_related("patient").get(
            public_id=public_id, patient__in=patients
        )
    except (Episode.DoesNotExist, ValueError, TypeError):
        raise Http404("No such episode") from None
