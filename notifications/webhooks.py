"""The SMS provider's webhooks: delivery reports and texts sent to the clinic's number.

No session and no CSRF token: the provider's request signature (X-Twilio-Signature, an HMAC of
the public URL and the form fields with the account's auth token) is the only authority.
Anything unsigned or wrongly signed is refused with 403 and logged.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from notifications.inbound import sms_inbound_handle
from notifications.keywords import reply_intent
from notifications.sms import mask_number
from notifications.sms_log import sms_status_update

logger = logging.getLogger(__name__)


def _signed_by_provider(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    # The URL as the provider called it, which is what it signed (not what a proxy passed on).
    url = settings.TWILIO_WEBHOOK_BASE_URL + request.get_full_path()
    if token and signature and RequestValidator(token).validate(url, request.POST, signature):
        return True
    logger.warning(
        "Refused an SMS webhook to %s with %s signature",
        request.path,
        "a wrong" if signature else "no",
    )
    return False


def _twiml(text: str = "") -> HttpResponse:
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return HttpResponse(str(reply), content_type="text/xml")


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    """A delivery report for one message we sent."""
    if not _signed_by_provider(request):
        return HttpResponseForbidden("Bad signature")
    data = request.POST
    sms_status_update(
        provider_id=data.get("MessageSid", ""),
        status=data.get("MessageStatus", ""),
        reference=request.GET.get("delivery", ""),
        to=data.get("To", ""),
        error_code=data.get("ErrorCode", ""),
        error_message=data.get("ErrorMessage", ""),
    )
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """A text sent to the clinic's number: STOP and START are acted on at once and answered
    with one text; everything else is kept for reception."""
    if not _signed_by_provider(request):
        return HttpResponseForbidden("Bad signature")
    data = request.POST
    body = data.get("Body", "")
    intent = reply_intent(body)
    answer = sms_inbound_handle(
        provider_id=data.get("MessageSid", ""),
        from_number=data.get("From", ""),
        body=body,
        intent=intent,
    )
    logger.info(
        "Text from %s: %s", mask_number(data.get("From", "")), intent or "kept for reception"
    )
    return _twiml(answer)
