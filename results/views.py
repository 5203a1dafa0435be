"""Pages for results: entry grid and CSV import, submission, verification, certification,
dispatch, receipt, the administration page and the Certificate Receipt Pending report.

Every object page looks its course run up through the scoped selector first, so another
provider's course run is a 404 whatever the user's roles (R-ACC-6)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability, Role
from audit.services import audit_record
from awards_portal.csv_download import csv_streaming_response
from awards_portal.query_parameters import query_id
from providers.selectors import providers_visible_to
from qualifications.selectors import rules_of_combination_for
from registrations.models import CourseRun
from registrations.selectors import course_runs_visible_to

from . import reports, selectors, services
from .forms import (
    AssignForm,
    ConfirmForm,
    DispatchForm,
    QueryForm,
    ReceiptForm,
    ResultsImportForm,
    grid_input_from_post,
    grid_values_from_rows,
)
from .models import LearnerResult, ResultsImport, Stage
from .retention import assessment_record_kept_until
from .services import ResultsRejected
from .validators import CSV_COLUMNS, grid_field


def _course_run(request: AuthenticatedHttpRequest, pk: int) -> CourseRun:
    return get_object_or_404(course_runs_visible_to(user=request.user), pk=pk)


def _error_list(errors: list[Any]) -> list[dict[str, str]]:
    return [{"field": e.field, "message": e.message} for e in errors]


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _grid_context(
    request: AuthenticatedHttpRequest,
    course_run: CourseRun,
    *,
    values: dict[str, str] | None = None,
    errors: list[Any] | None = None,
) -> dict[str, Any]:
    results = services.course_run_results_get(course_run=course_run)
    grid = selectors.results_grid_for(course_run=course_run)
    rows = selectors.learner_outcomes_for(course_run=course_run)
    values = values if values is not None else grid_values_from_rows(rows, grid)
    errors = errors or []
    errors_by_field: dict[str, list[str]] = {}
    for error in errors:
        errors_by_field.setdefault(error.field, []).append(error.message)
    user = request.user
    editable = results.is_editable and user.is_provider_user and user.can(Capability.ENTER_RESULTS)
    table = []
    for row in rows:
        rid = row.registration.pk
        cells = []
        for column in grid.units:
            name = grid_field("grade", rid, column.unit_id)
            chosen = values.get(name, "")
            label = next((g.label for g in column.grades if str(g.pk) == chosen), "")
            cells.append(
                {
                    "name": name,
                    "column": column,
                    "value": chosen,
                    "label": label,
                    "errors": errors_by_field.get(name, []),
                }
            )
        texts = []
        for attribute, label in (
            ("assessor_name", "Assessor"),
            ("internal_verifier_name", "Internal verifier"),
            ("decision_reason", "Assessment decision reason"),
        ):
            name = grid_field(attribute, rid)
            texts.append(
                {
                    "name": name,
                    "label": label,
                    "value": values.get(name, ""),
                    "errors": errors_by_field.get(name, []),
                }
            )
        table.append(
            {
                "row": row,
                "cells": cells,
                "texts": texts,
                "not_claiming_name": grid_field("not_claiming", rid),
                "not_claiming": bool(values.get(grid_field("not_claiming", rid))),
                "row_errors": errors_by_field.get(grid_field("grade", rid), []),
            }
        )
    rules = rules_of_combination_for(qualification=course_run.qualification)
    return {
        "course_run": course_run,
        "results": results,
        "grid": grid,
        "table": table,
        "editable": editable,
        "errors": _error_list(errors),
        "history": results.history.select_related("actor"),
        "late_certificates": selectors.late_certificates_of(course_run=course_run),
        "queries": results.queries.prefetch_related("learners__registration__learner"),
        "rules": rules,
        "rules_json": {
            "mandatory": sorted(rules.mandatory_units),
            "optional": sorted(rules.optional_units),
            "credits": dict(rules.unit_credits),
            "minimum": rules.minimum_credits,
            "units": {
                str(c.unit_id): {
                    "reference": c.reference,
                    "passes": [g.pk for g in c.grades if g.is_pass],
                }
                for c in grid.units
            },
        },
    }


@capability_required(Capability.VIEW_LEARNERS)
def course_run_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The course run's results: the grid (editable by the centre while Draft or Queried), each
    learner's outcome, queries and the stage history."""
    course_run = _course_run(request, pk)
    if request.method == "POST":
        if not (request.user.is_provider_user and request.user.can(Capability.ENTER_RESULTS)):
            raise PermissionDenied
        grid = selectors.results_grid_for(course_run=course_run)
        rows = selectors.learner_outcomes_for(course_run=course_run)
        parsed = grid_input_from_post(request.POST, rows, grid)
        errors = list(parsed.errors)
        if not errors:
            try:
                changed = services.results_draft_save(
                    course_run=course_run, entries=parsed.entries, acting_user=request.user
                )
            except ResultsRejected as rejected:
                errors = rejected.errors
            else:
                messages.success(
                    request,
                    f"Draft saved ({changed} learner{'s' if changed != 1 else ''} changed).",
                )
                if request.POST.get("action") == "review":
                    return redirect("results:submit", pk=course_run.pk)
                return redirect("results:course_run", pk=course_run.pk)
        context = _grid_context(request, course_run, values=parsed.values, errors=errors)
        return render(request, "results/course_run.html", context, status=400)
    services.results_viewed(acting_user=request.user, course_run=course_run, page="results")
    return render(request, "results/course_run.html", _grid_context(request, course_run))


