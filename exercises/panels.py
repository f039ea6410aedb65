"""What the exercises app adds to the therapist dashboard and the staff patient page."""

from __future__ import annotations

import functools

from django import forms
from django.db import router
from django.db.models import BooleanField, Func, IntegerField, Subquery
from django.utils.safestring import SafeString, mark_safe

from clinic import audit, changes
from clinic.access import CLINICAL, has_role
from clinic.json_rows import instances, rows_array
from clinic.markup import escape
from clinic.models import User
from clinic.panels import DischargeStep, Panel, dashboard_read, row_for_user, template_text
from exercises import (
    dashboard,
    dashboard_draw,
    page_selectors,
    portal_selectors,
    progress_selectors,
    selectors,
)
from exercises.models import AlertAcknowledgement, ExercisePlan, PlanVersion, PlanWeek, SessionLog
from exercises.progress_selectors import progress_for_plans
from exercises.templatetags import adherence_tags
from exercises.texts import texts_unread
from notifications.models import SmsInbound
from patients.page_rows import PageRead
from patients.selectors import open_episodes

#: The patient page's reads of this app that take nothing but the patient: made once (a frozen
#: dataclass each, six a view before), the logs' read, which starts on the patient's own day,
#: beside them on each view.
_PAGE_READS = (
    PageRead("adherence_for_patient", ExercisePlan, selectors._plans),
    PageRead("adherence_weeks", PlanWeek, selectors._weeks),
    PageRead("progress_versions", PlanVersion, progress_selectors._versions),
)
_PAGE_READS_AFTER = (
    PageRead("comments_for_patient", SessionLog, selectors._of_patient),
    PageRead("acknowledgements_for_patient", AlertAcknowledgement, page_selectors._acknowledged),
)


def patient_page_reads(*, user, patient) -> list[PageRead]:
    """For clinicians: the plans and their weeks, the versions and the suggestions' window of
    logs, the comments and the acknowledged alerts."""
    if not has_role(user, CLINICAL):
        return []
    since = progress_selectors.logs_window_start(selectors.patient_today(patient))
    return [
        *_PAGE_READS,
        PageRead(
            "exercises_recent_logs",
            SessionLog,
            progress_selectors._recent_logs,
            values={"since": since},
        ),
        *_PAGE_READS_AFTER,
    ]


def patient_panels(*, user, patient) -> list[Panel]:
    """Plans with weekly adherence and pain, the patient's comments with their read marks and
    replies, and the alerts acknowledged with their notes (clinical roles only: reception
    never sees a comment)."""
    if not has_role(user, CLINICAL):
        return []
    episodes = open_episodes(patient=patient)
    return [
        Panel(
            context={
                "patient": patient,
                "episodes": episodes,
                "plans": _plans_with_suggestions(patient),
            },
            order=40,
            draw=adherence_tags.draw_panel,
        ),
        Panel(
            context=lambda: {
                "patient": patient,
                "comments": selectors.comments_for_patient(user=user, patient=patient),
            },
            order=41,
            draw=draw_comments,
        ),
        Panel(
            context=lambda: {
                "patient": patient,
                "acknowledged": page_selectors.acknowledgements_for_patient(
                    user=user, patient=patient
                ),
            },
            order=42,
            draw=draw_alerts,
        ),
    ]


# The empty states of exercises/panels/patient_comments.html and patient_alerts.html (a test
# holds them together): most patients have neither, and a template each cost more than the
# text. Their lists stay the templates'.
_NO_ALERTS = mark_safe(  # nosec B308 (a constant)
    '<section class="col-12" aria-labelledby="acknowledged-alerts-heading">\n'
    '  <div class="card">\n'
    '    <div class="card-body">\n'
    '      <h2 class="h5" id="acknowledged-alerts-heading">Alerts acknowledged</h2>\n'
    "      \n"
    '      <p class="text-body-secondary mb-0">No alert acknowledged yet.</p>\n'
    "      \n"
    "    </div>\n"
    "  </div>\n"
    "</section>\n"
)


