"""Who may act on certificates: the AO's certification officers, and for one grade-corrected
replacement, the EDC resolver acting on an upheld grade challenge (decision 0161)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import User
from accounts.roles import Capability


def _require_certification_officer(user: User) -> None:
    if not (user.is_ao_staff and user.can(Capability.CERTIFICATE)):
        raise PermissionDenied("Only AO staff who issue certificates may do this.")


def _require_grade_correction_authority(user: User, *, challenge_reference: str) -> None:
    """A grade correction replaces a certificate on a certification officer's authority, or on
    the authority of an event data challenge about the grade that the AO upholds: then the EDC
    resolver working it may do it, and every row it writes names the challenge."""
    if challenge_reference and user.is_ao_staff and user.can(Capability.RESOLVE_CHALLENGES):
        return
    _require_certification_officer(user)
