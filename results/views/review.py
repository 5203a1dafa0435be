"""Verification: the queue and the review page (assign, query, confirm)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability

from .. import selectors, services
from ..forms import (
    AssignForm,
    ConfirmForm,
    QueryForm,
)
from ..models import LearnerResult, Stage
from ..query_changes import changes_since_query
from ..services import ResultsRejected
from .common import _course_run
from .entry import _grid_context

# --- verification ---------------------------------------------------------------------------


@capability_required(Capability.VERIFY_RESULTS, ao_only=True)
def verification_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    everyone = request.GET.get("show") == "all"
    queue = selectors.verification_queue(user=request.user, everyone=everyone)
    return render(
        request, "results/verification_queue.html", {"queue": queue, "everyone": everyone}
    )


def _verifier_choices() -> list[tuple[int, str]]:
    verifiers = selectors.active_verifiers().order_by("family_name", "given_name")
    return [(u.pk, u.full_name) for u in verifiers]


@capability_required(Capability.VERIFY_RESULTS, ao_only=True)
def review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The verifier's review page: the results, then query (with a note naming learners),
    confirm, or reassign."""
    course_run = _course_run(request, pk)
    context = _grid_context(request, course_run)
    results = context["results"]
    rows = [item["row"] for item in context["table"]]
    learner_choices = [
        (row.result.pk, row.registration.learner.full_name) for row in rows if row.result
    ]
    held_choices = [
        (row.result.pk, row.registration.learner.full_name)
        for row in rows
        if row.result and row.result.query_open
    ]
    action = request.POST.get("action") if request.method == "POST" else None
    query_form = QueryForm(
        request.POST if action == "query" else None, learner_choices=learner_choices
    )
    confirm_form = ConfirmForm(
        request.POST if action == "confirm" else None, held_choices=held_choices
    )
    assign_form = AssignForm(
        request.POST if action == "assign" else None,
        verifier_choices=_verifier_choices(),
        initial={"verifier": results.verifier_id or request.user.pk},
    )
    try:
        if action == "query" and query_form.is_valid():
            services.course_run_query(
                course_run=course_run,
                note=query_form.cleaned_data["note"],
                learner_result_ids=[int(i) for i in query_form.cleaned_data["learners"]],
                acting_user=request.user,
            )
            messages.success(request, "Query sent to the centre.")
            return redirect("results:verification_queue")
        if action == "confirm" and confirm_form.is_valid():
            services.course_run_confirm(
                course_run=course_run,
                acting_user=request.user,
                hold_back_ids=[int(i) for i in confirm_form.cleaned_data["hold_back"]],
                note=confirm_form.cleaned_data["note"],
            )
            messages.success(request, "Results confirmed; they go to certification.")
            return redirect("results:verification_queue")
        if action == "assign" and assign_form.is_valid():
            verifier = get_object_or_404(User, pk=int(assign_form.cleaned_data["verifier"]))
            services.verifier_assign(
                course_run=course_run, verifier=verifier, acting_user=request.user
            )
            messages.success(request, f"Assigned to {verifier.full_name}.")
            return redirect("results:review", pk=course_run.pk)
    except ResultsRejected as rejected:
        if action == "query":
            query_form.apply_errors(rejected.errors)
        elif action == "confirm":
            confirm_form.apply_errors(rejected.errors)
        else:
            assign_form.apply_errors(rejected.errors)
    if action == "resolve":
        result = get_object_or_404(
            LearnerResult,
            pk=request.POST.get("learner_result", 0),
            registration__course_run=course_run,
        )
        try:
            services.learner_query_resolve(learner_result=result, acting_user=request.user)
        except ResultsRejected as rejected:
            messages.error(request, " ".join(e.message for e in rejected.errors))
        else:
            messages.success(
                request, f"Query resolved for {result.registration.learner.full_name}."
            )
        return redirect("results:review", pk=course_run.pk)
    latest_query = results.queries.order_by("-raised_at", "-pk").first()
    context.update(
        {
            "latest_query": latest_query,
            "changes_since_query": (
                changes_since_query(query=latest_query)
                if latest_query is not None and results.stage == Stage.SUBMITTED
                else None
            ),
            "query_form": query_form,
            "confirm_form": confirm_form,
            "assign_form": assign_form,
            "is_assigned": results.verifier_id == request.user.pk,
            "held_back": [row for row in rows if row.result and row.result.query_open],
        }
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "results/review.html", context, status=status)
