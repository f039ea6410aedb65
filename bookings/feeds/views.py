"""The therapist's "My calendar feed" page, its two buttons, and the feed itself.

The feed URL needs no sign-in (calendar apps cannot sign in): the secret in it is the
authority, and a revoked or unknown secret answers 404.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_GET, require_POST

from bookings.feeds import selectors, services
from clinic.access import STAFF, role_required

#: The secret of a link just made, kept in the session until the page has shown it once.
JUST_MADE = "calendar_feed_just_made"


@require_GET
@role_required(*STAFF)
def feed_settings(request: HttpRequest):
    therapist = selectors.feed_owner(user=request.user)
    token = request.session.pop(JUST_MADE, None)
    feed = selectors.calendar_feed_live(therapist=therapist)
    context = {"feed": feed}
    if token and feed is not None:
        url = selectors.feed_url(token)
        context |= {"feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}
    return render(request, "bookings/feeds/settings.html", context)


@require_POST
@role_required(*STAFF)
def feed_create(request: HttpRequest):
    therapist = selectors.feed_owner(user=request.user)
    replaced = selectors.calendar_feed_live(therapist=therapist) is not None
    request.session[JUST_MADE] = services.calendar_feed_create(therapist=therapist)
    messages.success(
        request,
        "Your new calendar link is ready. The old one has stopped working."
        if replaced
        else "Your calendar link is ready.",
    )
    return redirect("bookings:feed_settings")


@require_POST
@role_required(*STAFF)
def feed_revoke(request: HttpRequest):
    therapist = selectors.feed_owner(user=request.user)
    feed = selectors.calendar_feed_live(therapist=therapist)
    if feed is not None and services.calendar_feed_revoke(feed=feed, by=therapist):
        messages.success(request, "Your calendar link has been turned off.")
    else:
        messages.info(request, "You had no calendar link to turn off.")
    request.session.pop(JUST_MADE, None)
    return redirect("bookings:feed_settings")


@require_GET
def feed(request: HttpRequest, token: str):
    """The iCalendar feed. Queries: the feed by its hash, the appointments, the audit line."""
    found = selectors.calendar_feed_by_token(token=token)
    if not services.calendar_feed_fetch_allowed(feed=found):
        response = HttpResponse("Too many requests for this calendar feed.", status=429)
        response["Retry-After"] = "3600"
        return response
    document = selectors.calendar_feed_document(feed=found)
    response = HttpResponse(document.body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="apex-clinic.ics"'
    # The ETag is the body's own hash, so it changes with anything the feed shows; the
    # Last-Modified date is for calendar apps that only send If-Modified-Since.
    response["ETag"] = quote_etag(hashlib.sha256(document.body).hexdigest()[:40])
    response["Last-Modified"] = http_date(document.last_modified)
    response["X-Robots-Tag"] = "noindex"
    # Private: the URL is a secret, so no shared cache may keep the answer.
    patch_cache_control(response, private=True, max_age=300)
    response = get_conditional_response(
        request, etag=response["ETag"], last_modified=document.last_modified, response=response
    )
    services.calendar_feed_fetched(feed=found, status=response.status_code, events=document.events)
    return response
