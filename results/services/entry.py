"""Entering results on the grid, saved as a draft until submitted (R-RES-1, R-CRT-7)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Capability
from audit.services import audit_record
from learners.validators import FieldError
from registrations.models import CourseRun

from ..models import (
    CourseRunResults,
    LearnerResult,
    UnitResult,
)
from ..selectors import (
    results_grid_for,
)
from ..validators import (
    LearnerEntry,
    entry_errors,
)
from .access import _require_provider_user
from .state import ResultsRejected, _lock, _registrations_with_results, _reject

# --- entry (R-RES-1, R-CRT-7) -------------------------------------------------------------------


def _apply_entries(
    *,
    results: CourseRunResults,
    entries: Sequence[LearnerEntry],
    acting_user: User | None,
    source: str,
) -> int:
    """Validate every entry first, then write them all; returns how many learners changed."""
    course_run = results.course_run
    grid = results_grid_for(course_run=course_run)
    allowed = {column.unit_id: column.grade_ids for column in grid.units}
    references = {column.unit_id: column.reference for column in grid.units}
    registrations = {r.pk: r for r in _registrations_with_results(course_run)}
    errors: list[FieldError] = []
    for entry in entries:
        registration = registrations.get(entry.registration_id)
        if registration is None:
            errors.append(
                FieldError(
                    f"registration-{entry.registration_id}",
                    "That learner is not registered on this course run.",
                    "not_registered",
                )
            )
            continue
        errors += entry_errors(
            entry=entry,
            learner_name=registration.learner.full_name,
            allowed_grades=allowed,
            unit_references=references,
        )
    if errors:
        raise ResultsRejected(errors)
    changed = 0
    for entry in entries:
        registration = registrations[entry.registration_id]
        result, _ = LearnerResult.objects.get_or_create(registration=registration)
        current_grades = {u.unit_id: u.grade_id for u in result.unit_results.all()}
        before = {
            "not_claiming": result.not_claiming,
            "assessor_name": result.assessor_name,
            "internal_verifier_name": result.internal_verifier_name,
            "decision_reason": result.decision_reason,
            "grades": {references[k]: v for k, v in current_grades.items() if k in references},
        }
        for attribute in ("assessor_name", "internal_verifier_name", "decision_reason"):
            value = getattr(entry, attribute)
            if value is not None:
                setattr(result, attribute, " ".join(value.split()))
        if entry.not_claiming is not None:
            result.not_claiming = entry.not_claiming
        new_grades = dict(current_grades)
        for unit_id, grade_id in entry.grades.items():
            if grade_id is None:
                new_grades.pop(unit_id, None)
            else:
                new_grades[unit_id] = grade_id
        after = {
            "not_claiming": result.not_claiming,
            "assessor_name": result.assessor_name,
            "internal_verifier_name": result.internal_verifier_name,
            "decision_reason": result.decision_reason,
            "grades": {references[k]: v for k, v in new_grades.items() if k in references},
        }
        if before == after:
            continue
        for unit_id in set(current_grades) - set(new_grades):
            UnitResult.objects.filter(learner_result=result, unit_id=unit_id).delete()
        for unit_id, grade_id in new_grades.items():
            if current_grades.get(unit_id) != grade_id:
                UnitResult.objects.update_or_create(
                    learner_result=result, unit_id=unit_id, defaults={"grade_id": grade_id}
                )
        result.updated_at = timezone.now()
        result.updated_by = acting_user
        result.save()
        changed_keys = [k for k in after if before[k] != after[k]]
        audit_record(
            actor=acting_user,
            action="results.learner_update",
            target=result,
            before={k: before[k] for k in changed_keys},
            after={k: after[k] for k in changed_keys},
            detail={"source": source, "registration": registration.registration_number},
            organisation_id=course_run.provider.organisation_id,
        )
        changed += 1
    if changed:
        results.updated_at = timezone.now()
        results.save(update_fields=["updated_at"])
    return changed


def _require_editable(results: CourseRunResults) -> None:
    if not results.is_editable:
        raise _reject(
            "stage",
            f"These results are {results.get_stage_display()} and can no longer be changed by "
            "the centre.",
            "read_only",
        )


@transaction.atomic
def results_draft_save(
    *, course_run: CourseRun, entries: Sequence[LearnerEntry], acting_user: User | None
) -> int:
    """Save the grid as a draft at any time (complete or not); returns learners changed.

    Only while Draft or Queried: submitted results are read-only for the provider."""
    _require_provider_user(acting_user, course_run, Capability.ENTER_RESULTS)
    results = _lock(course_run)
    _require_editable(results)
    return _apply_entries(
        results=results, entries=entries, acting_user=acting_user, source="results grid"
    )
