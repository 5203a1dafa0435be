"""Who may act on certificates: the AO's certification officers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import User
from accounts.roles import Capability


def _require_certification_officer(user: User) -> None:
    if not (user.is_ao_staff and user.can(Capability.CERTIFICATE)):
        raise PermissionDenied("Only AO staff who issue certificates may do this.")
