"""Every URL in the URLconf, opened as every kind of visitor.

ROUTES names each route (namespace:name), how to build its arguments from the `world` fixture
and who may use it. A route that appears in the URLconf without an entry here fails
`test_it_covers_every_url_pattern`, so a new page cannot ship without its access rule.

Access classes:
- public: anyone, signed in or not.
- account: any signed-in user (their own password and two-factor settings).
- patient: the patient portal; a patient's ids of someone else's records give 404.
- staff: reception, therapists and the manager.
- clinical: therapists and the manager; reception gets 403 or 404.
- manager: the manager alone.
- front_desk: reception and the manager (new patients' booking requests).

A signed-in patient gets 404 on every route they may not use: anything not theirs is a 404,
staff pages included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.conftest import INVITATION_TOKEN, World

pytestmark = pytest.mark.django_db

ROLES = (None, "patient", "reception", "therapist", "manager")
ALLOWED = {
    "public": set(ROLES),
    "account": {"patient", "reception", "therapist", "manager"},
    "patient": {"patient"},
    "staff": {"reception", "therapist", "manager"},
    "clinical": {"therapist", "manager"},
    "manager": {"manager"},
    "front_desk": {"reception", "manager"},
}
DENIED = {403, 404}
#: What an empty POST to a state-changing view may answer: the form again with its errors
#: (200, or 400 where the view says so), or a redirect with a message.
EMPTY_POST_OK = {200, 302, 400}

Kwargs = Callable[[World], dict]


@dataclass(frozen=True)
class Route:
    access: str
    kwargs: Kwargs = lambda w: {}
    #: Statuses an allowed role may get on GET (200), or on an empty POST for POST-only
    #: routes (EMPTY_POST_OK), unless given here.
    ok: frozenset[int] | None = None
    post_only: bool = False
    #: For patient routes: the same route built with patient B's records (A must get 404).
    other: Kwargs | None = None
    #: For token routes: arguments with a made-up token (anyone gets 404 or 400).
    bogus: Kwargs | None = None

    def expected(self) -> frozenset[int]:
        if self.ok is not None:
            return self.ok
        return frozenset(EMPTY_POST_OK if self.post_only else {200})


def ok(*codes: int) -> frozenset[int]:
    return frozenset(codes)


def plan(w: World) -> dict:
    return {"public_id": w.a.plan.public_id}


def plan_item(w: World) -> dict:
    return {"public_id": w.a.plan.public_id, "item_id": w.a.item.public_id}


def patient(w: World) -> dict:
    return {"public_id": w.a.patient.public_id}


def comment(w: World) -> dict:
    """Patient A's session log, given a comment (only a commented log can be read or answered)."""
    type(w.a.log).objects.filter(pk=w.a.log.pk).update(comment="Sore after the second set.")
    return {"public_id": w.a.log.public_id}


def referral(w: World) -> dict:
    """A red-flag referral of patient A (made on first use: the world holds none, so that no
    other page shows a referral it does not test)."""
    from assessments.models import AssessmentDecision
    from tests.exercises.factories import confirmed_decision

    decision = AssessmentDecision.objects.filter(
        episode=w.a.episode, clinician_final_dx="red_flag_referral"
    ).first() or confirmed_decision(
        episode=w.a.episode, therapist=w.therapist, final_dx="red_flag_referral"
    )
    return {"public_id": decision.public_id}


def waitlist_entry(side: str) -> Kwargs:
    """A waitlist entry of patient A or B, with an open offer of a slot (made on first use)."""

    def build(w: World) -> dict:
        return {"public_id": _waitlist_offer(w, side).entry.public_id}

    return build


def waitlist_offer(side: str) -> Kwargs:
    def build(w: World) -> dict:
        return {"token": _waitlist_offer(w, side).token}

    return build


def _waitlist_offer(w: World, side: str):
    import datetime as dt

    from django.utils import timezone

    from bookings.models import WaitlistEntry, WaitlistOffer
    from tests.bookings.factories import follow_up

    patient = getattr(w, side).patient
    offer = WaitlistOffer.objects.filter(patient=patient).first()
    if offer is not None:
        return offer
    now = timezone.now()
    entry = WaitlistEntry.objects.create(
        patient=patient,
        appointment_type=follow_up(),
        available_from=now.date(),
        waiting_since=now,
    )
    start = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=3)
    return WaitlistOffer.objects.create(
        entry=entry,
        patient=patient,
        therapist=w.therapist,
        slot_start=start,
        slot_end=start + dt.timedelta(minutes=30),
        start=start,
        end=start + dt.timedelta(minutes=30),
        expires_at=now + dt.timedelta(minutes=30),
    )


