"""Pages for the Registrations list with its CSV export, and the CSV import (R-REG-6 to
R-REG-14). Thin: parse the request, call the import and export services, render."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.services import audit_record
from awards_portal.csv_download import csv_streaming_response
from awards_portal.list_sorting import SortColumn, list_sort
from awards_portal.query_parameters import query_id, query_text
from providers.models import Provider
from providers.selectors import providers_visible_to
from qualifications.models import Qualification

from .csv_format import (
    DEFAULT_SEPARATOR,
    IMPORT_COLUMNS,
    MANDATORY_COLUMNS,
    MAX_FILE_BYTES,
    SAMPLE_ROWS,
    SEPARATORS,
    separator_character,
)
from .exports import registrations_export
from .imports import (
    ImportRefused,
    import_progress_get,
    import_size_check,
    registration_import_cancel,
    registration_import_start,
    registration_import_upload,
    runs_in_background,
)
from .models import ImportJob, RegistrationStatus
from .numbers import registration_number_for_phone
from .selectors import (
    course_runs_visible_to,
    import_jobs_failed_recently,
    import_jobs_visible_to,
    registrations_for_list,
)

PAGE_SIZE = 50
REPORT_ROWS_SHOWN = 500
EXPORT_SCOPES = ("selected", "page", "all")


# The Registrations list and its export -------------------------------------------------------


def _list_filters(params: Any) -> dict[str, Any]:
    status = params.get("status", "")
    return {
        "status": status if status in RegistrationStatus.values else "",
        "qualification_id": query_id(params.get("qualification")),
        "course_run_id": query_id(params.get("course_run")),
        "search": query_text(params.get("q"))[0],
    }


REGISTRATION_SORTS = (
    SortColumn("learner", "Learner", ("learner__family_name", "learner__given_name")),
    SortColumn("uln", "ULN", ("learner__uln",)),
    SortColumn("provider", "Provider", ("course_run__provider__organisation__name",)),
    SortColumn("qualification", "Qualification", ("course_run__qualification__number",)),
    SortColumn("course_run", "Course run", ("course_run__programme_name",)),
    SortColumn("status", "Status", ("status",)),
    SortColumn("number", "Registration number", ("registration_number",)),
    SortColumn("registered", "Registered", ("registration_date",)),
)


@capability_required(Capability.VIEW_LEARNERS)
def registration_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = _list_filters(request.GET)
    sort = list_sort(request.GET, REGISTRATION_SORTS, default="learner")
    registrations = registrations_for_list(user=request.user, ordering=sort.ordering, **filters)
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(
        actor=request.user,
        action="registration.list_viewed",
        object_type="registrations.registration",
        detail={**filters, "page": page.number, "registration_ids": [r.pk for r in page]},
    )
    query = request.GET.copy()
    query.pop("page", None)
    course_runs = course_runs_visible_to(user=request.user).order_by("programme_name")
    return render(
        request,
        "registrations/csv_registration_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "statuses": RegistrationStatus.choices,
            "qualifications": Qualification.objects.filter(course_runs__in=course_runs).distinct(),
            "course_runs": course_runs,
            "can_export": request.user.can(Capability.EXPORT_DATA),
            "can_import": request.user.can(Capability.MANAGE_REGISTRATIONS),
            "sort": sort,
        },
    )


@require_POST
@capability_required(Capability.EXPORT_DATA)
def registration_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """R-REG-13: the selected rows, the page, or all matching the filter, as CSV."""
    filters = _list_filters(request.POST)
    scope = request.POST.get("scope", "")
    if scope not in EXPORT_SCOPES:
        scope = "selected"
    sort = list_sort(request.POST, REGISTRATION_SORTS, default="learner")
    registrations = registrations_for_list(user=request.user, ordering=sort.ordering, **filters)
    if scope == "selected":
        selected = [i for i in map(query_id, request.POST.getlist("selected")) if i is not None]
        if not selected:
            messages.error(request, "Select the registrations to export, or export this page.")
            return redirect(f"{reverse('registrations:list')}?{request.POST.get('query', '')}")
        registrations = registrations.filter(pk__in=selected)
    elif scope == "page":
        page = Paginator(registrations, PAGE_SIZE).get_page(request.POST.get("page"))
        registrations = registrations.filter(pk__in=[r.pk for r in page])
    return registrations_export(
        registrations=registrations,
        acting_user=request.user,
        scope=scope,
        filters={k: v for k, v in filters.items() if v not in ("", None)},
    )


# Import --------------------------------------------------------------------------------------


class RegistrationImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Save your spreadsheet as CSV; the file must be smaller than 2 MB.",
        error_messages={"required": "Choose the CSV file to import."},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    separator = forms.ChoiceField(
        label="Separator",
        choices=[(name, label) for name, (_, label) in SEPARATORS.items()],
        initial=DEFAULT_SEPARATOR,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the separator the file uses."},
    )
    provider = forms.ModelChoiceField(
        label="Provider the file is for",
        queryset=Provider.objects.none(),
        required=False,
        empty_label="Choose a provider",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_ao_staff:
            field = self.fields["provider"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = providers_visible_to(user=user).order_by("organisation__name")
            field.required = True
            field.error_messages["required"] = (
                "Choose the provider whose registrations the file holds."
            )
        else:
            del self.fields["provider"]

    def chosen_provider(self) -> Provider:
        if self.user.is_ao_staff:
            provider: Provider = self.cleaned_data["provider"]
            return provider
        return get_object_or_404(providers_visible_to(user=self.user))


def _tips_context() -> dict[str, Any]:
    labels = dict(IMPORT_COLUMNS)
    return {
        "columns": [label for _, label in IMPORT_COLUMNS],
        "mandatory": [labels[key] for key in MANDATORY_COLUMNS],
        "statuses": RegistrationStatus.labels,
        "max_mb": MAX_FILE_BYTES // (1024 * 1024),
    }


@capability_required(Capability.MANAGE_REGISTRATIONS)
def import_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose a file and its separator, then Validate (R-REG-7, R-REG-8). Nothing is changed."""
    can_import = request.user.can(Capability.BULK_UPLOAD)
    form = RegistrationImportForm(request.POST or None, request.FILES or None, user=request.user)
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
                )
            except ImportRefused as refused:
                form.add_error("file", str(refused))
            else:
                return redirect("registrations:import_job", pk=job.pk)
    failed_only = request.GET.get("status") == ImportJob.Status.FAILED
    if failed_only:
        jobs = import_jobs_failed_recently(user=request.user)[:100]
    else:
        jobs = import_jobs_visible_to(user=request.user).filter(kind=ImportJob.Kind.REGISTRATIONS)[
            :10
        ]
    return render(
        request,
        "registrations/csv_import.html",
        {
            "form": form,
            "can_import": can_import,
            "jobs": jobs,
            "failed_only": failed_only,
            **_tips_context(),
        },
    )


