"""Reads of user accounts, scoped to what the signed-in super user may manage (R-ACC-3, R-ACC-6)."""

from django.db.models import Q, QuerySet

from audit.models import AuditEvent

from .models import Organisation, User


def users_manageable_by(*, user: User) -> QuerySet[User]:
    """AO super users manage every account (they onboard providers); a provider's super user
    manages their own provider's accounts only."""
    users = User.objects.select_related("organisation")
    if user.is_ao_staff:
        return users
    return users.filter(organisation_id=user.organisation_id)


def users_search(
    *,
    user: User,
    text: str = "",
    status: str = "",
    role: str = "",
    organisation_id: int | None = None,
) -> QuerySet[User]:
    users = users_manageable_by(user=user)
    if text.strip():
        for word in text.split():
            users = users.filter(
                Q(given_name__icontains=word)
                | Q(family_name__icontains=word)
                | Q(username__icontains=word)
                | Q(email__icontains=word)
            )
    if status:
        users = users.filter(status=status)
    if role:
        users = users.filter(roles__contains=[role])
    if organisation_id:
        users = users.filter(organisation_id=organisation_id)
    return users.order_by("organisation__name", "family_name", "given_name")


def organisations_manageable_by(*, user: User) -> QuerySet[Organisation]:
    if user.is_ao_staff:
        return Organisation.objects.order_by("kind", "name")
    return Organisation.objects.filter(pk=user.organisation_id)


def user_for_sign_in(*, identifier: str) -> User | None:
    identifier = identifier.strip()
    if not identifier:
        return None
    return (
        User.objects.select_related("organisation")
        .filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))
        .first()
    )


def sign_in_failures_recent(*, user: User, limit: int = 10) -> list[AuditEvent]:
    """The account's latest failed sign-ins, newest first: when, from where, by which way in."""
    return list(
        AuditEvent.objects.filter(
            action="user.sign_in_failed", object_type="accounts.user", object_id=str(user.pk)
        )[:limit]
    )
