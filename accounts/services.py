"""Every write to organisations and user accounts."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, snapshot

from .models import Organisation, User
from .validators import username_base

USER_AUDIT_FIELDS = (
    "username",
    "email",
    "given_name",
    "family_name",
    "organisation",
    "roles",
    "status",
    "verification_note",
)


def username_generate(*, given_name: str, family_name: str) -> str:
    """`firstname.surname`, made unique with a number (R-ACC-4): jo.bloggs, jo.bloggs2, ..."""
    base = username_base(given_name, family_name)
    taken = set(
        User.objects.filter(username__iregex=rf"^{base}[0-9]*$").values_list("username", flat=True)
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def awarding_organisation_get_or_create(*, name: str) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        kind=Organisation.Kind.AWARDING_ORGANISATION, defaults={"name": name}
    )
    return organisation


@transaction.atomic
def user_create(
    *,
    organisation: Organisation,
    given_name: str,
    family_name: str,
    email: str,
    roles: Iterable[str],
    verification_note: str,
    acting_user: User | None,
    password: str | None = None,
    username: str | None = None,
) -> User:
    """Create one person's account. Without a password the account waits for its welcome link."""
    user = User(
        username=username or username_generate(given_name=given_name, family_name=family_name),
        email=User.objects.normalize_email(email.strip()),
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        organisation=organisation,
        roles=sorted(set(roles)),
        verification_note=verification_note.strip(),
        status=User.Status.ACTIVE if password else User.Status.INACTIVE,
        email_verified_at=timezone.now() if password else None,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=acting_user,
        action="user.create",
        target=user,
        after=snapshot(user, USER_AUDIT_FIELDS),
        organisation_id=organisation.pk,
    )
    return user
