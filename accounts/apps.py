"""App configuration for accounts: users, organisations, roles and sign-in."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from .api import schema  # noqa: F401 - registers the token scheme with drf-spectacular
