"""R-CRT-4: the Certification Report and Certificate Summary list exactly the certificates
issued."""

import datetime
import io
import re

import time_machine
from pypdf import PdfReader

from certificates.models import Certificate
from certificates.tests.factories import CertificateFactory
from results import reports, services
from results.models import Consignment


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


NUMBER = re.compile(r"\b[0-9A-HJKMNP-TV-Y]{5}-[0-9A-HJKMNP-TV-Y]{5}\b")


@time_machine.travel(datetime.date(2026, 3, 5), tick=False)
def test_r_crt_4_reports_list_exactly_the_certificates_issued(season):
    season.to_certificated(award_date=datetime.date(2026, 3, 2))
    CertificateFactory(provider=season.course_run.provider)  # issued elsewhere: must not appear
    consignment = services.consignment_create(
        provider=season.course_run.provider,
        course_runs=[season.course_run],
        acting_user=season.officer,
    )
    consignment = services.consignment_dispatch(
        consignment=consignment,
        carrier=Consignment.Carrier.COURIER,
        tracking_reference="DPD-55501",
        dispatched_on=datetime.date(2026, 3, 4),
        acting_user=season.officer,
    )
    issued = {
        c.display_number
        for c in Certificate.objects.filter(
            learner_results__registration__course_run=season.course_run
        )
    }

    summary = _text(reports.certificate_summary_pdf(season.course_run))
    report = _text(reports.certification_report_pdf(consignment))

    assert len(issued) == 2
    assert set(NUMBER.findall(summary)) == issued
    assert set(NUMBER.findall(report)) == issued
    assert "Certificate Summary" in summary and "Amira Learner0" in summary
    assert "Zoë Learner2" not in summary  # not claiming: no certificate
    assert "Certification Report" in report and season.course_run.programme_name in report
    assert "DPD-55501" in report


def _numbers_of(season, index: int) -> set[str]:
    return {c.display_number for c in season.result(index).certificates.all()}


def test_r_crt_4_a_later_consignments_reports_list_exactly_the_late_certificates(season):
    main = season.dispatched_with_amira_held_back()
    season.release_amira()
    later = season.dispatch(
        day=datetime.date(2026, 3, 10),
        tracking="RM200000002GB",
        late_course_runs=(season.course_run,),
    )
    amira, kwame = _numbers_of(season, 0), _numbers_of(season, 1)

    later_report = _text(reports.certification_report_pdf(later))
    later_summary = _text(reports.certificate_summary_pdf(season.course_run, later, late=True))
    main_report = _text(reports.certification_report_pdf(main))
    main_summary = _text(reports.certificate_summary_pdf(season.course_run, main))

    assert len(amira) == 1 and len(kwame) == 1
    assert set(NUMBER.findall(later_report)) == amira
    assert set(NUMBER.findall(later_summary)) == amira
    assert set(NUMBER.findall(main_report)) == kwame
    assert set(NUMBER.findall(main_summary)) == kwame
    assert "late certificates" in later_report and "RM200000002GB" in later_report
    assert "Kwame Learner1" not in later_summary and "Amira Learner0" in later_summary
    assert "Amira Learner0" not in main_summary
