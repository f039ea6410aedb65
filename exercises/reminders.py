"""Exercise reminders: the exercise plan as a source for the shared reminder pipeline.

Owned by the notifications work: the notifications app imports this module when it starts, so
exercises needs no change to its own configuration.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from exercises import text_safety
from exercises.dose import whole_dose
from exercises.models import ExercisePlan, SessionLog, SymptomReport
from exercises.schedule import is_due
from notifications.replies import Screened, register_text_screen
from notifications.schedules import reminder_schedule_ensure
from notifications.sources import (
    Compose,
    Content,
    Due,
    ReminderSource,
    Skip,
    Subject,
    register,
)

SOURCE = "exercise_plan"
URGENT_SYMPTOM_SOURCE = "urgent_symptom"


class ExercisePlanReminders(ReminderSource):
    name = SOURCE
    label = "Exercise reminders"
    default_times = (dt.time(18, 0),)

    def check(self, dues: list[Due]) -> list[Skip | None]:
        plan_ids = {due.subject_id for due in dues}
        plans = {
            plan.pk: plan
            for plan in ExercisePlan.objects.filter(pk__in=plan_ids)
            .select_related("current_version")
            .only("status", "start_date", "end_date", "current_version__items")
        }
        logged = set(
            SessionLog.objects.filter(
                plan_id__in=plan_ids, date__in={due.local_date for due in dues}
            ).values_list("plan_id", "date")
        )
        return [self._verdict(plans.get(due.subject_id), due, logged) for due in dues]

    @staticmethod
    def _verdict(plan: ExercisePlan | None, due: Due, logged: set) -> Skip | None:
        if plan is None:
            return Skip("The exercise plan no longer exists.", final=True)
        if plan.status == ExercisePlan.Status.COMPLETED:
            return Skip("The exercise plan is completed.", final=True)
        if plan.status == ExercisePlan.Status.PAUSED:
            return Skip("The exercise plan is paused.")
        if plan.status != ExercisePlan.Status.ACTIVE or plan.current_version_id is None:
            return Skip("The exercise plan is not published.")
        if plan.start_date and due.local_date < plan.start_date:
            return Skip("The exercise plan has not started yet.")
        if plan.end_date and due.local_date > plan.end_date:
            return Skip("The exercise plan has ended.", final=True)
        if not _due_on(plan, due.local_date):
            return Skip("No exercise is due that day (a rest day).")
        if (plan.pk, due.local_date) in logged:
            return Skip("Today's session is already logged.")
        return None

    def compose(self, *, subject_id: int, local_date: dt.date, first_name: str) -> Content:
        return self.compose_many([Compose(subject_id, local_date, first_name)])[0]

    def compose_many(self, requests: list[Compose]) -> list[Content]:
        plans = (
            ExercisePlan.objects.select_related("current_version")
            .only("start_date", "current_version__items")
            .in_bulk({request.subject_id for request in requests})
        )
        action_path = reverse("portal:home")
        contents = []
        for request in requests:
            plan = plans.get(request.subject_id)
            if plan is None:
                raise ExercisePlan.DoesNotExist(f"No exercise plan {request.subject_id}")
            items = _due_on(plan, request.local_date)
            contents.append(
                Content(
                    subject="Time for today's exercises",
                    intro="Here is today's home exercise session from your physiotherapist.",
                    # the whole dose: the line and the library's note ("never two days in a row")
                    items=[(item["name"], str(whole_dose(item))) for item in items],
                    action_label="Open your exercises",
                    action_path=action_path,
                    sms="Apex Clinic: time for today's exercises.",
                )
            )
        return contents

    def subjects_for_patient(self, *, patient_id: int) -> list[Subject]:
        plans = ExercisePlan.objects.filter(
            patient_id=patient_id, status=ExercisePlan.Status.ACTIVE
        ).values_list("pk", flat=True)
        return [Subject(subject_id=pk, patient_id=patient_id) for pk in plans]

    def describe(self, subject_ids: list[int]) -> dict[int, str]:
        rows = ExercisePlan.objects.filter(pk__in=subject_ids).values_list("pk", "start_date")
        return {
            pk: f"Exercise plan from {start:%-d %b %Y}" if start else "Exercise plan"
            for pk, start in rows
        }


register(ExercisePlanReminders())


def _due_on(plan: ExercisePlan, day: dt.date) -> list[dict]:
    """The items of the plan's published version due on the patient's local `day`."""
    items = plan.current_version.items if plan.current_version else []
    return [item for item in items if is_due(item, plan.start_date, day)]


class UrgentSymptomAlerts(ReminderSource):
    """The email to a therapist when their patient reports an urgent symptom in a session log.

    One schedule per `SymptomReport`, due once, when the report is made; it goes to the
    therapist who prescribed the plan. It says only that one of their patients reported an
    urgent symptom: the name and the symptoms are behind the sign-in.
    """

    name = URGENT_SYMPTOM_SOURCE
    # Reception sees failed messages on its list: the labels say nothing clinical.
    label = "Notices to the therapist"
    recurring = False
    audience = "staff"

    def check(self, dues: list[Due]) -> list[Skip | None]:
        emails = dict(
            SymptomReport.objects.filter(pk__in={due.subject_id for due in dues}).values_list(
                "pk", "plan__created_by__email"
            )
        )
        verdicts: list[Skip | None] = []
        for due in dues:
            if due.subject_id not in emails:
                verdicts.append(Skip("The report no longer exists.", final=True))
            elif not emails[due.subject_id]:
                verdicts.append(Skip("The therapist has no email address.", final=True))
            else:
                verdicts.append(None)
        return verdicts

    def compose(self, *, subject_id: int, local_date: dt.date, first_name: str) -> Content:
        return self.compose_many([Compose(subject_id, local_date, first_name)])[0]

    def compose_many(self, requests: list[Compose]) -> list[Content]:
        therapists = {
            pk: (email, text_id)
            for pk, email, text_id in SymptomReport.objects.filter(
                pk__in={request.subject_id for request in requests}
            ).values_list("pk", "plan__created_by__email", "text_id")
        }
        action_path = reverse("clinic:dashboard")
        return [
            Content(
                subject="A patient reported an urgent symptom",
                greeting="Hello",
                intro=(
                    "One of your patients "
                    + (
                        "sent the clinic a text that mentions an urgent symptom. "
                        if therapists[request.subject_id][1]
                        else "reported an urgent symptom in their exercise log. "
                    )
                    + "Please sign in to see who it is and what they reported."
                ),
                action_label="Open your dashboard",
                action_path=action_path,
                to_email=therapists[request.subject_id][0],
            )
            for request in requests
        ]

    def describe(self, subject_ids: list[int]) -> dict[int, str]:
        return dict.fromkeys(subject_ids, "Notice to the therapist")


register(UrgentSymptomAlerts())


def urgent_text_screen(*, patient, inbound, now: dt.datetime) -> Screened | None:
    """A text that names an urgent symptom: the answer to text back at once, and (for a
    matched patient) the same alert as a portal report. None for anything else."""
    from exercises.texts import symptom_report_from_text

    screening = text_safety.screen(inbound.body)
    if screening.urgency is None:
        return None
    if patient is not None:
        symptom_report_from_text(patient=patient, text=inbound, codes=list(screening.codes))
    return Screened(urgency=screening.urgency, answer=text_safety.ANSWERS[screening.urgency])


register_text_screen("urgent_symptoms", urgent_text_screen)


def plan_reminders_follow(*, plan: ExercisePlan) -> None:
    """Called by the plan services after a plan is published, resumed, held or re-dated.

    An active plan gets its reminder schedule (an ended one is revived, the patient's settings
    kept); a paused, held or completed plan keeps its schedule, and the dispatcher skips its
    reminders (or ends the schedule) by the plan's status when they fall due.
    """
    if plan.status == ExercisePlan.Status.ACTIVE:
        reminder_schedule_ensure(source=SOURCE, subject_id=plan.pk, patient=plan.patient)


CLINIC_MESSAGE_SOURCE = "clinic_message"


class ClinicMessages(ReminderSource):
    """ "You have a new message from the clinic": one schedule per patient, moved to each new
    reply, so replies sent close together make one email. It never says what the reply is."""

    name = CLINIC_MESSAGE_SOURCE
    label = "New messages from your physio"
    recurring = False
    default_times = ()
    send_late = True

    def check(self, dues: list[Due]) -> list[Skip | None]:
        return [None for _ in dues]

    def compose(self, *, subject_id: int, local_date: dt.date, first_name: str) -> Content:
        return Content(
            subject="You have a new message from Apex Clinic",
            intro="You have a new message from the clinic. Please sign in to read it.",
            action_label="Sign in to read it",
            action_path=reverse("portal:home"),
            sms="Apex Clinic: you have a new message from the clinic. Sign in to read it.",
        )

    def describe(self, subject_ids: list[int]) -> dict[int, str]:
        return dict.fromkeys(subject_ids, "New messages from your physio")


register(ClinicMessages())


def clinic_message_announce(*, patient, at: dt.datetime) -> None:
    """Tell the patient a message is waiting, from `at` (or when their quiet hours end)."""
    reminder_schedule_ensure(
        source=CLINIC_MESSAGE_SOURCE, subject_id=patient.pk, patient=patient, once_at=at
    )