#: The secret of the therapist's calendar feed in the walk (the shape the site makes: 43
#: URL-safe characters).
CALENDAR_FEED_TOKEN = "security-walk-calendar-feed-token-000000000"


def calendar_feed(w: World) -> dict:
    """The therapist's live calendar feed (made on first use, written directly so that
    building the URL records no audit event)."""
    from bookings.feeds.selectors import feed_token_hash
    from bookings.models import CalendarFeed

    CalendarFeed.objects.get_or_create(
        token_hash=feed_token_hash(CALENDAR_FEED_TOKEN), defaults={"therapist": w.therapist}
    )
    return {"token": CALENDAR_FEED_TOKEN}


def _visit(w: World, hours_ago: int):
    """An attended visit of patient A `hours_ago` hours ago (made on first use)."""
    import datetime as dt

    from django.utils import timezone

    from bookings.models import Appointment
    from tests.bookings.factories import AppointmentFactory

    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(
        hours=hours_ago
    )
    return Appointment.objects.filter(patient=w.a.patient, start=start).first() or (
        AppointmentFactory(
            patient=w.a.patient,
            therapist=w.therapist,
            episode=w.a.episode,
            start=start,
            status="arrived",
        )
    )


def visit(w: World) -> dict:
    """Patient A's attended visit with no session note yet."""
    return {"appointment_id": _visit(w, 3).public_id}


def treatment_session(w: World, *, signed: bool = False) -> dict:
    """A draft session note of patient A (or a signed one, on another visit). Signed by
    writing the row, not through the service, so that building the URL records no audit
    event (tests/clinic/test_two_factor_walk.py checks that walking records none)."""
    from django.utils import timezone

    from treatment import selectors, services
    from treatment.models import TreatmentSession

    appointment = _visit(w, 30 if signed else 6)
    session, _ = services.session_open(appointment=appointment, by=w.therapist)
    if signed and not session.is_signed:
        TreatmentSession.objects.filter(pk=session.pk).update(
            status="signed",
            signed_at=timezone.now(),
            signed_by=w.therapist,
            since_last_time=selectors.since_last_time(user=w.therapist, session=session),
        )
    return {"public_id": session.public_id}


def discharge_summary(side) -> Kwargs:
    """A discharge summary (with GP letter consent) of an earlier, discharged episode of the
    side's patient, made on first use so that no other page shows one it does not test."""

    def kwargs(w: World) -> dict:
        from tests.rehab.factories import discharge_summary_for

        patient = getattr(w, side).patient
        return {"public_id": discharge_summary_for(patient=patient, user=w.therapist).public_id}

    return kwargs


def run_programme(w: World) -> dict:
    from tests.running.world import programme_of

    return {"public_id": programme_of(w.a, w.therapist).public_id}


def run_of(side: str) -> Kwargs:
    def kwargs(w: World) -> dict:
        from tests.running.world import run_of

        return {"public_id": run_of(getattr(w, side), w.therapist).public_id}

    return kwargs


def with_programme(w: World) -> dict:
    run_programme(w)
    return {}


def booking_request(w: World) -> dict:
    """A new patient's booking request (made on first use)."""
    from bookings.requests.models import BookingRequest

    found = BookingRequest.objects.first() or BookingRequest.objects.create(
        first_name="Noor",
        last_name="Hill",
        date_of_birth="1991-06-02",
        email="noor@runners.example",
        phone="+447911123456",
        reason="Sore hamstring after a long run.",
    )
    return {"public_id": found.public_id}


def urgent_screen(w: World) -> dict:
    """Someone the pre-screen sent to urgent help (made on first use)."""
    from bookings.requests.models import UrgentScreen

    found = UrgentScreen.objects.first() or UrgentScreen.objects.create(
        speed="same_day", symptoms=["hot_calf"], name="Sam Vale"
    )
    return {"public_id": found.public_id}


