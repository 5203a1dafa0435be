"""Organisations and the people who sign in to the portal."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from .roles import AO_ROLES, SECOND_FACTOR_REQUIRED_ROLES, Role, capabilities_for_roles


class Organisation(models.Model):
    """The awarding organisation itself, or one of its approved providers (centres)."""

    class Kind(models.TextChoices):
        AWARDING_ORGANISATION = "ao", "Awarding organisation"
        PROVIDER = "provider", "Provider"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="ao"),
                name="organisation_single_awarding_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_awarding_organisation(self) -> bool:
        return self.kind == self.Kind.AWARDING_ORGANISATION


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username__iexact=username)

    def create_user(
        self, username: str, email: str, password: str | None = None, **fields: object
    ) -> User:
        user = self.model(username=username, email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, username: str, email: str, password: str | None = None, **fields: object
    ) -> User:
        """For `createsuperuser`: an AO super user with Django admin rights."""
        organisation, _ = Organisation.objects.get_or_create(
            kind=Organisation.Kind.AWARDING_ORGANISATION, defaults={"name": "Awarding organisation"}
        )
        fields.setdefault("organisation", organisation)
        fields.setdefault("roles", [Role.AO_SUPER_USER])
        fields.setdefault("given_name", username)
        fields.setdefault("family_name", "Administrator")
        fields["is_superuser"] = True
        fields.setdefault("email_verified_at", timezone.now())
        return self.create_user(username, email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """One person's own account (R-ACC-1): never shared, never reassigned to another person."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        SUSPENDED = "suspended", "Suspended"
        DELETED = "deleted", "Deleted"

    username = models.CharField(max_length=150, unique=True)
    email = models.EmailField(max_length=254)  # PII
    given_name = models.CharField(max_length=100)  # PII
    family_name = models.CharField(max_length=100)  # PII
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="users")
    roles = ArrayField(models.CharField(max_length=40, choices=Role.choices), default=list)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.CharField(
        max_length=500, blank=True, help_text="Who authorised this account, and how."
    )
    failed_login_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    # A new welcome email makes the links in earlier ones stop working.
    invitation_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_case_insensitive"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.given_name

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.status == self.Status.ACTIVE

    @property
    def is_staff(self) -> bool:
        """Django admin access: AO super users only."""
        return self.is_ao_staff and (self.is_superuser or Role.AO_SUPER_USER in self.roles)

    def is_verified(self) -> bool:
        """Whether this request passed the second factor; django-otp's middleware replaces this."""
        return False

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_ao_staff(self) -> bool:
        return self.organisation.is_awarding_organisation

    @property
    def is_provider_user(self) -> bool:
        return not self.is_ao_staff

    @cached_property
    def capabilities(self) -> frozenset[str]:
        allowed_roles = [r for r in self.roles if (r in AO_ROLES) == self.is_ao_staff]
        return capabilities_for_roles(allowed_roles)

    def can(self, capability: str) -> bool:
        return self.is_active and capability in self.capabilities

    @property
    def second_factor_required(self) -> bool:
        return bool(SECOND_FACTOR_REQUIRED_ROLES.intersection(self.roles))

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in self.roles if r in Role.values]


# Models kept in their own modules; importing them here registers them with the app.
from .api_tokens import ApiToken  # noqa: E402, F401
from .sessions import UserSession  # noqa: E402, F401