def _job(request: AuthenticatedHttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(import_jobs_visible_to(user=request.user), pk=pk)


@capability_required(Capability.MANAGE_REGISTRATIONS)
def import_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The validation report, then the upload's result; the user can leave and come back."""
    job = _job(request, pk)
    issued = [
        {**entry, "spoken": registration_number_for_phone(entry["registration_number"])}
        for entry in (job.result or {}).get("numbers_issued", [])
    ]
    return render(
        request,
        "registrations/csv_import_job.html",
        {
            "job": job,
            "errors_shown": job.errors[:REPORT_ROWS_SHOWN],
            "errors_hidden": max(len(job.errors) - REPORT_ROWS_SHOWN, 0),
            "issued": issued,
            "progress": _progress(job),
            "can_import": request.user.can(Capability.BULK_UPLOAD),
            "background": runs_in_background(job),
        },
    )


def _progress(job: ImportJob) -> dict[str, Any]:
    progress = import_progress_get(job.pk) if job.is_working else {}
    total = max(int(progress.get("total") or 0), 1)
    done = min(int(progress.get("done") or 0), total)
    return {"done": done, "total": total, "percent": round(100 * done / total)}


@capability_required(Capability.MANAGE_REGISTRATIONS)
def import_job_progress(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    job = _job(request, pk)
    return JsonResponse(
        {"status": job.status, "label": job.get_status_display(), "working": job.is_working}
        | _progress(job)
    )


@capability_required(Capability.MANAGE_REGISTRATIONS)
def import_job_errors(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The report's errors as CSV (R-REG-8)."""
    job = _job(request, pk)
    rows: Iterable[Sequence[Any]] = (
        [e["row"], e["column"], e["value"], e["reason"], e["outcome"]] for e in job.errors
    )
    if job.file_error:
        rows = [["", "", "", job.file_error, "File not imported"]]
    return csv_streaming_response(
        filename=f"import-{job.pk}-errors.csv",
        header=["Row", "Column", "Value", "Reason", "Outcome"],
        rows=rows,
    )


@require_POST
@capability_required(Capability.MANAGE_REGISTRATIONS, Capability.BULK_UPLOAD)
def import_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = registration_import_upload(job=_job(request, pk), acting_user=request.user)
    if job.status == ImportJob.Status.UPLOADED:
        messages.success(request, "The accepted records are uploaded.")
    return redirect("registrations:import_job", pk=job.pk)


@require_POST
@capability_required(Capability.MANAGE_REGISTRATIONS, Capability.BULK_UPLOAD)
def import_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = registration_import_cancel(job=_job(request, pk), acting_user=request.user)
    if job.status == ImportJob.Status.CANCELLED:
        messages.success(request, "Import cancelled. Nothing was changed.")
    if job.kind == ImportJob.Kind.LEARNERS:
        return redirect("learners:import")
    return redirect("registrations:import")


@capability_required(Capability.MANAGE_REGISTRATIONS)
def import_sample(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The Tips panel's sample file (R-REG-12): the import columns and two example rows."""
    return csv_streaming_response(
        filename="registrations-import-sample.csv",
        header=[label for _, label in IMPORT_COLUMNS],
        rows=SAMPLE_ROWS,
    )