ROUTES: dict[str, Route] = {
    # --- Accounts and the site itself --------------------------------------------------
    "home": Route("public", ok=ok(302)),
    "healthz": Route("public", ok=ok(200, 503)),
    "login": Route("public", ok=ok(200, 302)),  # signed-in users are sent home
    "logout": Route("public", post_only=True, ok=ok(302)),
    "password_change": Route("account"),
    "password_change_done": Route("account"),
    "password_reset": Route("public"),
    "password_reset_done": Route("public"),
    "password_reset_confirm": Route(
        "public", kwargs=lambda w: {"uidb64": "MQ", "token": "made-up-token"}
    ),
    "password_reset_complete": Route("public"),
    "two_factor_setup": Route("account"),
    "two_factor_verify": Route("account"),
    "bench-hello": Route("public"),
    "bench-auth": Route("account"),
    # --- clinic -------------------------------------------------------------------------
    "clinic:dashboard": Route("clinical"),
    "clinic:audit": Route("manager"),
    "clinic:accessibility": Route("public"),
    "patients:privacy": Route("manager", kwargs=patient),
    "patients:privacy-export": Route("manager", kwargs=patient, post_only=True),
    # --- patients -----------------------------------------------------------------------
    "patients:list": Route("staff"),
    "patients:create": Route("staff"),
    "patients:detail": Route("staff", kwargs=patient),
    "patients:edit": Route("staff", kwargs=patient),
    "patients:archive": Route("staff", kwargs=patient, post_only=True),
    "patients:restore": Route("staff", kwargs=patient, post_only=True),
    "patients:episode_create": Route("clinical", kwargs=patient),
    "patients:episode_discharge": Route(
        "clinical", kwargs=lambda w: {"public_id": w.a.episode.public_id}
    ),
    # --- assessments --------------------------------------------------------------------
    "assessments:create": Route("clinical", kwargs=lambda w: {"episode_id": w.a.episode.public_id}),
    "assessments:detail": Route("clinical", kwargs=lambda w: {"public_id": w.final.public_id}),
    "assessments:edit": Route("clinical", kwargs=lambda w: {"public_id": w.draft.public_id}),
    "assessments:amend": Route(
        "clinical", kwargs=lambda w: {"public_id": w.final.public_id}, post_only=True
    ),
    "assessments:decide": Route(
        "clinical", kwargs=lambda w: {"public_id": w.final.public_id}, post_only=True
    ),
    "assessments:working": Route(
        "clinical", kwargs=lambda w: {"public_id": w.final.public_id}, post_only=True
    ),
    "assessments:trends": Route("clinical", kwargs=lambda w: {"episode_id": w.a.episode.public_id}),
    "assessments:referrals": Route("clinical"),
    "assessments:referral": Route("clinical", kwargs=referral),
    # --- exercises ----------------------------------------------------------------------
    "exercises:library": Route("clinical"),
    "exercises:exercise_create": Route("clinical"),
    "exercises:exercise_detail": Route(
        "clinical", kwargs=lambda w: {"public_id": w.exercise.public_id}
    ),
    "exercises:exercise_edit": Route(
        "clinical", kwargs=lambda w: {"public_id": w.exercise.public_id}
    ),
    "exercises:exercise_archive": Route(
        "clinical", kwargs=lambda w: {"public_id": w.exercise.public_id}, post_only=True
    ),
    "exercises:exercise_illustration": Route(
        "clinical", kwargs=lambda w: {"public_id": w.exercise.public_id}
    ),
    "exercises:exercise_video": Route(
        "clinical", kwargs=lambda w: {"public_id": w.exercise.public_id}
    ),
    "exercises:video_file": Route("clinical", kwargs=lambda w: {"public_id": w.video.public_id}),
    "exercises:video_poster": Route("clinical", kwargs=lambda w: {"public_id": w.video.public_id}),
    "exercises:video_captions": Route(
        "clinical", kwargs=lambda w: {"public_id": w.video.public_id}
    ),
    "exercises:episode_plans": Route(
        "clinical", kwargs=lambda w: {"episode_id": w.a.episode.public_id}
    ),
    "exercises:plan_create": Route(
        "clinical", kwargs=lambda w: {"episode_id": w.a.episode.public_id}, post_only=True
    ),
    "exercises:plan_detail": Route("clinical", kwargs=plan),
    "exercises:plan_print": Route("clinical", kwargs=plan),
    "exercises:plan_item_add": Route("clinical", kwargs=plan, post_only=True),
    "exercises:plan_doses": Route("clinical", kwargs=plan, post_only=True),
    "exercises:plan_item_move": Route("clinical", kwargs=plan_item, post_only=True),
    "exercises:plan_item_remove": Route("clinical", kwargs=plan_item, post_only=True),
    "exercises:plan_item_progress": Route("clinical", kwargs=plan_item, post_only=True),
    "exercises:plan_publish": Route("clinical", kwargs=plan, post_only=True),
    "exercises:plan_status": Route("clinical", kwargs=plan, post_only=True),
    "exercises:plan_dates": Route("clinical", kwargs=plan, post_only=True),
    "exercises:plan_resume": Route("clinical", kwargs=plan),
    "exercises:alert_acknowledge": Route("clinical", kwargs=plan),
    "exercises:patient_logs": Route(
        "clinical", kwargs=lambda w: {"patient_id": w.a.patient.public_id}
    ),
    "exercises:comments_inbox": Route("clinical"),
    "exercises:comment_mark_read": Route("clinical", kwargs=comment, post_only=True),
    "exercises:comment_reply": Route("clinical", kwargs=comment),
    # --- bookings -----------------------------------------------------------------------
    "bookings:home": Route("staff"),
    "bookings:week": Route("staff"),
    "bookings:find_slot": Route("staff"),
    "bookings:create": Route("staff"),
    "bookings:patient_create": Route("staff"),
    "bookings:schedule": Route("staff"),
    "bookings:hours_add": Route(
        "staff", kwargs=lambda w: {"therapist_id": w.therapist.public_id}, post_only=True
    ),
    "bookings:hours_remove": Route(
        "staff", kwargs=lambda w: {"public_id": w.hours.public_id}, post_only=True
    ),
    "bookings:exception_add": Route(
        "staff", kwargs=lambda w: {"therapist_id": w.therapist.public_id}, post_only=True
    ),
    "bookings:exception_remove": Route(
        "staff", kwargs=lambda w: {"public_id": w.leave.public_id}, post_only=True
    ),
    "bookings:detail": Route("staff", kwargs=lambda w: {"public_id": w.a.appointment.public_id}),
    "bookings:move": Route(
        "staff", kwargs=lambda w: {"public_id": w.a.appointment.public_id}, post_only=True
    ),
    "bookings:cancel": Route(
        "staff", kwargs=lambda w: {"public_id": w.a.appointment.public_id}, post_only=True
    ),
    "bookings:status": Route(
        "staff", kwargs=lambda w: {"public_id": w.a.appointment.public_id}, post_only=True
    ),
    "bookings:status_undo": Route(
        "staff", kwargs=lambda w: {"public_id": w.a.appointment.public_id}, post_only=True
    ),
    # A therapist's own calendar feed page (reception has none: 404), and the feed itself,
    # which phones fetch without signing in: its secret is the authority.
    "bookings:feed_settings": Route("clinical"),
    "bookings:feed_create": Route("clinical", post_only=True),
    "bookings:feed_revoke": Route("clinical", post_only=True),
    "bookings:feed": Route(
        "public", kwargs=calendar_feed, bogus=lambda w: {"token": "made-up-token"}
    ),
    "bookings:confirm": Route(
        "staff", kwargs=lambda w: {"public_id": w.a.appointment.public_id}, post_only=True
    ),
    "bookings:confirm_undo": Route(
        "staff", kwargs=lambda w: {"public_id": w.a.appointment.public_id}, post_only=True
    ),
    "bookings:waitlist": Route("staff"),
    "bookings:waitlist_add": Route("staff", kwargs=lambda w: {"patient_id": w.a.patient.public_id}),
    "bookings:waitlist_edit": Route("staff", kwargs=waitlist_entry("a")),
    "bookings:waitlist_remove": Route("staff", kwargs=waitlist_entry("a"), post_only=True),
    # --- portal -------------------------------------------------------------------------
    "portal:home": Route("patient"),
    "portal:log": Route("patient"),
    "portal:illustration": Route(
        "patient",
        # A's plan exercise has no picture (404); tests/portal covers the 200 and its bytes.
        kwargs=lambda w: {"code": w.a.item.exercise.code},
        ok=ok(200, 404),
        other=lambda w: {"code": w.exercise.code},  # illustrated, but not in A's plan
    ),
    # A's plan exercise has no video (404); tests/portal/test_portal_videos.py covers the 200,
    # the ranges and the bytes. The world's video is of an exercise outside A's plan.
    **{
        name: Route(
            "patient",
            kwargs=lambda w: {"code": w.a.item.exercise.code},
            ok=ok(200, 404),
            other=lambda w: {"code": w.exercise.code},
        )
        for name in ("portal:video", "portal:video_poster", "portal:video_captions")
    },
    "portal:safety": Route("patient"),
    "portal:safety_log": Route(
        "patient",
        kwargs=lambda w: {"public_id": w.a.log.public_id},
        other=lambda w: {"public_id": w.b.log.public_id},
    ),
    "portal:history": Route("patient"),
    "portal:previsit": Route("patient"),
    "portal:history_detail": Route(
        "patient",
        kwargs=lambda w: {"public_id": w.a.log.public_id},
        other=lambda w: {"public_id": w.b.log.public_id},
    ),
    "portal:invite": Route("clinical", kwargs=lambda w: {"patient_id": w.a.patient.public_id}),
    "portal:welcome": Route(
        "public",
        kwargs=lambda w: {"token": INVITATION_TOKEN},
        bogus=lambda w: {"token": "made-up-token"},
    ),
    "portal:appointments:list": Route("patient"),
    "portal:appointments:cancel": Route(
        "patient",
        kwargs=lambda w: {"public_id": w.a.appointment.public_id},
        other=lambda w: {"public_id": w.b.appointment.public_id},
        post_only=True,
    ),
    "portal:booking:start": Route("patient"),
    # Without a slot chosen (the walk sends none) the confirm pages say so and link the list.
    "portal:booking:confirm": Route("patient"),
    "portal:booking:move": Route(
        "patient",
        kwargs=lambda w: {"public_id": w.a.appointment.public_id},
        other=lambda w: {"public_id": w.b.appointment.public_id},
    ),
    "portal:booking:move_confirm": Route(
        "patient",
        kwargs=lambda w: {"public_id": w.a.appointment.public_id},
        other=lambda w: {"public_id": w.b.appointment.public_id},
    ),
    "portal:reminders:settings": Route("patient"),
    "portal:reminders:update": Route(
        "patient",
        kwargs=lambda w: {"public_id": w.a.schedule.public_id},
        other=lambda w: {"public_id": w.b.schedule.public_id},
        post_only=True,
    ),
    "portal:reminders:unsubscribe": Route(
        "public",
        kwargs=lambda w: {"token": w.unsubscribe_token},
        bogus=lambda w: {"token": "made-up-token"},
    ),
    "portal:waitlist:home": Route("patient"),
    "portal:waitlist:leave": Route(
        "patient", kwargs=waitlist_entry("a"), other=waitlist_entry("b"), post_only=True
    ),
    # The link in the offer message: no sign-in needed, the token is the authority; anyone
    # signed in who is not that patient (staff too) gets 404, so A gets 404 on B's link.
    "portal:waitlist:offer": Route(
        "public",
        kwargs=waitlist_offer("a"),
        ok=ok(200, 404),
        other=waitlist_offer("b"),
        bogus=lambda w: {"token": "made-up-token"},
    ),
    "portal:waitlist:answer": Route(
        "public",
        kwargs=waitlist_offer("a"),
        ok=ok(302, 404),
        post_only=True,
        other=waitlist_offer("b"),
        bogus=lambda w: {"token": "made-up-token"},
    ),
    # --- new patients' booking requests --------------------------------------------------
    "new_patient:request": Route("public"),
    "new_patient:thanks": Route("public"),
    "new_patient:urgent": Route("public", kwargs=lambda w: {"speed": "emergency"}),
    "bookings:requests": Route("front_desk"),
    "bookings:request_detail": Route("front_desk", kwargs=booking_request),
    "bookings:request_approve": Route("front_desk", kwargs=booking_request, post_only=True),
    "bookings:request_decline": Route("front_desk", kwargs=booking_request, post_only=True),
    "bookings:request_withdraw": Route(
        "front_desk", kwargs=booking_request, post_only=True, ok=ok(302)
    ),
    "bookings:urgent_screens": Route("clinical"),
    "bookings:urgent_seen": Route("clinical", kwargs=urgent_screen, post_only=True, ok=ok(302)),
    # --- treatment ----------------------------------------------------------------------
    "treatment:open": Route("clinical", kwargs=visit),
    "treatment:session": Route("clinical", kwargs=treatment_session),
    "treatment:amend": Route(
        "clinical", kwargs=lambda w: treatment_session(w, signed=True), post_only=True
    ),
    "portal:rehab": Route("patient"),
    "portal:discharge_summary": Route(
        "patient", kwargs=discharge_summary("a"), other=discharge_summary("b")
    ),
    # --- rehab --------------------------------------------------------------------------
    "rehab:stage_change": Route("clinical", kwargs=lambda w: {"public_id": w.a.episode.public_id}),
    "rehab:summary": Route("clinical", kwargs=discharge_summary("a")),
    "rehab:gp_letter": Route("clinical", kwargs=discharge_summary("a")),
    "portal:running": Route("patient", kwargs=with_programme),
    "portal:running_log": Route("patient", kwargs=with_programme),
    "portal:running_morning": Route("patient", kwargs=run_of("a"), other=run_of("b")),
    # --- running ------------------------------------------------------------------------
    "running:episode": Route("clinical", kwargs=lambda w: {"episode_id": w.a.episode.public_id}),
    "running:assign": Route(
        "clinical", kwargs=lambda w: {"episode_id": w.a.episode.public_id}, post_only=True
    ),
    "running:move": Route("clinical", kwargs=run_programme, post_only=True),
    "running:resume": Route("clinical", kwargs=run_programme, post_only=True),
    "running:run_seen": Route("clinical", kwargs=run_of("a"), post_only=True, ok=ok(302)),
    # --- notifications ------------------------------------------------------------------
    "notifications:failed": Route("staff"),
    "notifications:patient_log": Route("staff", kwargs=patient),
    "notifications:sms_consent": Route("staff", kwargs=patient, post_only=True),
    "notifications:sms_inbox": Route("staff"),
    "notifications:sms_inbox_done": Route(
        "staff", kwargs=lambda w: {"public_id": w.a.patient.public_id}, post_only=True, ok=ok(404)
    ),
    "notifications:sms_inbox_reply": Route(
        "staff", kwargs=lambda w: {"public_id": w.text.public_id}, post_only=True, ok=ok(400)
    ),
    "notifications:sms_text_read": Route(
        "clinical", kwargs=lambda w: {"public_id": w.text.public_id}, post_only=True, ok=ok(302)
    ),
    # The SMS provider's webhooks: its signature is the only authority, so unsigned gets 403.
    "notifications:sms_status": Route("public", post_only=True, ok=ok(403)),
    "notifications:sms_inbound": Route("public", post_only=True, ok=ok(403)),
    # --- interop (the FHIR API) -----------------------------------------------------------
    # A bearer token is the only authority: a session, a patient's included, gets 401.
    "interop:metadata": Route("public"),
    "interop:search": Route("public", kwargs=lambda w: {"resource_type": "Patient"}, ok=ok(401)),
    "interop:read": Route(
        "public",
        kwargs=lambda w: {"resource_type": "Patient", "resource_id": str(w.a.patient.public_id)},
        ok=ok(401),
    ),
    "interop_export:patient_bundle": Route("manager", kwargs=patient, post_only=True, ok=ok(200)),
    # --- reports (the manager's figures per site) ----------------------------------------
    "reports:sites": Route("manager"),
    "reports:sites_csv": Route("manager"),
}
#: Routes that exist only under some settings (the load-test baselines).
OPTIONAL = {"bench-hello", "bench-auth"}


