"""Reads of providers, scoped to what the signed-in user may see (R-ACC-6)."""

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from accounts.models import User

from .models import Provider


def providers_visible_to(*, user: User) -> QuerySet[Provider]:
    """AO staff see every provider; a provider's users see only their own."""
    providers = Provider.objects.select_related("organisation")
    if user.is_ao_staff:
        return providers
    return providers.filter(organisation_id=user.organisation_id)


def providers_with_user_counts(*, user: User) -> QuerySet[Provider]:
    return providers_visible_to(user=user).annotate(user_count=Count("organisation__users"))


def provider_users(*, provider: Provider) -> QuerySet[User]:
    """The centre's own accounts, deleted ones last, for its page."""
    return User.objects.filter(organisation_id=provider.organisation_id).order_by(
        "status", "family_name", "given_name"
    )


def provider_recipients(*, provider: Provider, roles: Iterable[str]) -> list[str]:
    """Whom the portal emails at a centre (decision 0080): its active users holding any of the
    roles that act on the message, in user-name order; if none holds them, every active user,
    so the message is never lost."""
    users = User.objects.filter(
        organisation_id=provider.organisation_id, status=User.Status.ACTIVE
    ).order_by("username")
    wanted = set(roles)
    chosen = [u.email for u in users if wanted.intersection(u.roles)]
    return chosen or [u.email for u in users]
