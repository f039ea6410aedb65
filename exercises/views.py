"""Therapist pages: the exercise library and patients' exercise plans (clinical roles only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import audit
from clinic.access import CLINICAL, role_required
from exercises import inbox, progress_services, schedule, selectors, services, suggestions
from exercises.forms import (
    AddItemForm,
    AlertAcknowledgeForm,
    CommentReplyForm,
    ExerciseForm,
    LibraryFilterForm,
    PlanDatesForm,
    PlanResumeForm,
    SessionLogFilterForm,
    plan_dose_forms,
)
from exercises.illustrations import illustration_response
from exercises.ladders import PROGRESSIONS
from exercises.models import AlertAcknowledgement, ExercisePlan, PlanItem
from exercises.progress_selectors import progress_for_plans
from exercises.safety import labels_for
from exercises.suggest import DX_LABELS
from exercises.videos import selectors as video_selectors
from patients.selectors import episode_for_user, patient_for_user

PAGE_SIZE = 25


def _first_error(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Library --------------------------------------------------------------------------


@role_required(*CLINICAL)
@require_GET
def library(request: HttpRequest):
    form = LibraryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    exercises = selectors.exercises_search(
        query=filters.get("q", ""),
        tag=filters.get("tag", ""),
        phase=filters.get("phase", ""),
        include_archived=filters.get("archived", False),
        without_video=filters.get("no_video", False),
    )
    page = Paginator(exercises, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "exercises/library.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@role_required(*CLINICAL)
@require_GET
def exercise_detail(request: HttpRequest, public_id):
    exercise = selectors.exercise_get(public_id=public_id)
    video = video_selectors.video_current(exercise=exercise)
    return render(
        request,
        "exercises/exercise_detail.html",
        {
            "exercise": exercise,
            "video": video,
            "rest_text": schedule.rest_text(exercise.min_rest_days),
        },
    )


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def exercise_create(request: HttpRequest):
    form = ExerciseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        exercise = form.save()
        messages.success(request, f"{exercise.name} is now in the library.")
        return redirect("exercises:exercise_detail", public_id=exercise.public_id)
    return render(request, "exercises/exercise_form.html", {"form": form, "exercise": None})


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def exercise_edit(request: HttpRequest, public_id):
    exercise = selectors.exercise_get(public_id=public_id)
    form = ExerciseForm(request.POST or None, request.FILES or None, instance=exercise)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Exercise saved. Published plans keep the wording they had.")
        return redirect("exercises:exercise_detail", public_id=exercise.public_id)
    return render(request, "exercises/exercise_form.html", {"form": form, "exercise": exercise})


@require_POST
@role_required(*CLINICAL)
def exercise_archive(request: HttpRequest, public_id):
    exercise = selectors.exercise_get(public_id=public_id)
    if request.POST.get("action") == "restore":
        services.exercise_restore(exercise=exercise)
        messages.success(request, f"{exercise.name} is offered for new plans again.")
    else:
        services.exercise_archive(exercise=exercise)
        messages.success(request, f"{exercise.name} is archived: existing plans keep it.")
    return redirect("exercises:exercise_detail", public_id=exercise.public_id)


@role_required(*CLINICAL)
@require_GET
def exercise_illustration(request: HttpRequest, public_id):
    return illustration_response(selectors.exercise_get(public_id=public_id))


# --- Plans ----------------------------------------------------------------------------


def _confirmed_decision(episode):
    """The assessments app's confirmed diagnosis for the episode, or None.

    Imported here so this app does not depend on assessments at import time.
    """
    from assessments.selectors import episode_confirmed_decision

    return episode_confirmed_decision(episode=episode)


@role_required(*CLINICAL)
@require_GET
def episode_plans(request: HttpRequest, episode_id):
    episode = episode_for_user(user=request.user, public_id=episode_id)
    decision = _confirmed_decision(episode)
    plans = (
        selectors.plans_for_user(user=request.user)
        .filter(episode=episode)
        .select_related("current_version", "created_by")
    )
    return render(
        request,
        "exercises/episode_plans.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "plans": plans,
            "decision": decision,
            "dx_label": DX_LABELS.get(decision.final_dx, decision.final_dx) if decision else "",
        },
    )


@require_POST
@role_required(*CLINICAL)
def plan_create(request: HttpRequest, episode_id):
    episode = episode_for_user(user=request.user, public_id=episode_id)
    back = redirect("exercises:episode_plans", episode_id=episode.public_id)
    decision = None
    if request.POST.get("mode") == "suggest":
        decision = _confirmed_decision(episode)
        if decision is None:
            messages.error(
                request, "Confirm a diagnosis for this episode before asking for a plan."
            )
            return back
    suggestion = None
    try:
        if decision is None:
            plan = services.plan_create(episode=episode, user=request.user)
        else:
            plan, suggestion = suggestions.plan_suggest(
                episode=episode,
                user=request.user,
                final_dx=decision.final_dx,
                findings=decision.findings or {},
            )
    except ValidationError as error:
        messages.error(request, _first_error(error))
        return back
    if suggestion is None:
        messages.success(request, "Empty draft plan started: add exercises below.")
        return redirect("exercises:plan_detail", public_id=plan.public_id)
    count = len(suggestion.items)
    if count:
        messages.success(
            request,
            f"Suggested {count} exercise{'s' if count != 1 else ''} for the confirmed diagnosis "
            "and the stage of care; each says why. Check the choice and the doses, then publish.",
        )
    else:
        messages.warning(
            request, "No home exercises are suggested for this diagnosis: add any yourself."
        )
    for note in suggestion.notes:
        messages.info(request, note)
    return redirect("exercises:plan_detail", public_id=plan.public_id)


@role_required(*CLINICAL)
@require_GET
def plan_detail(request: HttpRequest, public_id):
    plan = selectors.plan_for_user(user=request.user, public_id=public_id)
    items = selectors.plan_items(plan=plan)
    return _plan_page(request, plan, items, plan_dose_forms(items))


def _plan_page(request: HttpRequest, plan: ExercisePlan, items, rows, status: int = 200):
    # Queries: plan with patient, episode, version and author (by the caller); items with
    # exercises (by the caller); weekly stats; acknowledged alerts; the add form's exercise
    # choices; versions with publishers; an active plan's recent logs (progress suggestions).
    snapshot = services.plan_snapshot(plan=plan, items=items)
    for item, entry in zip(items, snapshot, strict=True):
        item.days_text = schedule.describe(entry, plan.start_date)  # as saved, not as typed
    adherence = selectors.plan_adherence(plan=plan)
    versions = list(plan.versions.select_related("published_by"))
    _attach_progress(plan, items, versions)
    return render(
        request,
        "exercises/plan_detail.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "rows": rows,
            "dose_errors": [item for item, form in rows if form.errors],
            "add_form": AddItemForm(),
            "dates_form": PlanDatesForm(
                initial={"start_date": plan.start_date, "end_date": plan.end_date}
            ),
            "versions": versions,
            "publish_state": services.plan_publish_state(plan=plan, snapshot=snapshot),
            "progress_blocker": progress_services.progress_blocker(plan),
            "has_ladders": any(item.ladder_step for item in items),
            "adherence": adherence,
            "alerts": selectors.plan_open_alerts(plan=plan, adherence=adherence),
        },
        status=status,
    )


def _attach_progress(plan: ExercisePlan, items, versions) -> None:
    """Each working-copy item's step, neighbours and the logs' suggestion (no query for the
    steps; one for the logs of an active plan)."""
    progress = progress_for_plans(patient=plan.patient, plans=[plan], versions=versions)
    published = {entry.code: entry for entry in progress.get(plan.pk, [])}
    for item in items:
        step = PROGRESSIONS.step(exercise=item.exercise.code, key=item.progression_step)
        item.ladder_step = step
        item.next_ladder_step = PROGRESSIONS.neighbour(step, +1) if step else None
        item.previous_ladder_step = PROGRESSIONS.neighbour(step, -1) if step else None
        entry = published.get(item.exercise.code)
        item.progress = entry if entry and step and entry.step.key == step.key else None


@require_POST
@role_required(*CLINICAL)
def plan_item_progress(request: HttpRequest, public_id, item_id):
    """Progress or regress one item a step and publish at once (the patient sees it now)."""
    plan, item = _plan_and_item(request, public_id, item_id)
    try:
        version = progress_services.plan_item_progress(
            item=item, direction=request.POST.get("direction", ""), user=request.user
        )
    except ValidationError as error:
        messages.error(request, _first_error(error))
    else:
        messages.success(request, f"Version {version.number} published: {version.change_summary}.")
    return redirect("exercises:plan_detail", public_id=plan.public_id)


@role_required(*CLINICAL)
@require_GET
def plan_print(request: HttpRequest, public_id):
    """The published version if there is one, else the draft marked as such."""
    plan = selectors.plan_for_user(user=request.user, public_id=public_id)
    version = plan.current_version
    items = version.items if version else services.plan_snapshot(plan=plan)
    items = schedule.with_days(items, plan.start_date)
    return render(
        request,
        "exercises/plan_print.html",
        {"plan": plan, "patient": plan.patient, "version": version, "items": items},
    )


def _plan_and_item(request, public_id, item_id) -> tuple[ExercisePlan, PlanItem]:
    plan = selectors.plan_for_user(user=request.user, public_id=public_id)
    item = get_object_or_404(
        PlanItem.objects.select_related("exercise"), plan=plan, public_id=item_id
    )
    item.plan = plan
    return plan, item


@require_POST
@role_required(*CLINICAL)
def plan_item_add(request: HttpRequest, public_id):
    plan = selectors.plan_for_user(user=request.user, public_id=public_id)
    form = AddItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an exercise from the library to add.")
    else:
        try:
            item = services.plan_item_add(plan=plan, exercise=form.cleaned_data["exercise"])
            messages.success(request, f"Added {item.exercise.name}.")
        except ValidationError as error:
            messages.error(request, _first_error(error))
    return redirect("exercises:plan_detail", public_id=plan.public_id)


@require_POST
@role_required(*CLINICAL)
def plan_doses(request: HttpRequest, public_id):
    """Save the dose of every item of the plan at once. Nothing is saved while any item is
    wrong: the page comes back with every typed value and the messages next to the fields."""
    plan = selectors.plan_for_user(user=request.user, public_id=public_id)
    items = selectors.plan_items(plan=plan)
    rows = plan_dose_forms(items, request.POST)
    posted = [(item, form) for item, form in rows if form.is_bound]
    if not posted:
        messages.error(request, "No dose was sent: change a dose below and save again.")
        return redirect("exercises:plan_detail", public_id=plan.public_id)
    valid = [form.is_valid() for _item, form in posted]  # every form, for every message
    if not all(valid):
        return _plan_page(request, plan, items, rows, status=400)
    try:
        changed = services.plan_doses_update(
            plan=plan, doses={item: form.cleaned_data for item, form in posted}
        )
    except ValidationError as error:
        messages.error(request, f"Nothing was saved. {_first_error(error)}")
        return _plan_page(request, plan, items, rows, status=400)
    if changed:
        ids = {item.pk for item in changed}
        names = ", ".join(item.exercise.name for item in items if item.pk in ids)
        messages.success(
            request, f"Doses saved for {names}. The patient sees them once you publish."
        )
    else:
        messages.info(request, "No dose was changed.")
    return redirect("exercises:plan_detail", public_id=plan.public_id)


@require_POST
@role_required(*CLINICAL)
def plan_item_move(request: HttpRequest, public_id, item_id):
    plan, item = _plan_and_item(request, public_id, item_id)
    try:
        services.plan_item_move(
            item=item, offset=-1 if request.POST.get("direction") == "up" else 1
        )
    except ValidationError as error:
        messages.error(request, _first_error(error))
    return redirect("exercises:plan_detail", public_id=plan.public_id)


@require_POST
@role_required(*CLINICAL)
def plan_item_remove(request: HttpRequest, public_id, item_id):
    plan, item = _plan_and_item(request, public_id, item_id)
    try:
        services.plan_item_remove(item=item)
        messages.success(request, f"Removed {item.exercise.name} from the draft.")
    except ValidationError as error:
        messages.error(request, _first_error(error))
    return redirect("exercises:plan_detail", public_id=plan.public_id)


@require_POST
@role_required(*CLINICAL)
def plan_publish(request: HttpRequest, public_id):
    plan = selectors.plan_for_user(user=request.user, public_id=public_id)
    previous = plan.current_version_id
    try:
        version = services.plan_publish(plan=plan, user=request.user)
    except ValidationError as error:
        messages.error(request, _first_error(error))
    else:
        if version.pk == previous:
            messages.info(request, "Nothing changed since the last version; the plan is active.")
        else:
            messages.success(
                request, f"Version {version.number} published: the patient sees it now."
            )
    return redirect("exercises:plan_detail", public_id=plan.public_id)


@require_POST
@role_required(*CLINICAL)
def plan_status(request: HttpRequest, public_id):
    plan = selectors.plan_for_user(user=request.user, public_id=public_id)
    action = request.POST.get("action", "")
    if action not in services.STATUS_CHANGES:
        messages.error(request, "Unknown action.")
    else:
        try:
            plan = services.plan_change_status(plan=plan, action=action)
            messages.success(request, f"The plan is now {plan.get_status_display().lower()}.")
        except ValidationError as error:
            messages.error(request, _first_error(error))
    return redirect("exercises:plan_detail", public_id=plan.public_id)


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def plan_resume(request: HttpRequest, public_id):
    """Resume a plan held for a red flag referral: the clinician must give a reason."""
    plan = selectors.plan_for_user(user=request.user, public_id=public_id)
    form = PlanResumeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_resume_after_hold(
                plan=plan, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error("reason" if hasattr(error, "error_dict") else None, error)
        else:
            if plan.status == plan.Status.DRAFT:
                messages.success(request, "The hold is cleared: the draft can be published.")
            else:
                messages.success(request, "The plan is active again and its reminders restart.")
            return redirect("exercises:plan_detail", public_id=plan.public_id)
    return render(
        request,
        "exercises/plan_resume.html",
        {"plan": plan, "patient": plan.patient, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@role_required(*CLINICAL)
def plan_dates(request: HttpRequest, public_id):
    plan = selectors.plan_for_user(user=request.user, public_id=public_id)
    form = PlanDatesForm(request.POST)
    if form.is_valid():
        try:
            services.plan_set_dates(plan=plan, **form.cleaned_data)
            messages.success(request, "Dates saved.")
        except ValidationError as error:
            messages.error(request, _first_error(error))
    else:
        messages.error(request, "Enter dates as day, month and year.")
    return redirect("exercises:plan_detail", public_id=plan.public_id)


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def alert_acknowledge(request: HttpRequest, public_id):
    """Acknowledge one of a plan's alerts with a note of what was done. GET (from the alert's
    "Acknowledge" link) shows the alert and asks for the note; a POST without one comes back
    here with the error next to the field."""
    plan = selectors.plan_for_user(user=request.user, public_id=public_id)
    form = AlertAcknowledgeForm(request.POST if request.method == "POST" else request.GET)
    back = request.POST.get("back") or request.GET.get("back", "")
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            inbox.alert_acknowledge(
                plan=plan,
                kind=kind,
                period=form.cleaned_data["period"],
                user=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error("note" if hasattr(error, "error_dict") else None, error)
        else:
            label = AlertAcknowledgement.Kind(kind).label
            messages.success(request, f"{label} alert for {plan.patient} acknowledged.")
            if back == "plan":
                return redirect("exercises:plan_detail", public_id=plan.public_id)
            return redirect("clinic:dashboard")
    if request.method == "GET":
        form.errors.pop("note", None)  # not asked yet: no complaint about an empty note
    alert = None
    not_found = bool(form.errors.get("kind") or form.errors.get("period"))
    if not not_found:
        alert = selectors.plan_open_alert(
            plan=plan, kind=form.cleaned_data["kind"], period=form.cleaned_data["period"]
        )
    return render(
        request,
        "exercises/alert_acknowledge.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "form": form,
            "alert": alert,
            "label": AlertAcknowledgement.Kind(form.cleaned_data["kind"]).label
            if form.cleaned_data.get("kind")
            else "",
            "back": back,
            "not_found": not_found,
            "ask": alert is not None or request.method == "POST",
        },
        status=400 if request.method == "POST" else 200,
    )


LOG_PAGE_SIZE = 20


@role_required(*CLINICAL)
@require_GET
def patient_logs(request: HttpRequest, patient_id):
    """A patient's session logs with every answer (pain, next morning, pins and needles, new
    symptoms, comment), newest first, optionally between two days (alerts link here).
    Queries: session and user; the patient; the count; one page of logs with plans and episodes.
    """
    patient = patient_for_user(user=request.user, public_id=patient_id)
    form = SessionLogFilterForm(request.GET)
    dates = form.cleaned_data if form.is_valid() else {}
    logs = selectors.session_logs_for_staff(
        user=request.user,
        patient=patient,
        date_from=dates.get("date_from"),
        date_to=dates.get("date_to"),
    )
    page = Paginator(logs, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.symptom_labels = labels_for(entry.new_symptoms)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "exercises/patient_logs.html",
        {"patient": patient, "form": form, "page": page, "query": query.urlencode()},
    )


# --- Patients' comments ---------------------------------------------------------------

INBOX_PAGE_SIZE = 20


def _back(request: HttpRequest, log):
    """Where a comment action returns: the patient page, the inbox or the dashboard."""
    back = request.POST.get("back", "")
    if back == "patient":
        return redirect("patients:detail", public_id=log.patient.public_id)
    if back == "inbox":
        return redirect("exercises:comments_inbox")
    return redirect("clinic:dashboard")


@role_required(*CLINICAL)
@require_GET
def comments_inbox(request: HttpRequest):
    # Queries: session and user; the count; one page of comments with their patients.
    comments = selectors.comments_inbox(user=request.user)
    page = Paginator(comments, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    for log in page:
        audit.note_patient(log.patient, log)
    return render(
        request, "exercises/comments_inbox.html", {"page": page, "reply_form": CommentReplyForm()}
    )


@role_required(*CLINICAL)
@require_POST
def comment_mark_read(request: HttpRequest, public_id):
    log = selectors.comment_for_user(user=request.user, public_id=public_id)
    inbox.comment_mark_read(session_log=log, user=request.user)
    messages.success(request, f"{log.patient}'s comment is marked as read.")
    return _back(request, log)


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def comment_reply(request: HttpRequest, public_id):
    log = selectors.comment_for_user(user=request.user, public_id=public_id)
    form = CommentReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inbox.comment_reply(session_log=log, user=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error)
        else:
            messages.success(
                request, f"Reply sent. {log.patient} is emailed that a message is waiting."
            )
            return _back(request, log)
    return render(
        request,
        "exercises/comment_reply.html",
        {
            "log": log,
            "form": form,
            "replies": list(log.replies.select_related("author")),
            "back": request.POST.get("back") or request.GET.get("back", ""),
        },
    )