def _walk(patterns, namespace: str | None = None, prefix: str = ""):
    """(route name, path pattern, namespace) for every URL pattern, includes followed."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            if inner and namespace:
                inner = f"{namespace}:{inner}"
            inner = inner or namespace
            yield from _walk(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield name, prefix + str(entry.pattern), namespace


def url_patterns() -> list[tuple[str | None, str]]:
    static = tuple(
        prefix.lstrip("/") for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix
    )
    return [
        (name, route)
        for name, route, namespace in _walk(get_resolver().url_patterns)
        if namespace != "admin" and not route.startswith(static)
    ]


def uncovered() -> list[str]:
    """Routes in the URLconf with no entry in ROUTES (unnamed ones by their path)."""
    return sorted(name or route for name, route in url_patterns() if name not in ROUTES)


def test_it_covers_every_url_pattern():
    missing = uncovered()
    assert not missing, f"Name these routes and add them to ROUTES in {__file__}: {missing}"
    stale = sorted(set(ROUTES) - {name for name, _ in url_patterns()} - OPTIONAL)
    assert not stale, f"These ROUTES entries no longer exist: {stale}"


def test_it_fails_on_a_pattern_it_does_not_know(settings):
    """The coverage check is real: a new namespaced include shows up as uncovered."""
    settings.ROOT_URLCONF = "tests.security.extra_urls"
    assert uncovered() == ["extra:secret"]


def _login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def _request(client, method: str, url: str):
    """One request whose writes are rolled back, so each role meets the same records."""
    with transaction.atomic():
        response = client.post(url, {}) if method == "post" else client.get(url)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("name", sorted(set(ROUTES) - OPTIONAL))
def test_it_enforces_who_may_open_each_url(world, name):
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world))
    method = "post" if route.post_only else "get"
    allowed = ALLOWED[route.access]
    for role in ROLES:
        response = _request(world.client_for(role), method, url)
        status = response.status_code
        assert status != 500, f"{name} as {role}: 500"
        if role in allowed:
            expected = route.expected()
            assert status in expected, f"{name} as {role}: {status}, expected {set(expected)}"
        elif role is None:
            assert _login_redirect(response), f"{name} anonymous: {status}, not sent to log in"
        elif role == "patient":
            assert status == 404, f"{name} as a patient: {status}, expected 404"
        else:
            assert status in DENIED, f"{name} as {role}: {status}, expected 403 or 404"
    if route.post_only:
        # A GET must not change anything, and must not be a 500 either.
        for role in allowed:
            response = world.client_for(role).get(url)
            assert response.status_code == 405, f"GET {name} as {role}: {response.status_code}"
    if route.other is not None:
        other = reverse(name, kwargs=route.other(world))
        response = _request(world.client_for("patient"), method, other)
        assert response.status_code == 404, f"{name}: patient A got B's record"
    if route.bogus is not None:
        bogus = reverse(name, kwargs=route.bogus(world))
        for role in ROLES:
            response = _request(world.client_for(role), method, bogus)
            assert response.status_code in {400, 404}, f"{name} with a made-up token as {role}"


def _admin_urls() -> list[str]:
    names = [
        name
        for name, route, namespace in _walk(get_resolver().url_patterns)
        if namespace == "admin" and name and "<" not in route and "(" not in route
    ]
    return [
        reverse(name) for name in sorted(set(names)) if name not in ("admin:login", "admin:logout")
    ]


@pytest.mark.parametrize("role", [None, "patient", "reception", "therapist"])
def test_it_keeps_everyone_but_the_manager_out_of_the_admin(world, role):
    client = world.client_for(role)
    login = reverse("admin:login")
    urls = _admin_urls()
    assert len(urls) > 5
    for url in urls:
        response = client.get(url)
        if role == "patient":
            assert response.status_code == 404, f"{url} as a patient: {response.status_code}"
            continue
        redirected = response.status_code == 302 and response["Location"].startswith(login)
        assert redirected or response.status_code in DENIED, f"{url} as {role}"


def test_it_answers_404_to_a_patient_on_the_admins_sign_in_and_sign_out(world):
    """The admin's own login and logout pages are not behind `admin_view`; a patient who
    guesses /admin/login/ must not learn that it exists, and staying signed in to the portal
    is unaffected."""
    client = world.client_for("patient")
    for name in ("admin:login", "admin:logout"):
        assert client.get(reverse(name)).status_code == 404, name
        assert client.post(reverse(name), {}).status_code == 404, name
    assert client.get(reverse("portal:home")).status_code == 200
    anonymous = world.client_for(None)
    assert anonymous.get(reverse("admin:login")).status_code == 200


def test_it_opens_the_admin_for_the_manager(world):
    client = world.client_for("manager")
    for url in _admin_urls():
        if url == reverse("admin:autocomplete"):
            continue  # answers 403 without a model to search, whoever asks
        response = client.get(url)
        # Add pages of read-only models (the audit trail, lockout records) are refused.
        expected = {200, 302, 403} if url.endswith("/add/") else {200, 302}
        assert response.status_code in expected, url


def test_it_keeps_one_off_reminders_off_the_patients_settings_form(world):
    """The settings page lists recurring reminders only; the appointment reminder's id must
    not reach the form either (its errors would show nowhere)."""
    url = reverse("portal:reminders:update", args=[world.a.appointment_schedule.public_id])
    response = world.client_for("patient").post(url, {})
    assert response.status_code == 404