@capability_required(Capability.ENTER_RESULTS)
def submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The summary of what will be claimed, then Submit (R-RES-1)."""
    course_run = _course_run(request, pk)
    if request.user.is_ao_staff:
        raise PermissionDenied
    results = services.course_run_results_get(course_run=course_run)
    rows = selectors.learner_outcomes_for(course_run=course_run)
    problems = services.submission_check(course_run=course_run)
    if request.method == "POST":
        try:
            services.course_run_submit(course_run=course_run, acting_user=request.user)
        except ResultsRejected as rejected:
            problems = rejected.errors
        else:
            messages.success(
                request,
                f"Results for {course_run.programme_name} are submitted to the verifier.",
            )
            return redirect("results:course_run", pk=course_run.pk)
    claims = {
        "qualification": [r for r in rows if r.outcome.qualification_achieved],
        "units": [r for r in rows if r.outcome.claims_units_only],
        "none": [
            r
            for r in rows
            if not r.outcome.not_claiming
            and not r.outcome.qualification_achieved
            and not r.outcome.claims_units_only
        ],
        "not_claiming": [r for r in rows if r.outcome.not_claiming],
    }
    return render(
        request,
        "results/submit.html",
        {
            "course_run": course_run,
            "results": results,
            "rows": rows,
            "claims": claims,
            "problems": problems,
            "can_submit": results.stage in (Stage.DRAFT, Stage.QUERIED) and not problems,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- CSV import ----------------------------------------------------------------------------


@capability_required(Capability.ENTER_RESULTS)
def import_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course_run = _course_run(request, pk)
    if request.user.is_ao_staff:
        raise PermissionDenied
    form = ResultsImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.results_import_validate(
                course_run=course_run,
                filename=upload.name,
                raw=upload.read(),
                delimiter=form.cleaned_data["delimiter"],
                acting_user=request.user,
            )
        except ResultsRejected as rejected:
            for error in rejected.errors:
                form.add_error(
                    "file" if error.field not in form.fields else error.field, error.message
                )
        else:
            return redirect("results:import_detail", pk=job.pk)
    return render(
        request,
        "results/import_start.html",
        {"course_run": course_run, "form": form, "columns": CSV_COLUMNS},
    )


@capability_required(Capability.ENTER_RESULTS)
def import_sample(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """A sample file for this course run: its learners and units, grades left to fill in."""
    course_run = _course_run(request, pk)
    grid = selectors.results_grid_for(course_run=course_run)
    rows = selectors.learner_outcomes_for(course_run=course_run)
    sample = [
        [
            row.registration.registration_number or "",
            row.registration.learner.uln,
            column.reference,
            "",
            "",
            "",
            "",
            "No",
        ]
        for row in rows
        for column in grid.units
    ]
    return csv_streaming_response(
        filename=f"results-course-run-{course_run.pk}.csv", header=CSV_COLUMNS, rows=sample
    )


def _import(request: AuthenticatedHttpRequest, pk: int) -> ResultsImport:
    return get_object_or_404(selectors.imports_visible_to(user=request.user), pk=pk)


@capability_required(Capability.ENTER_RESULTS)
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The validation report: how many rows can be uploaded and every error; Upload or Cancel."""
    job = _import(request, pk)
    problem = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "upload":
                changed = services.results_import_upload(job=job, acting_user=request.user)
                messages.success(
                    request,
                    f"Uploaded {job.accepted_count} rows: results of {changed} learners changed.",
                )
                return redirect("results:course_run", pk=job.course_run_id)
            if action == "cancel":
                services.results_import_cancel(job=job, acting_user=request.user)
                messages.info(request, "Import cancelled; nothing was changed.")
                return redirect("results:course_run", pk=job.course_run_id)
        except ResultsRejected as rejected:
            problem = " ".join(e.message for e in rejected.errors)
    return render(
        request,
        "results/import_detail.html",
        {"job": job, "course_run": job.course_run, "problem": problem},
    )


