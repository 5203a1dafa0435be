"""Learners in bulk: the learner CSV import's first page with its column guide and sample file,
and the learner export in the same layout. The import's report, Upload and Cancel are the
registration import's pages (`registrations.views_csv`): a learner import is a job of the same
lifecycle. Thin: parse the request, call the import and export services, render."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from awards_portal.csv_download import csv_streaming_response
from awards_portal.query_parameters import query_id, query_text
from registrations.csv_format import MAX_FILE_BYTES, separator_character
from registrations.imports import ImportRefused, import_size_check, registration_import_start
from registrations.models import ImportJob, RegistrationStatus
from registrations.selectors import import_jobs_visible_to
from registrations.views_csv import RegistrationImportForm

from .csv_columns import ALL_COLUMNS, CHOICES, COLUMN_LABELS, REQUIRED_COLUMNS, sample_rows
from .exports import learners_export
from .selectors import learners_search


def _guide() -> dict[str, Any]:
    return {
        "columns": [
            (label, key in REQUIRED_COLUMNS, key in ("qualification_number", "registration_date"))
            for key, label in ALL_COLUMNS
        ],
        "answers": [
            (COLUMN_LABELS[key], [str(label) for value, label in choices.choices if value])
            for key, choices in CHOICES.items()
            if key != "title"
        ],
        "max_mb": MAX_FILE_BYTES // (1024 * 1024),
    }


@capability_required(Capability.MANAGE_REGISTRATIONS)
def learner_import_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose a file and its separator, then Validate. Nothing is changed until Upload."""
    can_import = request.user.can(Capability.BULK_UPLOAD)
    form = RegistrationImportForm(request.POST or None, request.FILES or None, user=request.user)
    if "provider" in form.fields:
        form.fields["provider"].error_messages["required"] = (
            "Choose the provider whose learners the file holds."
        )
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                import_size_check(upload.size)
                job = registration_import_start(
                    provider=form.chosen_provider(),
                    file_name=upload.name,
                    content=upload.read(),
                    separator=separator_character(form.cleaned_data["separator"]),
                    acting_user=request.user,
                    kind=ImportJob.Kind.LEARNERS,
                )
            except ImportRefused as refused:
                form.add_error("file", str(refused))
            else:
                return redirect("registrations:import_job", pk=job.pk)
    jobs = import_jobs_visible_to(user=request.user).filter(kind=ImportJob.Kind.LEARNERS)[:10]
    return render(
        request,
        "learners/csv_import.html",
        {"form": form, "can_import": can_import, "jobs": jobs, **_guide()},
    )


@capability_required(Capability.MANAGE_REGISTRATIONS)
def learner_import_sample(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The sample file: every column, a learner registered on a qualification, and a learner
    with only the mandatory values."""
    return csv_streaming_response(
        filename="learners-import-sample.csv",
        header=[label for _, label in ALL_COLUMNS],
        rows=sample_rows(),
    )


@require_POST
@capability_required(Capability.EXPORT_DATA)
def learner_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Every learner the list's filter finds, in the import's layout (it imports again with no
    changes); audited with the count and the filter (R-ACC-7)."""
    search = query_text(request.POST.get("q"))[0]
    status = request.POST.get("status", "")
    if status not in RegistrationStatus.values:
        status = ""
    course_run_id = query_id(request.POST.get("course_run"))
    if not request.user.is_provider_user:
        raise PermissionDenied  # the layout has no centre column: a centre exports its own
    learners = learners_search(
        user=request.user, search=search, course_run_id=course_run_id, status=status
    )
    filters = {"search": search, "course_run_id": course_run_id, "status": status}
    return learners_export(
        learners=learners,
        acting_user=request.user,
        filters={k: v for k, v in filters.items() if v not in ("", None)},
    )
