"""The administration page and its reports: Certificate Receipt Pending and retention."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.services import audit_record
from awards_portal.csv_download import csv_streaming_response
from awards_portal.query_parameters import query_id
from providers.selectors import providers_visible_to

from .. import selectors
from ..retention import assessment_record_kept_until

# --- administration and reports ---------------------------------------------------------------


@capability_required(Capability.VIEW_LEARNERS)
def administration(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every course run's stage at a glance, with counts and a chart of results by stage."""
    show = request.GET.get("show", "")
    if show not in selectors.ADMINISTRATION_VIEWS:
        show = ""
    course_runs = list(selectors.course_runs_with_stage(user=request.user, show=show)[:1000])
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
            "showing": selectors.ADMINISTRATION_VIEWS.get(show, ""),
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