@capability_required(Capability.ENTER_RESULTS)
def import_errors(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    job = _import(request, pk)
    return csv_streaming_response(
        filename=f"results-import-{job.pk}-errors.csv",
        header=("Row", "Column", "Value", "Reason"),
        rows=([e["row"], e["column"], e["value"], e["reason"]] for e in job.errors),
    )


# --- verification ---------------------------------------------------------------------------


@capability_required(Capability.VERIFY_RESULTS, ao_only=True)
def verification_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    everyone = request.GET.get("show") == "all"
    queue = selectors.verification_queue(user=request.user, everyone=everyone)
    return render(
        request, "results/verification_queue.html", {"queue": queue, "everyone": everyone}
    )


def _verifier_choices() -> list[tuple[int, str]]:
    verifiers = User.objects.filter(
        organisation__kind="ao", status=User.Status.ACTIVE, roles__contains=[Role.VERIFIER]
    ).order_by("family_name", "given_name")
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
    context.update(
        {
            "query_form": query_form,
            "confirm_form": confirm_form,
            "assign_form": assign_form,
            "is_assigned": results.verifier_id == request.user.pk,
            "held_back": [row for row in rows if row.result and row.result.query_open],
        }
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "results/review.html", context, status=status)


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
    rows = [item["row"] for item in context["table"]]
    context.update(
        {
            "problem": problem,
            "held_back": [r for r in rows if r.result and r.result.query_open],
            "released": [
                r
                for r in rows
                if r.result
                and not r.result.query_open
                and not r.result.not_claiming
                and r.result.results_issued_date is None
                and r.outcome.has_results
            ],
        }
    )
    return render(request, "results/certify.html", context, status=400 if problem else 200)


@capability_required(Capability.CERTIFICATE, ao_only=True)
def certificate_summary_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course_run = _course_run(request, pk)
    return _pdf_response(
        reports.certificate_summary_pdf(course_run),
        f"certificate-summary-course-run-{course_run.pk}.pdf",
    )


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


# --- receipt (R-CRT-5) ----------------------------------------------------------------------


@capability_required(Capability.CONFIRM_RECEIPT)
def receipt(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Manage → CRF Received: the date the certificates arrived and an optional note."""
    course_run = _course_run(request, pk)
    if request.user.is_ao_staff:
        raise PermissionDenied
    results = services.course_run_results_get(course_run=course_run)
    form = ReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_run_receipt_confirm(
                course_run=course_run,
                received_date=form.cleaned_data["received_date"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except ResultsRejected as rejected:
            form.apply_errors(rejected.errors)
            if any(e.field == "stage" for e in rejected.errors):
                form.add_error(None, next(e.message for e in rejected.errors if e.field == "stage"))
        else:
            messages.success(request, "Receipt confirmed (CRF Received). Thank you.")
            return redirect("results:course_run", pk=course_run.pk)
    deadline = (
        services.receipt_deadline(results.consignment.dispatched_on)
        if results.consignment and results.consignment.dispatched_on
        else None
    )
    return render(
        request,
        "results/receipt.html",
        {
            "course_run": course_run,
            "results": results,
            "form": form,
            "deadline": deadline,
            "late_certificates": selectors.late_certificates_of(course_run=course_run),
        },
        status=400 if form.errors else 200,
    )


@capability_required(Capability.CONFIRM_RECEIPT)
def late_receipt(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """CRF Received for late certificates: learners held back by a query whose certificates
    were sent in a later consignment (R-CRT-4, R-CRT-5)."""
    late = get_object_or_404(selectors.late_certificates_visible_to(user=request.user), pk=pk)
    if request.user.is_ao_staff:
        raise PermissionDenied
    course_run = late.results.course_run
    form = ReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.late_certificates_receipt_confirm(
                late=late,
                received_date=form.cleaned_data["received_date"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except ResultsRejected as rejected:
            form.apply_errors(rejected.errors)
            if any(e.field == "stage" for e in rejected.errors):
                form.add_error(None, next(e.message for e in rejected.errors if e.field == "stage"))
        else:
            messages.success(
                request, "Receipt of the late certificates confirmed (CRF Received). Thank you."
            )
            return redirect("results:course_run", pk=course_run.pk)
    late.refresh_from_db()
    dispatched_on = late.consignment.dispatched_on
    return render(
        request,
        "results/late_receipt.html",
        {
            "course_run": course_run,
            "results": late.results,
            "late": late,
            "learners": list(late.learner_results()),
            "form": form,
            "deadline": services.receipt_deadline(dispatched_on) if dispatched_on else None,
        },
        status=400 if form.errors else 200,
    )


# --- administration and reports ---------------------------------------------------------------


@capability_required(Capability.VIEW_LEARNERS)
def administration(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every course run's stage at a glance, with counts and a chart of results by stage."""
    course_runs = list(selectors.course_runs_with_stage(user=request.user)[:1000])
    counts = selectors.stage_counts(course_runs)
    biggest = max((c.count for c in counts), default=0) or 1
    bars = [
        {
            "count": c,
            "y": 10 + index * 34,
            "width": round(360 * c.count / biggest),
        }
        for index, c in enumerate(counts)
    ]
    queried = selectors.open_queries_for(user=request.user)
    return render(
        request,
        "results/administration.html",
        {
            "course_runs": course_runs,
            "counts": counts,
            "bars": bars,
            "chart_height": 20 + 34 * len(counts),
            "queried": queried,
            "total": len(course_runs),
        },
    )


@capability_required(Capability.VIEW_LEARNERS)
def receipt_pending(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The Certificate Receipt Pending report (R-CRT-5): the provider's own, or for AO staff all
    centres, filterable and exportable. Empty when nothing is pending."""
    provider_id = None
    providers = providers_visible_to(user=request.user)
    chosen = request.GET.get("provider", "")
    if request.user.is_ao_staff and query_id(chosen) is not None:
        provider_id = query_id(chosen)
    overdue_only = request.GET.get("overdue") == "1"
    rows = selectors.receipt_pending(
        user=request.user, provider_id=provider_id, overdue_only=overdue_only
    )
    if request.GET.get("format") == "csv":
        if not request.user.can(Capability.EXPORT_DATA):
            raise PermissionDenied
        from audit.services import audit_record

        audit_record(
            actor=request.user,
            action="results.receipt_pending_export",
            object_type="results.courserunresults",
            detail={"provider": provider_id, "overdue_only": overdue_only, "rows": len(rows)},
        )
        return csv_streaming_response(
            filename=f"certificate-receipt-pending-{timezone.localdate():%Y-%m-%d}.csv",
            header=(
                "Centre number",
                "Centre",
                "Course run",
                "Qualification number",
                "Dispatched",
                "Tracking reference",
                "Confirm by",
                "Working days left",
                "Status",
            ),
            rows=(
                [
                    r.results.course_run.provider.centre_number,
                    r.results.course_run.provider.name,
                    r.description,
                    r.results.course_run.qualification.number,
                    f"{r.dispatched_on:%d/%m/%Y}",
                    r.tracking_reference,
                    f"{r.deadline:%d/%m/%Y}",
                    r.working_days_left,
                    r.status_text,
                ]
                for r in rows
            ),
        )
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "results/receipt_pending.html",
        {
            "rows": rows,
            "providers": providers if request.user.is_ao_staff else None,
            "chosen_provider": provider_id,
            "overdue_only": overdue_only,
            "csv_url": reverse("results:receipt_pending") + "?" + query.urlencode(),
            "filtered": provider_id is not None or overdue_only,
        },
    )


@capability_required(Capability.VIEW_LEARNERS)
def retention(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Assessment records due for deletion (R-CRT-7); the provider's own, or all for AO staff."""
    records = selectors.assessment_records_due_for_deletion(user=request.user)
    wants_csv = request.GET.get("format") == "csv"
    if wants_csv and not request.user.can(Capability.EXPORT_DATA):
        raise PermissionDenied
    audit_record(
        actor=request.user,
        action="results.retention_report_exported"
        if wants_csv
        else "results.retention_report_viewed",
        object_type="results.learnerresult",
    )
    if wants_csv:
        return csv_streaming_response(
            filename=f"assessment-records-due-for-deletion-{timezone.localdate():%Y-%m-%d}.csv",
            header=(
                "Centre number",
                "ULN",
                "Learner",
                "Course run",
                "Qualification number",
                "Record dated",
                "Kept until",
            ),
            rows=(
                [
                    r.registration.course_run.provider.centre_number,
                    r.registration.learner.uln or "",
                    r.registration.learner.full_name,
                    r.registration.course_run.programme_name,
                    r.registration.course_run.qualification.number,
                    f"{r.record_date:%d/%m/%Y}",  # type: ignore[attr-defined]
                    f"{assessment_record_kept_until(r.record_date):%d/%m/%Y}",  # type: ignore[attr-defined]
                ]
                for r in records.iterator(chunk_size=2000)
            ),
        )
    page = Paginator(records, 100).get_page(request.GET.get("page"))
    # `record_date` is annotated by the selector.
    rows = [(r, assessment_record_kept_until(r.record_date)) for r in page]  # type: ignore[attr-defined]
    return render(request, "results/retention.html", {"page": page, "rows": rows})
