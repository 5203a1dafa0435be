"""The "Not known" report as a CSV file, for the AO and for a centre's own figures (R-LRN-6)."""

from django.http.response import HttpResponseBase
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.services import audit_record
from awards_portal.csv_download import csv_streaming_response

from .choices import DEMOGRAPHIC_QUESTIONS
from .selectors import not_known_report


@capability_required(Capability.VIEW_LEARNERS, Capability.EXPORT_DATA)
def not_known_report_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    report = not_known_report(user=request.user)
    audit_record(
        actor=request.user,
        action="learner.not_known_report_exported",
        detail={"providers": len(report)},
    )
    header = ["Provider", "Centre number", "Learners"]
    for question, _, _, _ in DEMOGRAPHIC_QUESTIONS:
        header += [f"{question}: Not known", f"{question}: Not known (%)"]
    rows = (
        [
            row["provider"],
            row["centre_number"],
            row["total"],
            *[value for cell in row["questions"] for value in (cell["not_known"], cell["percent"])],  # type: ignore[attr-defined]
        ]
        for row in report
    )
    return csv_streaming_response(
        filename=f"not-known-report-{timezone.localdate():%Y-%m-%d}.csv", header=header, rows=rows
    )
