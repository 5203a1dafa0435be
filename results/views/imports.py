"""CSV import of results: start, the sample file, the job's page and its errors file."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from awards_portal.csv_download import csv_streaming_response

from .. import selectors, services
from ..forms import (
    ResultsImportForm,
)
from ..models import ResultsImport
from ..services import ResultsRejected
from ..validators import CSV_COLUMNS
from .common import _course_run

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
