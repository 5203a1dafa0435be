"""Demo certificates: a few made-up learners at the demo providers, one replaced, one revoked,
and one unit certificate (units achieved towards a qualification not achieved)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from accounts.demo import DemoReport
from accounts.models import User
from providers.models import Provider

from . import services
from .models import UNIT_CERTIFICATE_MARK, Certificate, RenderJob


@dataclass(frozen=True)
class DemoCertificate:
    key: str
    centre_number: str
    learner_name: str
    qualification_number: str
    qualification_title: str
    grade: str
    award_date: datetime.date
    units: tuple[tuple[str, str, str], ...] = ()
    then: str = ""  # "replace" or "revoke"
    unit_certificate: bool = False


HEALTH = ("610/0311/4", "Level 2 Certificate in Health and Social Care")
DIGITAL = ("603/5772/2", "Level 1 Award in Digital Skills for Work")
COOKERY = ("600/6539/1", "Level 2 Diploma in Professional Cookery")
UNITS = (
    ("R/615/1234", "Preparing food safely", "Pass"),
    ("T/615/1235", "Working in a professional kitchen", "Merit"),
)

DEMO_CERTIFICATES = (
    DemoCertificate("rc-1", "10042", "Amelia Hart", *HEALTH, "Merit", datetime.date(2025, 7, 18)),
    DemoCertificate(
        "rc-2",
        "10042",
        "Joël Brennan-Ó Súilleabháin",
        *HEALTH,
        "Distinction",
        datetime.date(2025, 7, 18),
    ),
    DemoCertificate(
        "rc-3",
        "10042",
        "Marcus Okonjo",
        *HEALTH,
        "Pass",
        datetime.date(2025, 7, 18),
        then="replace",
    ),
    DemoCertificate(
        "rc-4",
        "10042",
        "Hana Kowalczyk",
        *COOKERY,
        "",
        datetime.date(2025, 12, 5),
        units=UNITS,
        unit_certificate=True,
    ),
    DemoCertificate(
        "mb-1", "30256", "Siobhán Kelleher", *DIGITAL, "Pass", datetime.date(2025, 11, 21)
    ),
    DemoCertificate(
        "mb-2",
        "30256",
        "Tomasz Wiśniewski",
        *DIGITAL,
        "Pass",
        datetime.date(2025, 11, 21),
        then="revoke",
    ),
    DemoCertificate(
        "hc-1", "20117", "Dylan Rhys Evans", *DIGITAL, "Pass", datetime.date(2026, 1, 9)
    ),
)


def _batch_key(centre_number: str) -> str:
    return f"Demo course run, centre {centre_number}"


def seed(report: DemoReport) -> None:
    """Issue, render, replace and revoke the demo certificates; a second run changes nothing."""
    officer = User.objects.filter(username="grace.lin").first()
    providers = {p.centre_number: p for p in Provider.objects.select_related("organisation")}
    issued: dict[str, Certificate] = {}
    for spec in DEMO_CERTIFICATES:
        provider = providers[spec.centre_number]
        certificate = services.certificate_issue(
            provider=provider,
            achievement_reference=(
                f"demo:{spec.key}{UNIT_CERTIFICATE_MARK}s"
                if spec.unit_certificate
                else f"demo:{spec.key}"
            ),
            learner_name=spec.learner_name,
            qualification_number=spec.qualification_number,
            qualification_title=spec.qualification_title,
            units=[{"reference": r, "title": t, "grade": g} for r, t, g in spec.units],
            grade=spec.grade,
            award_date=spec.award_date,
            acting_user=officer,
            render=False,
        )
        issued[spec.key] = certificate
    for centre_number in sorted({s.centre_number for s in DEMO_CERTIFICATES}):
        batch_key = _batch_key(centre_number)
        if not RenderJob.objects.filter(batch_key=batch_key).exists():
            services.render_job_create(
                provider=providers[centre_number],
                certificates=[
                    issued[s.key] for s in DEMO_CERTIFICATES if s.centre_number == centre_number
                ],
                acting_user=officer,
                batch_key=batch_key,
            )
            report.created.append(f"certificate batch {batch_key}")
    # Render now rather than wait for a worker, so the demo's PDFs exist at once.
    services.certificates_render(certificate_ids=[c.pk for c in issued.values()])
    for job in RenderJob.objects.filter(batch_key__startswith="Demo course run").exclude(
        status=RenderJob.Status.DONE
    ):
        services.render_job_progress(job_id=job.pk)
    for spec in DEMO_CERTIFICATES:
        certificate = Certificate.objects.get(pk=issued[spec.key].pk)
        if officer is None or certificate.status != Certificate.Status.VALID:
            continue
        if spec.then == "replace" and not certificate.replaces_id:
            new = services.certificate_replace(
                certificate=certificate,
                reason="The original certificate was lost in the post.",
                fee_pence=2500,
                acting_user=officer,
                render=False,
            )
            services.certificates_render(certificate_ids=[new.pk])
            report.created.append(f"replacement certificate {new.display_number}")
        elif spec.then == "revoke":
            services.certificate_revoke(
                certificate=certificate,
                reason="Issued in error: the result was withdrawn after an appeal.",
                acting_user=officer,
            )
            report.created.append(f"revoked certificate {certificate.display_number}")
    report.document["certificate_check_page"] = f"{settings.PORTAL_BASE_URL}/verify/"
    report.document["certificates"] = [
        {
            "number": c.display_number,
            "learner_name": c.learner_name,
            "check_url": c.check_url,
            "status": c.status,
            "provider": c.provider.name,
            "qualification": (
                f"{len(c.units)} units towards {c.qualification_title}"
                if c.is_unit_certificate
                else c.qualification_title or f"{len(c.units)} units"
            ),
            "replaces": c.replaces.display_number if c.replaces else "",
            "pdf_sha256": c.pdf_sha256,
        }
        for c in Certificate.objects.filter(achievement_reference__startswith="demo:")
        .select_related("provider__organisation", "replaces")
        .order_by("pk")
    ]