def draw_comments(values: dict, csrf_token) -> str:
    """The patient's comments: that there is none in Python, the comments by the template."""
    if values["comments"]:
        return template_text("exercises/panels/patient_comments.html", values, csrf_token)
    return SafeString(  # nosec B703 B308 (the name escaped)
        '<section class="col-12" aria-labelledby="patient-comments-heading">\n'
        '  <div class="card">\n'
        '    <div class="card-body">\n'
        '      <h2 class="h5" id="patient-comments-heading">Comments from '
        f"{escape(values['patient'].first_name)}</h2>\n"
        "      \n"
        '      <p class="text-body-secondary mb-0">No comments yet.</p>\n'
        "      \n"
        "    </div>\n"
        "  </div>\n"
        "</section>\n"
    )


def draw_alerts(values: dict, csrf_token) -> str:
    """The alerts acknowledged: that there is none in Python, the list by the template."""
    if values["acknowledged"]:
        return template_text("exercises/panels/patient_alerts.html", values, csrf_token)
    return _NO_ALERTS


def _plans_with_suggestions(patient) -> list:
    """The published plans with weekly adherence, each with its items' progress suggestions
    (`suggestions`: the therapist decides; two queries for all the plans)."""
    plans = selectors.adherence_for_patient(patient=patient)
    progress = progress_for_plans(patient=patient, plans=[entry.plan for entry in plans])
    for entry in plans:
        entry.suggestions = [item for item in progress.get(entry.plan.pk, []) if item.suggestion]
    return plans


def dashboard_panels(*, user) -> list[Panel]:
    if not has_role(user, CLINICAL):
        return []
    inboxes = functools.cache(lambda: _inboxes(user))  # read once, by whichever card is first
    return [
        Panel(
            template=dashboard_draw.ALERTS_TEMPLATE,
            context=lambda: _alerts_context(
                *dashboard.dashboard_alerts(user=user, counters=inboxes()["alert_counters"])
            ),
            order=20,
            draw=dashboard_draw.draw_alerts,
        ),
        Panel(
            template=dashboard_draw.COMMENTS_TEMPLATE,
            context=lambda: _inbox_context(inboxes()),
            order=15,
            draw=dashboard_draw.draw_comments,
        ),
        Panel(
            template=dashboard_draw.TEXTS_TEMPLATE,
            context=lambda: _texts_context(inboxes()),
            order=14,
            draw=dashboard_draw.draw_texts,
        ),
    ]


def _alerts_context(lines: tuple, total: int) -> dict:
    """The first alerts by patient name, drawn in one step; the rest are counted
    (acknowledging brings them up)."""
    return {
        "alerts": bool(lines),
        "alert_rows": dashboard.alert_rows_html(lines),
        "more_alerts": total - len(lines),
    }


DASHBOARD_COMMENT_LIMIT = 5

#: What the comments and texts cards draw of each row (templates/exercises/includes/comment.html,
#: templates/notifications/includes/patient_text.html; unread texts only, so never who read
#: one) and what the audit trail notes of it: the rest is left deferred.
_INBOX_PATIENT = ("public_id", "first_name", "last_name")
_COMMENT_ROWS = {
    "fields": ("id", "public_id", "patient_id", "date", "created_at", "comment"),
    "related": {"patient": _INBOX_PATIENT},
}
_TEXT_ROWS = {
    "fields": ("id", "public_id", "patient_id", "urgency", "body", "received_at", "read_at"),
    "related": {"patient": _INBOX_PATIENT},
}
#: How `instances` turns the comments' read mark back into Python: made once (a field's
#: `__init__` is dearer than the conversion, and the field holds no state).
_COMMENT_ANNOTATIONS = {"is_read": BooleanField()}


def _count(queryset) -> Subquery:
    return Subquery(
        queryset.order_by().values(total=Func("id", function="COUNT", output_field=IntegerField()))
    )


