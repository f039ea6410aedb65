"""Staff pages: one patient's reminders and deliveries, and every failed delivery.

The patient's own reminder pages are in portal/pages/reminders.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clinic.access import CLINICAL, STAFF, role_required
from notifications import selectors
from notifications.consent import consent_record
from notifications.conversation import segments, sms_reception_reply
from notifications.forms import SmsConsentForm, SmsReplyForm
from notifications.inbound import sms_inbound_done, sms_text_read
from notifications.models import ReminderSchedule, SmsReply
from patients.selectors import patient_for_user

PAGE_SIZE = 25


def _patient_log(request, patient, consent_form: SmsConsentForm, status: int = 200):
    schedules = selectors.schedules_for_patient(patient=patient)
    labels = selectors.schedule_labels(schedules)
    deliveries = selectors.deliveries_for_patient(patient=patient, with_texts=True)
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    for delivery in page:
        delivery.label = labels.get(delivery.schedule_id, "")
    return render(
        request,
        "notifications/patient_log.html",
        {
            "patient": patient,
            "schedules": [(schedule, labels[schedule.pk]) for schedule in schedules],
            "page": page,
            "consents": selectors.sms_consent_history(patient=patient),
            "consent_form": consent_form,
        },
        status=status,
    )


@role_required(*STAFF)
@require_GET
def patient_log(request, public_id):
    patient = patient_for_user(user=request.user, public_id=public_id)
    return _patient_log(request, patient, SmsConsentForm())


@role_required(*STAFF)
@require_POST
def sms_consent(request, public_id):
    """Reception records that the patient agreed to texts, or no longer wants them."""
    patient = patient_for_user(user=request.user, public_id=public_id)
    form = SmsConsentForm(request.POST)
    if not form.is_valid():
        return _patient_log(request, patient, form, status=400)
    consent_record(
        patient=patient,
        channel=ReminderSchedule.Channel.SMS,
        given=form.cleaned_data["given"],
        how=form.cleaned_data["how"],
        by=request.user,
    )
    messages.success(request, "Text message consent recorded.")
    return redirect("notifications:patient_log", public_id=patient.public_id)


@role_required(*STAFF)
@require_GET
def failed_list(request):
    page = Paginator(selectors.deliveries_failed(), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = selectors.schedule_labels([delivery.schedule for delivery in page])
    for delivery in page:
        delivery.label = labels.get(delivery.schedule_id, "")
    return render(request, "notifications/failed_list.html", {"page": page})


def _reply_form(text, data=None) -> SmsReplyForm:
    """One form per text on the page, each with its own field ids."""
    return SmsReplyForm(data, auto_id=f"reply-{text.public_id}-%s")


def _sms_inbox(request, *, failed=None, form=None, status: int = 200):
    page = Paginator(selectors.sms_inbox(), PAGE_SIZE).get_page(request.GET.get("page"))
    for text in page:
        text.reply_form = form if failed is not None and text.pk == failed.pk else _reply_form(text)
        for reply in text.replies.all():
            reply.parts = segments(reply.body)
    return render(request, "notifications/sms_inbox.html", {"page": page}, status=status)


@role_required(*STAFF)
@require_GET
def sms_inbox(request):
    return _sms_inbox(request)


@role_required(*STAFF)
@require_POST
def sms_inbox_reply(request, public_id):
    """Reception texts the patient back from the queue (consent respected: see the service)."""
    text = selectors.sms_inbox_item(public_id=public_id)
    if text.patient is None:
        messages.error(request, "No single patient has this number: ring them instead.")
        return redirect("notifications:sms_inbox")
    form = _reply_form(text, request.POST)
    if not form.is_valid():
        return _sms_inbox(request, failed=text, form=form, status=400)
    body = form.cleaned_data["body"]
    reply = sms_reception_reply(inbound=text, body=body, by=request.user)
    if reply.status == SmsReply.Status.REFUSED:
        messages.warning(request, reply.reason)
    else:
        parts = segments(body)
        messages.success(
            request,
            f"Your reply to {text.patient} is on its way "
            f"({parts} text part{'s' if parts > 1 else ''}).",
        )
    return redirect("notifications:sms_inbox")


@role_required(*CLINICAL)
@require_POST
def sms_text_mark_read(request, public_id):
    """A clinician has read a patient's text (on the dashboard or the patient page)."""
    text = selectors.text_for_clinician(user=request.user, public_id=public_id)
    sms_text_read(inbound=text, by=request.user)
    messages.success(request, f"{text.patient}'s text is marked as read.")
    if request.POST.get("back") == "patient":
        return redirect("patients:detail", public_id=text.patient.public_id)
    return redirect("clinic:dashboard")


@role_required(*STAFF)
@require_POST
def sms_inbox_done(request, public_id):
    sms_inbound_done(inbound=selectors.sms_inbox_item(public_id=public_id), by=request.user)
    messages.success(request, "Marked as dealt with.")
    return redirect("notifications:sms_inbox")
