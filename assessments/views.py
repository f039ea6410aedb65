"""Assessment pages: record, finalise, amend, and confirm or override the suggestion.

Clinical roles only. The engine runs at render from the saved findings, so the suggestion
always matches what is stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import referrals, selectors, services
from assessments.decision_rules import decision_applies
from assessments.diagnosis.result import INDETERMINATE
from assessments.diagnosis.schema import FIELDS
from assessments.explain import comparison, current_explanation, decision_flags, explain
from assessments.forms import (
    AmendForm,
    DecisionForm,
    FindingsForm,
    ReferralOutcomeForm,
    WorkingDiagnosisForm,
)
from assessments.models import Assessment
from assessments.page_selectors import assessment_page_for_user
from assessments.rescreen import rescreen_rows, rescreen_summary
from assessments.templatetags.blank_forms import BlankForm
from assessments.trend_chart import trends
from clinic.access import CLINICAL, role_required
from exercises import selectors as exercise_selectors
from exercises import services as exercise_services
from patients.selectors import episode_for_user
from running import selectors as running_selectors
from running import services as running_services


def _action_finalises(request: HttpRequest) -> bool:
    return request.POST.get("action") == "finalise"


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest, episode_id):
    episode = episode_for_user(user=request.user, public_id=episode_id)
    kind = request.GET.get("kind", request.POST.get("kind", Assessment.Kind.INTAKE))
    if kind not in Assessment.Kind.values:
        kind = Assessment.Kind.INTAKE
    prefill, source, last_visit = {}, "", None
    if kind == Assessment.Kind.INTAKE:
        prefill, source = selectors.intake_prefill(episode=episode)
    else:
        last_visit = selectors.assessment_last_visit(episode=episode)
    finalising = request.method == "POST" and _action_finalises(request)
    form = FindingsForm(
        request.POST or None,
        kind=kind,
        finalising=finalising,
        initial=prefill,
        last_visit=last_visit,
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_create(
                episode=episode,
                therapist=request.user,
                kind=kind,
                findings=form.findings(),
                prefilled_from=source,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if finalising:
                services.assessment_finalise(assessment=assessment, by=request.user)
                messages.success(request, "The assessment is saved and final.")
            else:
                messages.success(request, "Draft saved.")
            return redirect("assessments:detail", public_id=assessment.public_id)
    return render(
        request,
        "assessments/assessment_form.html",
        {
            "form": form,
            "episode": episode,
            "patient": episode.patient,
            "kind": kind,
            "assessment": None,
            "prefilled_from": source,
        },
    )


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, public_id):
    assessment = selectors.assessment_for_user(user=request.user, public_id=public_id)
    if assessment.is_final:
        messages.error(
            request, "A final assessment cannot be edited. Amend it to record a new version."
        )
        return redirect("assessments:detail", public_id=assessment.public_id)
    finalising = request.method == "POST" and _action_finalises(request)
    initial = {name: getattr(assessment, name) for name in FIELDS}
    last_visit = None
    if assessment.kind == Assessment.Kind.FOLLOW_UP:
        last_visit = selectors.assessment_last_visit(
            episode=assessment.episode, assessment=assessment
        )
    form = FindingsForm(
        request.POST or None,
        kind=assessment.kind,
        finalising=finalising,
        initial=initial,
        last_visit=last_visit,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_save_draft(assessment=assessment, findings=form.findings())
            if finalising:
                services.assessment_finalise(assessment=assessment, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        except services.AssessmentLockedError as error:
            messages.error(request, str(error))
            return redirect("assessments:detail", public_id=assessment.public_id)
        else:
            messages.success(
                request, "The assessment is saved and final." if finalising else "Draft saved."
            )
            return redirect("assessments:detail", public_id=assessment.public_id)
    return render(
        request,
        "assessments/assessment_form.html",
        {
            "form": form,
            "episode": assessment.episode,
            "patient": assessment.episode.patient,
            "kind": assessment.kind,
            "assessment": assessment,
            "prefilled_from": assessment.prefilled_from,
        },
    )


def _detail_context(
    assessment: Assessment, decision_form=None, current=None, working_form=None
) -> dict:
    """`current` is the explanation under the current rules when the caller already has it
    (a posted decision), so one request runs the engine once for them."""
    decisions = selectors.assessment_decisions(assessment=assessment)
    working_diagnoses = selectors.episode_working_diagnoses(episode=assessment.episode)
    explanation = None
    findings = assessment.findings()
    if current is None:
        current = current_explanation(assessment.engine_result, findings)
    # A follow-up shows a suggestion only when its re-screen finds a red flag (or one was
    # decided on it); otherwise the episode's diagnosis stands.
    applies = decision_applies(kind=assessment.kind, result=current.result)
    if decisions or applies:
        # A decided assessment shows the suggestion as the rules of its decision made it (an
        # assessment decided under 1.1 says 1.1); a new decision always uses the current rules.
        explanation = current
        if decisions and decisions[0].model_version != current.result.rules_version:
            explanation = explain(findings, decisions[0].model_version)
        if decision_form is None and assessment.is_final and applies:
            decision_form = BlankForm(
                DecisionForm,
                (current.suggested_dx, current.is_red_flag),  # all its markup depends on
                result=current.result,
            )
    # While the suggestion is indeterminate and nothing is confirmed, the clinician may record
    # what they work on meanwhile and the test that will decide it.
    superseded_by = getattr(assessment, "superseded_by", None)
    if (
        working_form is None
        and applies
        and assessment.is_final
        and superseded_by is None
        and not decisions
        and current.result.label == INDETERMINATE
    ):
        working_form = BlankForm(WorkingDiagnosisForm)
    baseline = last_visit = None
    rescreen = []
    if assessment.kind == Assessment.Kind.FOLLOW_UP:
        baseline = selectors.assessment_baseline(assessment=assessment)
        last_visit = selectors.assessment_last_visit(
            episode=assessment.episode, assessment=assessment
        )
        rescreen = rescreen_rows(selectors.rescreened_answers(last_visit), findings)
    return {
        "current": current if explanation is not None and explanation is not current else None,
        "decision_flags": (
            decision_flags(decisions[0].score_snapshot, decisions[0].model_version)
            if decisions
            else None
        ),
        "assessment": assessment,
        "episode": assessment.episode,
        "patient": assessment.episode.patient,
        "explanation": explanation,
        "decision_form": decision_form,
        "decision": decisions[0] if decisions else None,
        "earlier_decisions": decisions[1:],
        "baseline": baseline,
        "comparison": comparison(assessment, baseline),
        "last_visit": last_visit,
        "rescreen": rescreen,
        "rescreen_summary": rescreen_summary(rescreen) if last_visit else "",
        "superseded_by": superseded_by,
        "amend_form": (
            BlankForm(AmendForm) if assessment.is_final and superseded_by is None else None
        ),
        "working_diagnoses": working_diagnoses,
        "working_form": working_form,
    }


def _detail(
    request: HttpRequest,
    assessment: Assessment,
    decision_form=None,
    status=200,
    current=None,
    working_form=None,
):
    """The page, with a decision form's (or a working diagnosis form's) errors when one was
    posted."""
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "assessment": assessment,
            "patient": assessment.episode.patient,
            **_detail_context(assessment, decision_form, current, working_form),
        },
        status=status,
    )


@role_required(*CLINICAL)
@require_GET
def assessment_detail(request: HttpRequest, public_id):
    assessment = assessment_page_for_user(user=request.user, public_id=public_id)
    return _detail(request, assessment)


@role_required(*CLINICAL)
@require_POST
def assessment_amend(request: HttpRequest, public_id):
    assessment = selectors.assessment_for_user(user=request.user, public_id=public_id)
    form = AmendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for the amendment.")
        return redirect("assessments:detail", public_id=assessment.public_id)
    try:
        amendment = services.assessment_amend(
            assessment=assessment, by=request.user, reason=form.cleaned_data["reason"]
        )
    except services.AssessmentLockedError as error:
        messages.error(request, str(error))
        return redirect("assessments:detail", public_id=assessment.public_id)
    messages.success(
        request,
        f"Version {amendment.version} started. Version {assessment.version} stays on record.",
    )
    return redirect("assessments:edit", public_id=amendment.public_id)


@role_required(*CLINICAL)
@require_POST
def decision_create(request: HttpRequest, public_id):
    assessment = selectors.assessment_for_user(user=request.user, public_id=public_id)
    if not assessment.is_final:
        messages.error(request, "Finalise the assessment before confirming a diagnosis.")
        return redirect("assessments:detail", public_id=assessment.public_id)
    explanation = explain(assessment.findings())
    if not decision_applies(kind=assessment.kind, result=explanation.result):
        messages.error(request, services.NO_FOLLOW_UP_DECISION)
        return redirect("assessments:detail", public_id=assessment.public_id)
    form = DecisionForm(request.POST, result=explanation.result)
    if form.is_valid():
        try:
            with transaction.atomic():
                decision = services.decision_record(
                    assessment=assessment,
                    by=request.user,
                    result=explanation.result,
                    final_dx=form.cleaned_data["clinician_final_dx"],
                    other_dx_text=form.cleaned_data.get("other_dx_text", ""),
                    override_reason=form.cleaned_data.get("override_reason", ""),
                    red_flag_override_confirmed=form.cleaned_data.get(
                        "confirm_red_flag_override", False
                    ),
                )
                # SPEC 3.9b, 26: a confirmed referral holds the home exercises and reminders,
                # and the return-to-run programme.
                held = []
                if decision.clinician_final_dx == "red_flag_referral":
                    held = exercise_services.plans_hold_for_red_flag(
                        patient=assessment.episode.patient, by=request.user
                    ) + running_services.programmes_hold_for_red_flag(
                        patient=assessment.episode.patient, by=request.user
                    )
        except ValidationError as error:
            form.add_error(None, error)
        except services.AssessmentLockedError as error:
            messages.error(request, str(error))
            return redirect("assessments:detail", public_id=assessment.public_id)
        else:
            verb = "overridden" if decision.is_override else "confirmed"
            messages.success(
                request, f"Diagnosis {verb}: {decision.get_clinician_final_dx_display()}."
            )
            if held:
                messages.info(
                    request,
                    "The patient's running programme, home exercise plans and their "
                    "reminders are on hold until a clinician lifts the hold with a reason.",
                )
            return redirect("assessments:detail", public_id=assessment.public_id)
    return _detail(request, assessment, decision_form=form, status=400, current=explanation)


@role_required(*CLINICAL)
@require_POST
def working_diagnosis_create(request: HttpRequest, public_id):
    """Record a working diagnosis and its deciding test on an indeterminate suggestion."""
    assessment = selectors.assessment_for_user(user=request.user, public_id=public_id)
    explanation = explain(assessment.findings())
    if explanation.result.label != INDETERMINATE:
        messages.error(request, services.NOT_INDETERMINATE)
        return redirect("assessments:detail", public_id=assessment.public_id)
    form = WorkingDiagnosisForm(request.POST)
    if form.is_valid():
        try:
            working = services.working_diagnosis_record(
                assessment=assessment,
                by=request.user,
                result=explanation.result,
                **form.cleaned_data,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, " ".join(error.messages))
                return redirect("assessments:detail", public_id=assessment.public_id)
            form.add_error(None, error)
        except services.AssessmentLockedError as error:
            messages.error(request, str(error))
            return redirect("assessments:detail", public_id=assessment.public_id)
        else:
            messages.success(
                request,
                f"Working diagnosis recorded: {working.label}. It stays a working diagnosis "
                "until you confirm one; the patient does not see it.",
            )
            return redirect("assessments:detail", public_id=assessment.public_id)
    return _detail(request, assessment, status=400, current=explanation, working_form=form)


@role_required(*CLINICAL)
@require_GET
def episode_trends(request: HttpRequest, episode_id):
    """Each measure across the episode's visits: a chart and a table with the change readings."""
    episode = episode_for_user(user=request.user, public_id=episode_id)
    return render(
        request,
        "assessments/episode_trends.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "trends": trends(selectors.episode_trend_series(episode=episode)),
            "working_diagnoses": selectors.episode_working_diagnoses(episode=episode),
            "decision": selectors.episode_confirmed_decision(episode=episode),
        },
    )