def dashboard_reads(*, user) -> dict:
    """The inboxes' columns of the dashboard's statement (`_inbox_columns`)."""
    return _inbox_columns(user=user) if has_role(user, CLINICAL) else {}


def _inbox_columns(*, user) -> dict:
    """The newest unread comments first and the unread texts, urgent first (the first few of
    each, as JSON), with how many of each are unread: columns on the user's own row. The two
    cards were a statement each, and most dashboards have neither."""
    comments = selectors.comments_inbox(user=user)
    texts = texts_unread(user=user)
    # The alerts' counters ride here too (the alerts card's cache key): a statement of their
    # own cost the server as much as an empty inbox.
    counters = changes.versions_column(dashboard.ALERT_KEY_MODELS)
    return {
        **({} if counters is None else {"alert_counters": counters}),
        "comments": rows_array(
            comments[:DASHBOARD_COMMENT_LIMIT], **_COMMENT_ROWS, annotations=("is_read",)
        ),
        "comments_unread": _count(comments.filter(is_read=False)),
        "texts": rows_array(texts[:DASHBOARD_COMMENT_LIMIT], **_TEXT_ROWS),
        "texts_unread": _count(texts),
    }


def _inbox_reads(*, user):
    """The inboxes' columns as a statement of their own (a panel drawn outside the view)."""
    return User.objects.filter(pk=user.pk).values(**_inbox_columns(user=user))


def _inboxes(user) -> dict:
    found = dashboard_read(user) or row_for_user(
        "exercises.panels.inboxes", User, _inbox_reads, user=user
    )
    alias = router.db_for_read(SessionLog)
    return {
        "comments": instances(
            SessionLog,
            alias,
            found["comments"],
            **_COMMENT_ROWS,
            annotations=_COMMENT_ANNOTATIONS,
        ),
        "comments_unread": found["comments_unread"],
        "texts": instances(SmsInbound, alias, found["texts"], **_TEXT_ROWS),
        "texts_unread": found["texts_unread"],
        "alert_counters": (
            changes.versions_from(dashboard.ALERT_KEY_MODELS, found["alert_counters"])
            if "alert_counters" in found
            else dashboard.READ_COUNTERS
        ),
    }


def _inbox_context(inboxes: dict) -> dict:
    """The newest unread comments first and how many are unread in all."""
    comments = inboxes["comments"]
    for log in comments:
        audit.note_patient(log.patient, log)
    return {"comments": comments, "unread": inboxes["comments_unread"]}


def _texts_context(inboxes: dict) -> dict:
    """The patients' unread texts, urgent first, and how many there are."""
    texts = inboxes["texts"]
    for text in texts:
        audit.note_patient(text.patient, text)
    return {"texts": texts, "unread": inboxes["texts_unread"]}


def portal_reads(*, day, week_before, now) -> dict:
    """The portal home's statement brings the plan, whether one is on hold and the replies
    (`portal_selectors.portal_home_reads`)."""
    return portal_selectors.portal_home_reads(day=day)


def portal_panels(*, user, patient) -> list[Panel]:
    """ "Your physio replied": the newest replies to the patient's comments (one query)."""
    replies = portal_selectors.replies_newest_for_patient(patient=patient)
    if not replies:
        return []
    return [Panel(template="exercises/panels/portal_replies.html", context={"replies": replies})]


def discharge_extensions(*, user, episode, data=None) -> list[DischargeStep]:
    """Discharge completes the episode's active or paused exercise plans (and so their
    reminders stop); the page names them first."""
    from exercises import services

    plans = selectors.plans_open_for_episode(episode=episode)
    if not plans or not has_role(user, CLINICAL):
        return []
    return [
        DischargeStep(
            template="exercises/includes/discharge_step.html",
            finish=lambda *, episode, user: services.plans_complete_for_discharge(episode=episode),
            form=forms.Form(data),
            context={"plans": plans},
        )
    ]
