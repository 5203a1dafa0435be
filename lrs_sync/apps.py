"""App configuration for lrs_sync."""

from django.apps import AppConfig


class LRSSyncConfig(AppConfig):
    name = "lrs_sync"
    verbose_name = "LRS Sync"

    def ready(self) -> None:
        from . import challenge_tasks  # noqa: F401  registers the challenge tasks
