"""Pages for results, one module per stage: entry grid and submission, CSV import, verification,
certification, dispatch, receipt, and the administration page with its reports.

Every object page looks its course run up through the scoped selector first, so another
provider's course run is a 404 whatever the user's roles (R-ACC-6). `from results import views`
gives every page, re-exported here."""

from .administration import administration, receipt_pending, retention
from .certification import certificate_summary_pdf, certification_queue, certify
from .dispatch import (
    certification_report_pdf,
    consignment_certificate_summary_pdf,
    consignment_detail,
    dispatch,
)
from .entry import course_run_results, submit
from .imports import import_detail, import_errors, import_sample, import_start
from .receipt import late_receipt, receipt
from .review import review, verification_queue

__all__ = [
    "administration",
    "certificate_summary_pdf",
    "certification_queue",
    "certification_report_pdf",
    "certify",
    "consignment_certificate_summary_pdf",
    "consignment_detail",
    "course_run_results",
    "dispatch",
    "import_detail",
    "import_errors",
    "import_sample",
    "import_start",
    "late_receipt",
    "receipt",
    "receipt_pending",
    "retention",
    "review",
    "submit",
    "verification_queue",
]
