"""Who may act for a provider (R-ACC-6), and the error every registration service raises."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError

from learners.validators import FieldError

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider


class RegistrationRejected(ValidationError):
    """One or more registration rules were broken; `errors` lists them by field with codes."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(error.field, []).append(error.message)
        super().__init__(by_field)


def acting_as_ao(user: User | None) -> bool:
    """AO staff, or the system itself (no user: demo data, migrations)."""
    return user is None or user.is_ao_staff


def _ensure_may_act_for(user: User | None, provider: Provider) -> None:
    """A provider's users act only for their own provider (R-ACC-6), whatever the caller passed."""
    if (
        not acting_as_ao(user)
        and user is not None
        and user.organisation_id != provider.organisation_id
    ):
        raise PermissionDenied("You can act only for your own centre.")
