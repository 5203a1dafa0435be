"""The reports that travel with a consignment (R-CRT-4), as PDFs rendered with WeasyPrint: the
Certification Report (the course runs certificated) and a Certificate Summary per course run
(the certificates issued to each learner). A consignment's reports list exactly the certificates
it carries: a later consignment of late certificates (learners held back by a query) lists only
those. Fonts come from static/fonts, never from the web."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from registrations.models import CourseRun

from .models import Consignment, LearnerResult

STYLESHEET = "results/reports.css"


@dataclass(frozen=True)
class SummaryLine:
    learner_name: str
    uln: str
    registration_number: str
    certificate_number: str
    achievement: str
    grade: str


def certificate_summary_lines(
    course_run: CourseRun, consignment: Consignment | None = None
) -> list[SummaryLine]:
    """Every certificate issued through this course run's results, per learner; with a
    consignment, only the certificates that consignment carries."""
    lines = []
    results = LearnerResult.objects.filter(registration__course_run=course_run)
    if consignment is not None:
        results = results.filter(consignment=consignment)
    results = (
        results.select_related("registration__learner")
        .prefetch_related("certificates")
        .order_by("registration__learner__family_name", "registration__learner__given_name", "pk")
    )
    for result in results:
        learner = result.registration.learner
        for certificate in sorted(result.certificates.all(), key=lambda c: c.pk):
            if certificate.qualification_title:
                achievement = (
                    f"{certificate.qualification_number} {certificate.qualification_title}"
                )
            else:
                achievement = "; ".join(
                    f"Unit {u['reference']} {u['title']}" for u in certificate.units
                )
            lines.append(
                SummaryLine(
                    learner_name=learner.full_name,
                    uln=learner.uln,
                    registration_number=result.registration.registration_number or "",
                    certificate_number=certificate.display_number,
                    achievement=achievement,
                    grade=certificate.grade,
                )
            )
    return lines


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    stylesheet = finders.find(STYLESHEET)
    if not stylesheet:
        raise FileNotFoundError(f"{STYLESHEET} is missing from static/")
    css_path = Path(str(stylesheet))
    font_config = FontConfiguration()
    html = render_to_string(
        template,
        {"ao_name": settings.AO_NAME, "generated_at": timezone.localtime(), **context},
    )
    document = HTML(string=html, base_url=css_path.parent.as_uri() + "/")
    pdf: bytes = document.write_pdf(
        stylesheets=[CSS(filename=str(css_path), font_config=font_config)],
        font_config=font_config,
    )
    return pdf


def certificate_summary_pdf(
    course_run: CourseRun,
    consignment: Consignment | None = None,
    *,
    late: bool = False,
) -> bytes:
    lines = certificate_summary_lines(course_run, consignment)
    return _pdf(
        "results/pdf/certificate_summary.html",
        {
            "course_run": course_run,
            "consignment": consignment,
            "late": late,
            "lines": lines,
        },
    )


def certification_report_pdf(consignment: Consignment) -> bytes:
    runs: list[dict[str, Any]] = []
    total = 0
    for member in consignment.course_run_results.select_related(
        "course_run__qualification"
    ).order_by("course_run__programme_name", "pk"):
        lines = certificate_summary_lines(member.course_run, consignment)
        runs.append(
            {"results": member, "course_run": member.course_run, "lines": lines, "late": False}
        )
        total += len(lines)
    for late in consignment.late_certificates.select_related(
        "results__course_run__qualification"
    ).order_by("results__course_run__programme_name", "pk"):
        course_run = late.results.course_run
        lines = certificate_summary_lines(course_run, consignment)
        issued = LearnerResult.objects.filter(
            consignment=consignment, registration__course_run=course_run
        ).aggregate(last=Max("results_issued_date"))["last"]
        runs.append(
            {
                "results": late.results,
                "course_run": course_run,
                "lines": lines,
                "late": True,
                "certificated_on": issued,
            }
        )
        total += len(lines)
    return _pdf(
        "results/pdf/certification_report.html",
        {
            "consignment": consignment,
            "runs": runs,
            "certificate_total": total,
        },
    )
