"""Reads of the audit log, scoped to the super user's organisation (R-ACC-7)."""

import datetime

from django.db.models import Count, QuerySet

from accounts.models import User

from .models import AuditEvent


def audit_events_visible_to(*, user: User) -> QuerySet[AuditEvent]:
    """AO super users see the whole log; a provider's super user sees their provider's events."""
    events = AuditEvent.objects.select_related("actor")
    if user.is_ao_staff:
        return events
    return events.filter(organisation_id=user.organisation_id)


def audit_events_search(
    *,
    user: User,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    events = audit_events_visible_to(user=user)
    if actor.strip():
        events = events.filter(actor_username__icontains=actor.strip())
    if action.strip():
        events = events.filter(action__icontains=action.strip())
    if object_type:
        events = events.filter(object_type=object_type)
    if date_from:
        events = events.filter(occurred_at__date__gte=date_from)
    if date_to:
        events = events.filter(occurred_at__date__lte=date_to)
    return events


def user_audit_rows(*, user: User) -> QuerySet[User]:
    """The annual user audit (R-ACC-7): every account in scope with its status and roles."""
    from accounts.selectors import users_manageable_by

    return users_manageable_by(user=user).order_by("organisation__name", "status", "family_name")


def user_audit_counts(*, user: User) -> list[dict[str, object]]:
    return list(
        user_audit_rows(user=user)
        .order_by()
        .values("organisation__name", "status")
        .annotate(total=Count("pk"))
        .order_by("organisation__name", "status")
    )
