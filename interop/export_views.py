"""The manager's FHIR download of one patient's record, offered beside the privacy export."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_POST

from clinic.access import MANAGER, role_required
from clinic.replica import replica_reads
from interop import exports
from patients.selectors import patient_for_user


@role_required(MANAGER)
@require_POST
@replica_reads
def patient_bundle(request, public_id):
    patient = patient_for_user(user=request.user, public_id=public_id)
    document = exports.patient_bundle(patient=patient, user=request.user)
    response = HttpResponse(document, content_type="application/fhir+json")
    response["Content-Disposition"] = (
        f'attachment; filename="patient-{patient.public_id}.fhir.json"'
    )
    return response
