"""Who may act on results, and the audit of who has read them (R-ACC-7)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import User
from audit.services import audit_record
from registrations.models import CourseRun

# --- who may act --------------------------------------------------------------------------------


def _require_provider_user(user: User | None, course_run: CourseRun, capability: str) -> None:
    """Results entry and receipt are the provider's own work, for its own course runs (no user:
    the system itself, loading demo data)."""
    if user is None:
        return
    if user.is_ao_staff or user.organisation_id != course_run.provider.organisation_id:
        raise PermissionDenied("Only the course run's own centre can do this.")
    if not user.can(capability):
        raise PermissionDenied("Your roles do not allow this.")


def _require_ao(user: User | None, capability: str) -> None:
    if user is None:
        return  # the system itself (demo data)
    if not (user.is_ao_staff and user.can(capability)):
        raise PermissionDenied("Only awarding organisation staff with the right role can do this.")


def results_viewed(*, acting_user: User, course_run: CourseRun, page: str) -> None:
    """A page listing learners' results was read (R-ACC-7)."""
    audit_record(
        actor=acting_user,
        action="results.view",
        target=course_run,
        detail={"page": page},
        organisation_id=course_run.provider.organisation_id,
    )
