"""Reads of the audit log, scoped to the super user's organisation (R-ACC-7)."""

import datetime

from django.db.models import Count, Q, QuerySet

from accounts.models import User

from .models import AuditEvent


def audit_events_visible_to(*, user: User) -> QuerySet[AuditEvent]:
    """AO super users see the whole log; a provider's super user sees their provider's events."""
    events = AuditEvent.objects.select_related("actor")
    if user.is_ao_staff:
        return events
    return events.filter(organisation_id=user.organisation_id)


def _about_users(*, user: User, text: str) -> Q:
    """Everything that happened to the accounts this text names (user name, name or email)."""
    from accounts.selectors import users_search

    ids = [str(pk) for pk in users_search(user=user, text=text).values_list("pk", flat=True)]
    return Q(object_type="accounts.user", object_id__in=ids)


def _about_learners(*, user: User, text: str) -> Q:
    """Everything that happened to the learners this text names (name or ULN), their
    registrations, results and certificates included."""
    from certificates.models import Certificate
    from learners.selectors import learners_search
    from registrations.models import Registration
    from results.models import LearnerResult

    learners = learners_search(user=user, search=text)
    registrations = Registration.objects.filter(learner__in=learners)
    results = LearnerResult.objects.filter(registration__in=registrations)
    certificates = Certificate.objects.filter(learner_results__in=results)

    def ids(queryset: QuerySet) -> list[str]:
        return [str(pk) for pk in queryset.values_list("pk", flat=True).distinct()[:5000]]

    return (
        Q(object_type="learners.learner", object_id__in=ids(learners))
        | Q(object_type="registrations.registration", object_id__in=ids(registrations))
        | Q(object_type="results.learnerresult", object_id__in=ids(results))
        | Q(object_type="certificates.certificate", object_id__in=ids(certificates))
    )


def audit_events_search(
    *,
    user: User,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    about_user: str = "",
    about_learner: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """What the filters ask for: who acted, what they did, and what it happened *to* (R-ACC-7)."""
    events = audit_events_visible_to(user=user)
    if actor.strip():
        events = events.filter(actor_username__icontains=actor.strip())
    if about_user.strip():
        events = events.filter(_about_users(user=user, text=about_user))
    if about_learner.strip():
        events = events.filter(_about_learners(user=user, text=about_learner))
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
