"""Learner verification pages: verify one learner, take a master ULN, batches with their
progress and results, and providers' outcomes with the next step in words."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.services import audit_record
from awards_portal.csv_download import csv_streaming_response
from learners.models import VerificationStatus
from learners.selectors import learners_visible_to
from learners.services import LearnerRejected, learner_data_viewed

from .forms import VerifyJobForm
from .models import ResponseCode, VerifyJob
from .selectors import (
    verification_outcomes_for,
    verification_status_counts,
    verify_job_code_counts,
    verify_job_results,
    verify_jobs_visible_to,
)
from .services import (
    learner_uln_use_master,
    learner_verify,
    verify_job_create,
    verify_job_retry,
    verify_rows_link_learners,
    verify_rows_unverified,
)
from .verification_types import LrsCredentialsRefused, LrsError, LrsUnavailable
from .verification_words import code_in_words, flag_in_words, next_step

PAGE_SIZE = 50

LRS_UNAVAILABLE_MESSAGE = (
    "The LRS is unavailable just now, so nothing was checked and nothing changed. "
    "Try again in a few minutes."
)


def lrs_error_message(error: LrsError) -> str:
    if isinstance(error, LrsUnavailable):
        return LRS_UNAVAILABLE_MESSAGE
    if isinstance(error, LrsCredentialsRefused):
        return (
            "The LRS refused the portal's organisation reference, user name or password. "
            "Ask the portal's administrators to check the LRS settings."
        )
    return f"The LRS could not verify the learner: {error}"


@require_POST
@capability_required(Capability.VERIFY_LEARNERS, ao_only=True)
def learner_verify_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(learners_visible_to(user=request.user), pk=pk)
    try:
        answer = learner_verify(learner=learner, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except LrsError as error:
        messages.error(request, lrs_error_message(error))
    else:
        messages.success(
            request,
            f"The LRS answered {answer.response_code}: {code_in_words(answer.response_code)}",
        )
    return redirect(reverse("learners:detail", args=[learner.pk]) + "#verification")


@require_POST
@capability_required(Capability.VERIFY_LEARNERS, ao_only=True)
def learner_master_uln_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(learners_visible_to(user=request.user), pk=pk)
    try:
        updated = learner_uln_use_master(learner=learner, acting_user=request.user)
    except LearnerRejected as error:
        messages.error(request, " ".join(e.message for e in error.errors))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"The learner's ULN is now the master ULN {updated.uln}. Verify the learner again "
            "to confirm it.",
        )
    return redirect(reverse("learners:detail", args=[learner.pk]) + "#verification")


@capability_required(Capability.VERIFY_LEARNER_BATCHES, ao_only=True)
def verify_job_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = VerifyJobForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        provider = (
            form.cleaned_data.get("provider") if source == VerifyJob.Source.PROVIDER else None
        )
        file_name = ""
        if source == VerifyJob.Source.CSV:
            assert form.verify_file is not None
            rows = verify_rows_link_learners(form.verify_file.rows)
            file_name = form.cleaned_data["file"].name
        else:
            rows = verify_rows_unverified(provider=provider)
        try:
            job = verify_job_create(
                source=source,
                rows=rows,
                provider=provider,
                file_name=file_name,
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            return redirect("lrs_sync:verify_job", job.pk)
    jobs = Paginator(verify_jobs_visible_to(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "lrs_sync/verify_job_list.html",
        {"form": form, "page": jobs, "unverified": verification_status_counts(user=request.user)},
        status=400 if form.errors else 200,
    )


def _job_for(request: AuthenticatedHttpRequest, pk: int) -> VerifyJob:
    return get_object_or_404(verify_jobs_visible_to(user=request.user), pk=pk)


def _code_filter(request: AuthenticatedHttpRequest) -> str:
    code = request.GET.get("code", "")
    return code if code in ResponseCode.values or code == "pending" else ""


def _progress(job: VerifyJob) -> dict[str, object]:
    return {
        "status": job.status,
        "status_text": job.get_status_display(),
        "stored": job.stored,
        "total": job.total,
        "percent": job.percent,
        "finished": job.is_finished,
        "lrs_unavailable": job.status == VerifyJob.Status.WAITING_FOR_LRS,
        "last_error": job.last_error,
    }


@capability_required(Capability.VERIFY_LEARNER_BATCHES, ao_only=True)
def verify_job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    code = _code_filter(request)
    page = Paginator(verify_job_results(job=job, code=code), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    learner_data_viewed(
        acting_user=request.user,
        action="lrs.verify_job.viewed",
        target=job,
        learner_ids=[row.learner_id for row in page if row.learner_id],
        detail={"code": code, "page": page.number},
    )
    counts = verify_job_code_counts(job=job)
    codes = [(value, label, counts.get(value, 0)) for value, label in ResponseCode.choices]
    rows = [
        {
            "row": row,
            "code_words": ResponseCode(row.response_code).label if row.response_code else "",
            "next_step": next_step(row.response_code, row.failure_flags, master_uln=row.lrs_uln)
            if row.response_code
            else "",
            "flags": [f"{flag}: {flag_in_words(flag)}" for flag in row.failure_flags],
        }
        for row in page
    ]
    return render(
        request,
        "lrs_sync/verify_job_detail.html",
        {
            "job": job,
            "page": page,
            "rows": rows,
            "code": code,
            "codes": codes,
            "pending": counts.get("", 0),
            "query": f"code={code}" if code else "",
            "progress": _progress(job),
        },
    )


@capability_required(Capability.VERIFY_LEARNER_BATCHES, ao_only=True)
def verify_job_progress(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(_progress(_job_for(request, pk)))


@capability_required(Capability.VERIFY_LEARNER_BATCHES, ao_only=True)
def verify_job_results_csv(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    job = _job_for(request, pk)
    code = _code_filter(request)
    rows = verify_job_results(job=job, code=code)
    audit_record(
        actor=request.user,
        action="lrs.verify_job.exported",
        target=job,
        detail={"code": code, "rows": rows.count()},
    )
    header = [
        "ULN",
        "GivenName",
        "FamilyName",
        "DateOfBirth",
        "Gender",
        "Provider",
        "ResponseCode",
        "Result",
        "FailureFlags",
        "LrsUln",
        "LrsGivenName",
        "LrsFamilyName",
        "LrsDateOfBirth",
        "LrsGender",
        "NextStep",
    ]

    def lines() -> Iterator[list[object]]:
        for row in rows.iterator(chunk_size=2000):
            yield [
                row.uln,
                row.given_name,
                row.family_name,
                row.date_of_birth.strftime("%d/%m/%Y") if row.date_of_birth else "",
                row.gender,
                row.provider.name if row.provider else "",
                row.response_code,
                ResponseCode(row.response_code).label if row.response_code else "Not answered yet",
                " ".join(row.failure_flags),
                row.lrs_uln,
                row.lrs_given_name,
                row.lrs_family_name,
                row.lrs_date_of_birth.strftime("%d/%m/%Y") if row.lrs_date_of_birth else "",
                row.lrs_gender,
                next_step(row.response_code, row.failure_flags, master_uln=row.lrs_uln)
                if row.response_code
                else "",
            ]

    suffix = f"-{code}" if code else ""
    return csv_streaming_response(
        filename=f"verification-batch-{job.pk}{suffix}.csv", header=header, rows=lines()
    )


@require_POST
@capability_required(Capability.VERIFY_LEARNER_BATCHES, ao_only=True)
def verify_job_retry_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        verify_job_retry(job=job, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The batch is queued again.")
    return redirect("lrs_sync:verify_job", job.pk)


@capability_required(Capability.VIEW_LEARNERS)
def verification_outcomes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A provider's learners as the LRS answered them, with what to do next."""
    status = request.GET.get("status", "")
    if status not in VerificationStatus.values:
        status = ""
    page = Paginator(
        verification_outcomes_for(user=request.user, status=status), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    learner_data_viewed(
        acting_user=request.user,
        action="lrs.verification_outcomes_viewed",
        learner_ids=[learner.pk for learner in page],
        detail={"status": status, "page": page.number},
    )
    rows = [
        {
            "learner": learner,
            "next_step": next_step(
                learner.verification_code, learner.verification_flags, master_uln=learner.lrs_uln
            ),
            "flags": [f"{flag}: {flag_in_words(flag)}" for flag in learner.verification_flags],
        }
        for learner in page
    ]
    counts = verification_status_counts(user=request.user)
    return render(
        request,
        "lrs_sync/verification_outcomes.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in VerificationStatus.choices
            ],
            "query": f"status={status}" if status else "",
        },
    )
