"""The manager's search over the audit trail."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clinic.access import MANAGER, role_required
from clinic.forms import PlausibleDateField
from clinic.models import AuditEvent
from clinic.replica import replica_reads


class AuditSearchForm(forms.Form):
    patient = forms.CharField(
        required=False, label="Patient", help_text="Name, email or the patient's reference."
    )
    user = forms.CharField(required=False, label="User", help_text="Part of the email address.")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditEvent.Action.choices]
    )
    date_from = PlausibleDateField(required=False, label="From")
    date_to = PlausibleDateField(required=False, label="To")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data


def audit_events_matching(*, patient: str, user: str, action: str, date_from, date_to):
    events = AuditEvent.objects.select_related("patient")
    if patient:
        # Their own events and the requests that showed them among others (a calendar). The
        # patient model is the event's (clinic imports no app above it).
        patients = AuditEvent._meta.get_field("patient").related_model
        matching = patients.objects.filter(
            Q(last_name__icontains=patient)
            | Q(first_name__icontains=patient)
            | Q(email__icontains=patient)
            | Q(public_id__iexact=patient)
        ).values_list("id", flat=True)
        events = events.concerning(matching)
    if user:
        events = events.filter(actor_label__icontains=user)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events


@role_required(MANAGER)
@require_GET
@replica_reads
def audit_search(request):
    form = AuditSearchForm(request.GET or None)
    events = AuditEvent.objects.none()
    if form.is_valid():
        events = audit_events_matching(**form.cleaned_data)
    elif not request.GET:
        events = AuditEvent.objects.select_related("patient")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinic/audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
