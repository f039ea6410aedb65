"""What the assessments app adds to the patient page, the timeline and the patient portal.

Clinical content goes to clinical roles only: reception gets nothing from here. The portal
shows a patient only a plain-language explanation of a diagnosis their physiotherapist has
confirmed, never the engine's suggestion.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists
from django.utils.safestring import SafeString, mark_safe

from assessments import referrals, selectors
from assessments.measures import keep_listed
from assessments.models import Assessment, AssessmentDecision, WorkingDiagnosis
from clinic.access import CLINICAL, has_role
from clinic.display import display
from clinic.links import held_urls
from clinic.markup import escape
from clinic.panels import Panel, TimelineEntry, dashboard_read, rows_for_user, template_text
from clinic.rows import prepared_list
from patients import page_rows
from patients.models import Patient
from patients.page_rows import PageRead
from patients.selectors import open_episodes

PATIENT_EXPLANATIONS = {
    "neural": (
        "Your pain seems to come from the nerve that runs down the back of your thigh. "
        "After an old injury it can become sensitive to being stretched, which is why longer "
        "strides, faster running or downhills can bring it on. Gentle exercises that help the "
        "nerve glide freely are usually the way forward."
    ),
    "lumbar": (
        "Your thigh pain seems to be coming from your lower back rather than from the thigh "
        "itself. Problems there can be felt further down the leg. Exercises and treatment "
        "aimed at your lower back are usually the way forward."
    ),
    "acute_strain": (
        "You seem to have strained the hamstring muscle recently. Muscles heal well with the "
        "right amount of protection at first and then gradually more load."
    ),
    "mixed_neural_lumbar": (
        "Your pain seems to involve both your lower back and the nerve that runs down the back "
        "of your thigh. Your physiotherapist will use treatment for both and check which one "
        "helps most."
    ),
    # Never shown alone: a confirmed red flag also gets PATIENT_RED_FLAG_ACTIONS (SPEC 3.9b, 26).
    "red_flag_referral": "Your physiotherapist found something that needs a doctor to check it.",
    "other": ("Your physiotherapist will talk to you about what they found and about next steps."),
}


#: What to do and how soon after a confirmed red flag, in plain words, by the rules' tier.
PATIENT_RED_FLAG_ACTIONS = {
    "emergency": (
        "Go to the emergency department (A&E) now. If you cannot get there safely, call 999."
    ),
    "same_day": (
        "Please see a doctor today. Ask your GP surgery for an appointment today, or call "
        "NHS 111. Do not run or do your exercises until a doctor has seen you."
    ),
    "urgent": (
        "Please see a specialist within the next week: your physiotherapist will help you "
        "arrange it. Do not run until then."
    ),
}


def patient_red_flag_tier(decision) -> str:
    """The tier the patient is told to act on (see AssessmentDecision.referral_tier: an unknown
    tier, or an older rules version's "urgent", reads as same-day)."""
    return decision.referral_tier


def patient_red_flag_action(decision) -> str:
    """The plain-words instruction for a confirmed red flag (see `patient_red_flag_tier`)."""
    return PATIENT_RED_FLAG_ACTIONS[patient_red_flag_tier(decision)]


def patient_red_flag_notice(decisions) -> dict | None:
    """What the portal shows at the top of every page while referrals are open: the most
    urgent instruction among them, and the clinic's number. None when there is none."""
    if not decisions:
        return None
    order = list(PATIENT_RED_FLAG_ACTIONS)  # most urgent first
    tier = min((patient_red_flag_tier(d) for d in decisions), key=order.index)
    phone = settings.CLINIC_PHONE.strip()
    return {
        "tier": tier,
        "why": PATIENT_EXPLANATIONS["red_flag_referral"],
        "action": PATIENT_RED_FLAG_ACTIONS[tier],
        "phone": phone,
        "phone_uri": "".join(c for c in phone if c.isdigit() or c == "+"),
    }


def _explanation(decision) -> dict:
    if decision.final_dx != "red_flag_referral":
        return {"text": PATIENT_EXPLANATIONS[decision.final_dx]}
    return {
        "text": PATIENT_EXPLANATIONS["red_flag_referral"],
        "action": patient_red_flag_action(decision),
        "phone": settings.CLINIC_PHONE,
    }


def patient_page_reads(*, user, patient) -> list[PageRead]:
    """For clinicians: the assessments, working diagnoses and decisions (timeline and panels)."""
    if not has_role(user, CLINICAL):
        return []
    return [
        PageRead("assessments.panels.assessments", Assessment, _assessments),
        PageRead("working_diagnoses_of_patient", WorkingDiagnosis, selectors._working_diagnoses_of),
        PageRead("decisions_of_patient", AssessmentDecision, selectors._decisions_of),
    ]


def timeline_entries(*, user, patient) -> list[TimelineEntry]:
    """Each assessment version, working diagnosis and decision, for clinical roles only (three
    queries; the working diagnoses are shared with the patient panel)."""
    if not has_role(user, CLINICAL):
        return []
    entries = []
    url = held_urls(patient)  # the script prefix read once a view, not once a link
    assessments = page_rows.taken(patient, "assessments.panels.assessments")
    if assessments is None:
        assessments = prepared_list(
            "assessments.panels.assessments", Assessment, _assessments, patient_id=patient.pk
        )
    # The rehab panel's measures read the same assessments (no second query).
    keep_listed(patient, assessments)
    for assessment in assessments:
        version = f", version {assessment.version}" if assessment.version > 1 else ""
        amended = " (amended since)" if hasattr(assessment, "superseded_by") else ""
        entries.append(
            TimelineEntry(
                when=assessment.finalised_at or assessment.created_at,
                kind="assessment",
                title=f"{display(assessment, 'kind')} assessment{version}: "
                f"{display(assessment, 'status').lower()}{amended}",
                url=url("assessments:detail", assessment.public_id),
                detail=f"By {assessment.therapist}",
                episode_id=assessment.episode_id,
            )
        )
    for working in selectors.working_diagnoses_of_patient(patient=patient):
        state = "" if working.in_force else " (superseded)"
        entries.append(
            TimelineEntry(
                when=working.recorded_at,
                kind="decision",
                title=f"Working diagnosis: {working.label}{state}",
                url=url("assessments:detail", working.assessment_public_id),
                detail=f"Deciding test: {working.deciding_test_text}. By {working.recorded_by}",
                episode_id=working.episode_id,
            )
        )
    for decision in selectors.decisions_of_patient(patient=patient):
        how = "overridden" if decision.is_override else "confirmed"
        entries.append(
            TimelineEntry(
                when=decision.confirmed_at,
                kind="decision",
                title=f"Diagnosis {how}: {display(decision, 'clinician_final_dx')}",
                url=url("assessments:detail", decision.assessment_public_id),
                detail=f"By {decision.confirmed_by}",
                episode_id=decision.episode_id,
            )
        )
    return entries


def _assessments(*, patient_id: int):
    return selectors.assessments_of_patient(patient=Patient(pk=patient_id))


# The panels as assessments/panels/record_assessment.html and episode_course.html drew them
# (a test holds them together).
_NO_OPEN_EPISODE = mark_safe(  # nosec B308 (a constant)
    '\n      <p class="small text-body-secondary mb-0">'
    "Open an episode to record an assessment.</p>\n    "
)
_NO_EPISODE = mark_safe(  # nosec B308 (a constant)
    '\n      <p class="small text-body-secondary mb-0">No episodes yet.</p>\n    '
)


def draw_record_assessment(values: dict, csrf_token) -> str:
    """Per open episode, the links to record an intake or a follow-up: drawn with
    f-strings, each value escaped where `html` escaped it."""
    rows = []
    link = held_urls(values.get("patient"))  # the page's, made once a view
    for episode in values["episodes"]:
        url = escape(link("assessments:create", episode.public_id))
        rows.append(
            f'\n      <p class="mb-1">Episode {escape(episode.number)}:</p>\n'
            '      <div class="d-flex flex-wrap gap-2 mb-2">\n'
            f'        <a class="btn btn-sm btn-primary" href="{url}">Record intake</a>\n'
            f'        <a class="btn btn-sm btn-outline-primary" href="{url}?kind=follow_up">'
            "Record follow-up</a>\n"
            "      </div>\n    "
        )
    return SafeString(  # nosec B703 B308 (every value escaped)
        '<section class="card mb-3" aria-labelledby="record-assessment-heading">\n'
        '  <div class="card-body">\n'
        '    <h2 class="h5" id="record-assessment-heading">Assessments</h2>\n'
        f"    {''.join(rows) if rows else _NO_OPEN_EPISODE}\n"
        "  </div>\n"
        "</section>\n"
    )


def draw_episode_course(values: dict, csrf_token) -> str:
    """Per episode, its trends page and the working diagnosis in force: drawn
    with f-strings, each value escaped where `html`
    escaped it."""
    url = held_urls(values.get("patient"))  # the page's, made once a view
    rows = [
        '\n      <div class="mb-2 episode-course">\n'
        f'        <p class="mb-1">Episode {escape(episode.number)}: '
        f'<a href="{escape(url("assessments:trends", episode.public_id))}">'
        "measures over time</a></p>\n"
        f"        {_working(working)}\n"
        "      </div>\n    "
        for episode, working in values["rows"]
    ]
    return SafeString(  # nosec B703 B308 (every value escaped)
        '<section class="card mb-3" aria-labelledby="episode-course-heading">\n'
        '  <div class="card-body">\n'
        '    <h2 class="h5" id="episode-course-heading">Working diagnosis and trends</h2>\n'
        f"    {''.join(rows) if rows else _NO_EPISODE}\n"
        "  </div>\n"
        "</section>\n"
    )


def _working(working) -> str:
    if not working:
        return ""
    return (
        f'<p class="small mb-0">Working diagnosis: <strong>{escape(working.label)}</strong>.'
        f" Deciding test: {escape(working.deciding_test_text)}.</p>"
    )


def patient_panels(*, user, patient) -> list[Panel]:
    """Links to record an intake or a follow-up on each open episode (no query when the
    page loaded the patient's episodes); each episode's working diagnosis in force and its
    trend page (one query, shared with the timeline); and the patient's red-flag referrals,
    open or closed, with their outcomes (one query; two when there is a referral)."""
    if not has_role(user, CLINICAL):
        return []
    episodes = open_episodes(patient=patient)
    found = [
        Panel(
            context={"patient": patient, "episodes": episodes},
            order=20,
            draw=draw_record_assessment,
        )
    ]
    working = {}
    for diagnosis in selectors.working_diagnoses_of_patient(patient=patient):
        if diagnosis.in_force:
            working.setdefault(diagnosis.episode_id, diagnosis)
    found.append(
        Panel(
            context={
                "patient": patient,
                "rows": [(episode, working.get(episode.id)) for episode in patient.episodes.all()],
            },
            order=21,
            draw=draw_episode_course,
        )
    )
    sent_on = referrals.referrals_of_patient(patient=patient)
    if sent_on:
        found.append(
            Panel(
                template="assessments/panels/patient_referrals.html",
                context={"patient": patient, "referrals": sent_on},
                order=19,
            )
        )
    return found


DASHBOARD_REFERRAL_LIMIT = 10


def dashboard_reads(*, user) -> dict:
    """Whether the user has an open referral, in the dashboard's statement: most dashboards
    have none, and the card's own read (the referrals with their patients) is then skipped."""
    if not has_role(user, CLINICAL):
        return {}
    return {"assessments_referrals_open": Exists(referrals.open_referrals(user=user))}


def dashboard_panels(*, user) -> list[Panel]:
    """The "Open referrals" panel: the oldest open red-flag referrals of the user's patients,
    with how long each has been open and whether its tier's time has passed (one query)."""
    if not has_role(user, CLINICAL):
        return []

    def context() -> dict:
        read = dashboard_read(user)
        if read is not None and not read["assessments_referrals_open"]:
            found = []
        else:
            found = rows_for_user(
                "assessments.panels.open_referrals",
                AssessmentDecision,
                lambda *, user: referrals.open_referrals(user=user)[: DASHBOARD_REFERRAL_LIMIT + 1],
                user=user,
            )
        return {
            "rows": referrals.referral_rows(found[:DASHBOARD_REFERRAL_LIMIT]),
            "more": len(found) > DASHBOARD_REFERRAL_LIMIT,
        }

    return [
        Panel(
            template=DASHBOARD_REFERRALS_TEMPLATE,
            context=context,
            order=5,
            draw=draw_dashboard_referrals,
        )
    ]


DASHBOARD_REFERRALS_TEMPLATE = "assessments/panels/dashboard_referrals.html"
# The template's card with no referral open, as it draws it (a test holds them together): most
# dashboards have none, and looking the template up and rendering it cost more than the read.
_NO_REFERRALS = SafeString(  # nosec B703 B308 (a constant)
    '<section class="col-12" aria-labelledby="open-referrals-heading">\n'
    '  <div class="card">\n'
    '    <div class="card-body">\n'
    '      <h2 class="h5" id="open-referrals-heading">Open referrals</h2>\n'
    "      \n"
    '      <p class="text-body-secondary mb-0">No open referrals.</p>\n'
    "      \n"
    "    </div>\n"
    "  </div>\n"
    "</section>\n"
)


def draw_dashboard_referrals(values: dict, csrf_token) -> SafeString:
    """The "Open referrals" card: that there is none here, the referrals by the template."""
    if values["rows"]:
        return SafeString(  # nosec B703 (the template escaped it)
            template_text(DASHBOARD_REFERRALS_TEMPLATE, values, csrf_token)
        )
    return _NO_REFERRALS


#: While the diagnosis is not confirmed the patient hears only this, never a working label.
PATIENT_STILL_WORKING_OUT = "We are still working out where your pain comes from."

#: What the physiotherapist will check next, by the working diagnosis's deciding test.
PATIENT_NEXT_CHECKS = {
    "retest_after_lumbar_treatment": (
        "Next time, your physiotherapist will check how your leg responds after some "
        "treatment to your lower back."
    ),
    "repeated_movements": (
        "Next time, your physiotherapist will check how your pain changes when you repeat "
        "some movements of your lower back."
    ),
    "imaging_or_referral": (
        "Next time, your physiotherapist will talk to you about whether a scan or a "
        "specialist's opinion would help."
    ),
    "response_to_neural_mobilisation": (
        "Next time, your physiotherapist will check how your leg responds to gentle "
        "movements for the nerve at the back of your thigh."
    ),
}
PATIENT_NEXT_CHECK_DEFAULT = (
    "Next time, your physiotherapist will check a few more things and talk you through what "
    "they find."
)


def _still_working_out(pending: dict) -> dict:
    return {
        "text": PATIENT_STILL_WORKING_OUT,
        "next": PATIENT_NEXT_CHECKS.get(pending["deciding_test"], PATIENT_NEXT_CHECK_DEFAULT),
    }


def portal_reads(*, day, week_before, now) -> dict:
    """The portal home's statement brings the open episodes' diagnosis state and the
    decisions (`selectors.portal_home_reads`)."""
    return selectors.portal_home_reads()


def portal_panels(*, user, patient) -> list[Panel]:
    """For the patient: the pre-visit questionnaire until their intake is final, and their
    condition in plain words: a confirmed diagnosis's explanation (a red-flag referral's
    instruction first), or, while an open episode's diagnosis is not confirmed, only that it
    is still being worked out and what will be checked next (never a working diagnosis or
    the engine's suggestion)."""
    found: list[Panel] = []
    episodes = selectors.open_episodes_diagnosis(patient=patient)
    if not any(episode["final_intake"] for episode in episodes):
        found.append(
            Panel(
                template="assessments/panels/portal_previsit.html",
                context={"answered": selectors.questionnaire_for_episode(patient=patient)},
                order=5,
            )
        )
    decisions = sorted(
        selectors.patient_confirmed_decisions(patient=patient),
        key=lambda decision: decision.final_dx != "red_flag_referral",
    )
    explanations = [_explanation(decision) for decision in decisions]
    explanations += [
        _still_working_out(episode)
        for episode in episodes
        if episode["final_intake"] and not episode["confirmed"]
    ]
    if explanations:
        found.append(
            Panel(draw=_portal_condition_html, context={"explanations": explanations}, order=10)
        )
    return found


def _portal_condition_html(values: dict, csrf_token) -> SafeString:
    """The condition card of the portal home, drawn in Python (it is on every view): each
    explanation with what will be checked next, and a red-flag referral's instruction with the
    clinic's number."""
    explanations = values["explanations"]
    last = len(explanations) - 1
    parts = []
    for index, item in enumerate(explanations):
        more = index < last
        after = item.get("next")
        first_class = "mb-2" if more or after else "mb-0"
        then = f'<p class="{"mb-2" if more else "mb-0"}">{escape(after)}</p>' if after else ""
        action = ""
        if item.get("action"):
            phone = item.get("phone")
            ring = (
                '<p class="mb-0">Questions? Ring the clinic on <a class="alert-link"'
                f' href="tel:{escape(phone)}">{escape(phone)}</a>.</p>'
                if phone
                else ""
            )
            action = (
                '\n      <div class="alert alert-danger mt-2 mb-2" role="alert">\n'
                f'        <p class="fw-bold mb-1">{escape(item["action"])}</p>\n'
                f"        {ring}\n"
                "      </div>\n      "
            )
        parts.append(
            f'\n      <p class="{first_class}">{escape(item["text"])}</p>\n'
            f"      {then}\n"
            f"      {action}\n    "
        )
    return mark_safe(  # noqa: S308 (every value escaped)  # nosec B703 B308
        '<div class="col-12 col-lg-6">\n'
        '<section class="card h-100" aria-labelledby="condition-heading">\n'
        '  <div class="card-body">\n'
        '    <h2 class="h5" id="condition-heading">What your physiotherapist found</h2>\n'
        f"    {''.join(parts)}\n"
        "  </div>\n"
        "</section>\n"
        "</div>\n"
    )
