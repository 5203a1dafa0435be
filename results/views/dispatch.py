"""Dispatch (R-CRT-4): consignments, their pages and PDFs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from awards_portal.query_parameters import query_id
from providers.selectors import providers_visible_to

from .. import reports, selectors, services
from ..forms import (
    DispatchForm,
)
from ..services import ResultsRejected
from .common import _course_run, _pdf_response

# --- dispatch (R-CRT-4) ---------------------------------------------------------------------


@capability_required(Capability.CERTIFICATE, ao_only=True)
def dispatch(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Certificated course runs by centre, and the late certificates of course runs already
    dispatched (learners held back by a query, certificated since): choose those to send
    together as a consignment."""
    candidates = list(selectors.dispatch_candidates(user=request.user))
    late_candidates = list(selectors.late_dispatch_candidates(user=request.user))
    problem = ""
    if request.method == "POST":
        provider = get_object_or_404(
            providers_visible_to(user=request.user), pk=request.POST.get("provider", 0)
        )
        chosen_ids = {i for i in map(query_id, request.POST.getlist("course_runs")) if i}
        chosen = [c.course_run for c in candidates if c.course_run_id in chosen_ids]
        late_ids = {i for i in map(query_id, request.POST.getlist("late_course_runs")) if i}
        chosen_late = [c.course_run for c in late_candidates if c.course_run_id in late_ids]
        try:
            consignment = services.consignment_create(
                provider=provider,
                course_runs=chosen,
                late_course_runs=chosen_late,
                acting_user=request.user,
            )
        except ResultsRejected as rejected:
            problem = " ".join(e.message for e in rejected.errors)
        else:
            messages.success(request, f"Consignment {consignment.pk} prepared.")
            return redirect("results:consignment", pk=consignment.pk)
    groups: dict[int, dict[str, Any]] = {}
    for candidate in candidates:
        provider = candidate.course_run.provider
        group = groups.setdefault(provider.pk, {"provider": provider, "runs": [], "late": []})
        group["runs"].append(candidate)
    for candidate in late_candidates:
        provider = candidate.course_run.provider
        group = groups.setdefault(provider.pk, {"provider": provider, "runs": [], "late": []})
        group["late"].append(
            {
                "results": candidate,
                "learners": list(
                    selectors.late_learner_results_for(course_run=candidate.course_run)
                ),
            }
        )
    consignments = selectors.consignments_visible_to(user=request.user)[:20]
    return render(
        request,
        "results/dispatch.html",
        {"groups": list(groups.values()), "problem": problem, "consignments": consignments},
        status=400 if problem else 200,
    )


@capability_required(Capability.CERTIFICATE, ao_only=True)
def consignment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consignment = get_object_or_404(selectors.consignments_visible_to(user=request.user), pk=pk)
    form = DispatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consignment_dispatch(
                consignment=consignment,
                carrier=form.cleaned_data["carrier"],
                tracking_reference=form.cleaned_data["tracking_reference"],
                dispatched_on=form.cleaned_data["dispatched_on"],
                acting_user=request.user,
            )
        except ResultsRejected as rejected:
            form.apply_errors(rejected.errors)
        else:
            messages.success(request, f"Consignment {consignment.pk} dispatched.")
            return redirect("results:consignment", pk=consignment.pk)
    consignment.refresh_from_db()
    members = consignment.course_run_results.select_related("course_run__qualification").order_by(
        "course_run__programme_name"
    )
    late = [
        {"late": group, "learners": list(group.learner_results())}
        for group in consignment.late_certificates.select_related(
            "results__course_run__qualification"
        ).order_by("results__course_run__programme_name", "pk")
    ]
    return render(
        request,
        "results/consignment.html",
        {"consignment": consignment, "members": members, "late": late, "form": form},
        status=400 if form.errors else 200,
    )


@capability_required(Capability.CERTIFICATE, ao_only=True)
def consignment_certificate_summary_pdf(
    request: AuthenticatedHttpRequest, pk: int, course_run_pk: int
) -> HttpResponse:
    """The Certificate Summary of one course run in one consignment: exactly the certificates
    that consignment carries (only the late ones, in a later consignment)."""
    consignment = get_object_or_404(selectors.consignments_visible_to(user=request.user), pk=pk)
    course_run = _course_run(request, course_run_pk)
    is_member = consignment.course_run_results.filter(course_run=course_run).exists()
    is_late = consignment.late_certificates.filter(results__course_run=course_run).exists()
    if not (is_member or is_late):
        raise Http404("That course run is not in this consignment.")
    return _pdf_response(
        reports.certificate_summary_pdf(course_run, consignment, late=is_late),
        f"certificate-summary-consignment-{consignment.pk}-course-run-{course_run.pk}.pdf",
    )


@capability_required(Capability.CERTIFICATE, ao_only=True)
def certification_report_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consignment = get_object_or_404(selectors.consignments_visible_to(user=request.user), pk=pk)
    return _pdf_response(
        reports.certification_report_pdf(consignment),
        f"certification-report-consignment-{consignment.pk}.pdf",
    )
