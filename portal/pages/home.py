"""The portal home: today's exercises, today's log and the other apps' portal panels."""

from __future__ import annotations

import functools

from django.http import HttpRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from bookings.selectors import clinic_phone
from clinic import panels
from clinic.access import PATIENTS, keep_roles, role_required, unwrapped_user
from clinic.filters import FilterText
from exercises import portal_selectors, safety
from exercises import selectors as exercise_selectors
from exercises.illustrations import illustration_response
from exercises.videos.selectors import plan_media
from patients.selectors import patient_of_portal_user
from portal.context_processors import red_flag_notice_of
from portal.exercise_cards import exercise_cards_html, today_html
from portal.selectors import home_patient


@role_required(*PATIENTS)
@require_GET
def home(request: HttpRequest):
    # The user object itself, its roles worked out once: the panels and the layout ask them
    # and read the user's fields a few dozen times a view, each through two lazy wrappers.
    user = unwrapped_user(request.user)
    keep_roles(user)
    # "Today" is the patient's own. One statement reads the patient, the active plan with its
    # version and whether today is logged, and the rows of the other apps' portal panels.
    patient, today = home_patient(user=user, now=timezone.now())
    plan = portal_selectors.plan_active_with_day_logged(patient=patient, day=today)
    version = plan.current_version if plan else None
    # Only what is due today (in the patient's zone); the rest says when it is next due.
    due, not_today = exercise_selectors.plan_day(plan=plan, day=today) if plan else ([], [])
    media = plan_media(plan=plan)
    phone = clinic_phone()
    today_text = FilterText().date(today, "l j F")
    cards = exercise_cards_html(due, media)
    today_log = plan is not None and plan.logged_on_day
    return render(
        request,
        "portal/home.html",
        {
            # The same user the `auth` context processor gives, unwrapped (it wins over it).
            "user": user,
            "patient": patient,
            "plan": plan,
            "version": version,
            "today": today,
            "today_text": today_text,
            "due_today": due,
            "exercise_cards": cards,
            "not_today": not_today,
            "today_log": today_log,
            # "Today's exercises", drawn in one step (portal/exercise_cards.py).
            "today_section": (
                today_html(
                    today_text=today_text,
                    logged=today_log,
                    due=due,
                    cards=cards,
                    not_today=not_today,
                )
                if plan
                else ""
            ),
            "on_hold": plan is None and portal_selectors.plan_on_hold_for_patient(patient=patient),
            "panels": panels.collect("portal_panels", user=user, patient=patient),
            "safety_card": _safety_card(phone),
            "clinic_phone": phone,
            # The condition panel and the rehab stage read the same decisions.
            "red_flag_notice": red_flag_notice_of(patient),
        },
    )


@functools.lru_cache(maxsize=4)
def _safety_card(phone: str) -> str:
    """The standing safety card, drawn once per process (and clinic number): its words are
    exercises/safety.py's fixed list, the same for every patient on every view, and drawing
    its two lists took the home about thirty template lookups each time."""
    return render_to_string(
        "portal/_safety_card.html", {"card": safety.card(), "clinic_phone": phone}
    )


@role_required(*PATIENTS)
@require_GET
def exercise_illustration(request: HttpRequest, code: str):
    """The picture of an exercise in the patient's current plan; 404 for any other."""
    patient = patient_of_portal_user(user=request.user)
    plan = exercise_selectors.plan_active_for_patient(patient=patient)
    return illustration_response(exercise_selectors.exercise_in_plan(plan=plan, code=code))
