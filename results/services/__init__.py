"""Every write to results, audited, one module per stage: entry and CSV import, submission,
verification, certification, dispatch and receipt (R-RES-1, R-RES-2, R-RES-3, R-CRT-4, R-CRT-5,
R-CRT-7).

Each stage change goes through `state._transition`, which applies the state machine
(`validators.TRANSITIONS`), writes a history row (who, when, note) and an audit row. Services
raise `ResultsRejected` (a ValidationError keyed by field, with `.errors`) when a rule is broken,
and PermissionDenied when the user may not act on this course run at all.

`from results import services` gives every stage's public services, re-exported here."""

from .access import results_viewed
from .certification import (
    certification_candidates,
    course_run_certificate,
    course_run_certificate_released,
)
from .dispatch import consignment_create, consignment_dispatch, e_certificates_ready_notify
from .entry import results_draft_save
from .grade_correction import result_grade_correct
from .imports import results_import_cancel, results_import_upload, results_import_validate
from .receipt import (
    RECEIPT_DEADLINE_WORKING_DAYS,
    RECEIPT_REMINDER_WORKING_DAY,
    course_run_receipt_confirm,
    late_certificates_receipt_confirm,
    receipt_deadline,
    receipt_overdue_send,
    receipt_reminders_send,
)
from .review import course_run_confirm, course_run_query, learner_query_resolve, verifier_assign
from .state import ResultsRejected, S, course_run_results_get
from .submission import course_run_submit, default_verifier, submission_check

__all__ = [
    "RECEIPT_DEADLINE_WORKING_DAYS",
    "RECEIPT_REMINDER_WORKING_DAY",
    "ResultsRejected",
    "S",
    "certification_candidates",
    "consignment_create",
    "consignment_dispatch",
    "course_run_certificate",
    "course_run_certificate_released",
    "course_run_confirm",
    "course_run_query",
    "course_run_receipt_confirm",
    "course_run_results_get",
    "course_run_submit",
    "default_verifier",
    "e_certificates_ready_notify",
    "late_certificates_receipt_confirm",
    "learner_query_resolve",
    "receipt_deadline",
    "receipt_overdue_send",
    "receipt_reminders_send",
    "result_grade_correct",
    "results_draft_save",
    "results_import_cancel",
    "results_import_upload",
    "results_import_validate",
    "results_viewed",
    "submission_check",
    "verifier_assign",
]
