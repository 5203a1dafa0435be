"""What the centre changed in its results since a verifier's query, learner by learner, read
from the audit rows every change to a learner's results already writes (decision 0117)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audit.models import AuditEvent
from qualifications.models import Grade

from .models import LearnerResult, ResultsQuery

FIELD_LABELS = {
    "not_claiming": "Claiming this time",
    "assessor_name": "Assessor",
    "internal_verifier_name": "Internal verifier",
    "decision_reason": "Reason for the decision",
}
NOTHING = "(none)"


@dataclass(frozen=True)
class FieldChange:
    what: str
    before: str
    after: str


@dataclass(frozen=True)
class LearnerChanges:
    learner_name: str
    registration_number: str
    named_in_query: bool
    changes: tuple[FieldChange, ...]


def _net(events: list[AuditEvent]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each key's value before the first change and after the last; grades per unit."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    grades_before: dict[str, Any] = {}
    grades_after: dict[str, Any] = {}
    for event in events:
        for key, value in event.before.items():
            if key == "grades":
                for unit, grade in value.items():
                    grades_before.setdefault(unit, grade)
                for unit in event.after.get("grades", {}):
                    grades_before.setdefault(unit, None)
            else:
                before.setdefault(key, value)
        for key, value in event.after.items():
            if key == "grades":
                for unit in grades_after.keys() - value.keys():
                    grades_after[unit] = None
                grades_after.update(value)
            else:
                after[key] = value
    before["grades"], after["grades"] = grades_before, grades_after
    return before, after


def _text(key: str, value: Any) -> str:
    if key == "not_claiming":
        return "No" if value else "Yes"
    return str(value) if value not in (None, "") else NOTHING


def changes_since_query(*, query: ResultsQuery) -> list[LearnerChanges]:
    """Every learner of the course run whose results changed after the query was raised, with
    what changed from and to, in three queries; the learners the query named come first."""
    learner_results = {
        result.pk: result
        for result in LearnerResult.objects.filter(
            registration__course_run_id=query.results.course_run_id
        ).select_related("registration__learner")
    }
    named = set(query.learners.values_list("pk", flat=True))
    events: dict[int, list[AuditEvent]] = {}
    for event in AuditEvent.objects.filter(
        action="results.learner_update",
        object_type="results.learnerresult",
        object_id__in=[str(pk) for pk in learner_results],
        occurred_at__gte=query.raised_at,
    ).order_by("occurred_at", "pk"):
        events.setdefault(int(event.object_id), []).append(event)
    nets = {pk: _net(rows) for pk, rows in events.items()}
    grade_ids = {
        grade
        for before, after in nets.values()
        for grade in (*before["grades"].values(), *after["grades"].values())
        if grade is not None
    }
    labels = {g.pk: g.label for g in Grade.objects.filter(pk__in=grade_ids)}
    learners = []
    for pk, (before, after) in nets.items():
        changes = []
        for unit in sorted(before["grades"].keys() | after["grades"].keys()):
            old, new = before["grades"].get(unit), after["grades"].get(unit)
            if old != new:
                changes.append(
                    FieldChange(
                        f"Unit {unit}",
                        labels.get(old, NOTHING) if old is not None else NOTHING,
                        labels.get(new, NOTHING) if new is not None else NOTHING,
                    )
                )
        for key, label in FIELD_LABELS.items():
            if key in after and before.get(key) != after[key]:
                changes.append(
                    FieldChange(label, _text(key, before.get(key)), _text(key, after[key]))
                )
        if not changes:
            continue
        registration = learner_results[pk].registration
        learners.append(
            LearnerChanges(
                learner_name=registration.learner.full_name,
                registration_number=registration.registration_number or "",
                named_in_query=pk in named,
                changes=tuple(changes),
            )
        )
    learners.sort(key=lambda c: (not c.named_in_query, c.learner_name))
    return learners
