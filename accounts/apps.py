"""App configuration for accounts: users, organisations, roles and sign-in."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
