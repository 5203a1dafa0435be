"""Certification: the queue, certifying a course run, and its certificate summary PDF."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability

from .. import reports, selectors, services
from ..services import ResultsRejected
from .common import _course_run, _pdf_response
from .entry import _grid_context

# --- certification --------------------------------------------------------------------------


@capability_required(Capability.CERTIFICATE, ao_only=True)
def certification_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    queue = selectors.certification_queue(user=request.user)
    return render(request, "results/certification_queue.html", {"queue": queue})


@capability_required(Capability.CERTIFICATE, ao_only=True)
def certify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The certification officer checks the confirmed results and approves them."""
    course_run = _course_run(request, pk)
    context = _grid_context(request, course_run)
    problem = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "release":
                issued = services.course_run_certificate_released(
                    course_run=course_run, acting_user=request.user
                )
                results = services.course_run_results_get(course_run=course_run)
                later = results.consignment is not None and results.consignment.is_dispatched
                messages.success(
                    request,
                    f"{len(issued)} certificates issued."
                    + (
                        " The course run has already been dispatched: send them from the "
                        "Dispatch page as late certificates."
                        if later
                        else ""
                    ),
                )
            else:
                services.course_run_certificate(course_run=course_run, acting_user=request.user)
                messages.success(
                    request,
                    f"{course_run.programme_name} is certificated; it is ready to dispatch.",
                )
            return redirect("results:certify", pk=course_run.pk)
        except ResultsRejected as rejected:
            problem = " ".join(e.message for e in rejected.errors)
    released, held_back = services.certification_candidates(
        [item["row"] for item in context["table"]]
    )
    context.update({"problem": problem, "held_back": held_back, "released": released})
    return render(request, "results/certify.html", context, status=400 if problem else 200)


@capability_required(Capability.CERTIFICATE, ao_only=True)
def certificate_summary_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course_run = _course_run(request, pk)
    return _pdf_response(
        reports.certificate_summary_pdf(course_run),
        f"certificate-summary-course-run-{course_run.pk}.pdf",
    )
