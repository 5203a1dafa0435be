"""The sandpit's pages for event data challenges and its LearnerServiceR9 endpoint."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .challenge_forms import RaiseChallengeForm
from .challenges import (
    ChallengeRefused,
    challenges_for_page,
    data_challenge_raise,
    events_to_challenge,
    learner_service_r9,
    server_fault,
)
from .soap_endpoint import soap_endpoint_response


@csrf_exempt
def learner_service_r9_endpoint(request: HttpRequest) -> HttpResponse:
    """LearnerServiceR9.svc: event data challenges."""
    return soap_endpoint_response(
        request,
        service_name="LearnerServiceR9",
        service=lambda message, content_type, action: learner_service_r9(
            message, content_type=content_type, soap_action_header=action
        ),
        server_fault=server_fault,
    )


@login_required
@require_http_methods(["GET", "POST"])
def challenges(request: HttpRequest) -> HttpResponse:
    """Raise a challenge against an AO's achievement, as a provider or learner would; and every
    challenge raised, with where it stands."""
    form = RaiseChallengeForm(request.POST or None, events=events_to_challenge())
    if request.method == "POST" and form.is_valid():
        try:
            raised = data_challenge_raise(challenge=form.challenge())
        except ChallengeRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.text)
        else:
            messages.success(
                request, f"Data challenge {raised.reference} raised with the awarding organisation."
            )
            return redirect("lrs_sandpit:challenges")
    return render(
        request,
        "lrs_sandpit/challenges/challenges.html",
        {"form": form, "challenges": challenges_for_page()},
    )
