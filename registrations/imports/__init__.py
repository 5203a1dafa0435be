"""CSV import of registrations in two steps, Validate then Upload (R-REG-6 to R-REG-14).

- `registration_import_start` stores the file in an ImportJob and validates it: at once for a
  small file, in a Celery task for a large one. Validating writes nothing but the job's report.
- `registration_import_upload` applies the accepted rows, all or nothing, in one transaction.
  It locks the rows the file names and writes the plan Validate kept if nothing it was planned
  from has changed (decision 0170); otherwise it plans the file again against the records as they
  are now and uploads only if the plan is the one the user saw, or refreshes the report for the
  user to review.
- A row is checked by the same rules as the forms and the API
  (`validators.registration_change_errors`), after the import's own matching rules
  (`import_rules`). Lookups are made in bulk (a few queries per table, whatever the size) and
  writes in batches, so the largest file (2 MB, about 25,000 rows) takes seconds.

One module per step: `facts` (what planning reads, and its fingerprint), `planning` (Validate),
`stored_plan` (the plan kept on the job), `applying` (Upload) and `jobs` (the ImportJob's
lifecycle, in the request or in Celery). `from registrations import imports` gives them all."""

from .applying import UPDATE_COLUMNS
from .facts import FileKeys, ImportFacts, LearnerFacts, import_facts_fingerprint, import_facts_load
from .jobs import (
    BACKGROUND_ROWS,
    ImportOutdated,
    import_file_check,
    import_progress_get,
    import_progress_set,
    import_size_check,
    progress_key,
    registration_import_cancel,
    registration_import_run_upload,
    registration_import_start,
    registration_import_upload,
    registration_import_validate,
    runs_in_background,
)
from .planning import (
    COLUMN_KEYS,
    FIELD_COLUMNS,
    NOT_IMPORTED,
    PROGRESS_EVERY,
    RECORD_FIELDS,
    ImportPlan,
    ImportRefused,
    PlannedRow,
    S,
    import_permission_check,
    registration_import_plan,
)

__all__ = [
    "BACKGROUND_ROWS",
    "COLUMN_KEYS",
    "FIELD_COLUMNS",
    "NOT_IMPORTED",
    "PROGRESS_EVERY",
    "RECORD_FIELDS",
    "UPDATE_COLUMNS",
    "FileKeys",
    "ImportFacts",
    "ImportOutdated",
    "ImportPlan",
    "ImportRefused",
    "LearnerFacts",
    "PlannedRow",
    "S",
    "import_facts_fingerprint",
    "import_facts_load",
    "import_file_check",
    "import_permission_check",
    "import_progress_get",
    "import_progress_set",
    "import_size_check",
    "progress_key",
    "registration_import_cancel",
    "registration_import_plan",
    "registration_import_run_upload",
    "registration_import_start",
    "registration_import_upload",
    "registration_import_validate",
    "runs_in_background",
]
