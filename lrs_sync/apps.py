"""App configuration for lrs_sync."""

from django.apps import AppConfig


class LRSSyncConfig(AppConfig):
    name = "lrs_sync"
    verbose_name = "LRS Sync"