REFERRALS_PAGE_SIZE = 25


@role_required(*CLINICAL)
@require_GET
def referrals_open(request: HttpRequest):
    """Every open red-flag referral of the user's patients, oldest first (SPEC 3.9b, 26)."""
    # Queries: session and user; the count; one page of referrals with their patients; the
    # audit trail's insert for the patients shown.
    page = Paginator(referrals.open_referrals(user=request.user), REFERRALS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "assessments/referrals.html",
        {"page": page, "rows": referrals.referral_rows(page)},
    )


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def referral_outcome(request: HttpRequest, public_id):
    """A referral, its outcomes so far, and the form to record the next one."""
    decision = referrals.referral_for_user(user=request.user, public_id=public_id)
    patient = decision.episode.patient
    first, last = services.referral_outcome_dates(decision)
    form = ReferralOutcomeForm(
        request.POST or None, first=first, last=last, initial={"seen_on": last}
    )
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.referral_outcome_record(
                decision=decision, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if outcome.closes_referral:
                messages.success(request, f"Outcome recorded. {patient}'s referral is closed.")
            else:
                messages.success(request, f"Outcome recorded. {patient}'s referral stays open.")
            return redirect("assessments:referral", public_id=decision.public_id)
    outcomes = list(decision.referral_outcomes.all())
    newest = outcomes[0] if outcomes else None
    return render(
        request,
        "assessments/referral.html",
        {
            "decision": decision,
            "patient": patient,
            "row": referrals.referral_rows([decision])[0],
            "outcomes": outcomes,
            "is_open": newest is None or not newest.closes_referral,
            "cleared": newest is not None and newest.cleared_to_resume == "yes",
            "flags": decision_flags(decision.score_snapshot, decision.model_version),
            "held_plans": exercise_selectors.plans_on_hold_for_patient(patient=patient),
            "held_programmes": running_selectors.programmes_on_hold_for_patient(patient=patient),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
