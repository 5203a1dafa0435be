"""Every write to course runs and registrations, audited (R-REG-3 to R-REG-5, R-REG-14).

Callers (forms, API, CSV importer) pass a `RegistrationRecord` and get back the saved row, or a
`RegistrationRejected` (a ValidationError keyed by field) whose `.errors` lists FieldErrors with
stable codes. To check without writing, call `registration_validate` with the same arguments.

One module per subject: `access` (who may act, and the error), `course_runs` and `registering`.
`from registrations import services` gives them all."""

from .access import RegistrationRejected, acting_as_ao
from .course_runs import (
    COURSE_RUN_AUDIT_FIELDS,
    course_run_create,
    course_run_update,
    course_run_validate,
)
from .registering import (
    LEARNER_ONCE_CONSTRAINT,
    NUMBER_UNIQUE_CONSTRAINT,
    REGISTRATION_AUDIT_FIELDS,
    learner_register,
    registration_create,
    registration_edit,
    registration_facts,
    registration_number_issue,
    registration_numbers_issue,
    registration_requests_accept,
    registration_update_status,
    registration_validate,
    registration_void,
)

__all__ = [
    "COURSE_RUN_AUDIT_FIELDS",
    "LEARNER_ONCE_CONSTRAINT",
    "NUMBER_UNIQUE_CONSTRAINT",
    "REGISTRATION_AUDIT_FIELDS",
    "RegistrationRejected",
    "acting_as_ao",
    "course_run_create",
    "course_run_update",
    "course_run_validate",
    "learner_register",
    "registration_create",
    "registration_edit",
    "registration_facts",
    "registration_number_issue",
    "registration_numbers_issue",
    "registration_requests_accept",
    "registration_update_status",
    "registration_validate",
    "registration_void",
]
