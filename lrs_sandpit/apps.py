"""App configuration for the LRS sandpit: a stand-in for the Learning Records Service."""

from django.apps import AppConfig


class LRSSandpitConfig(AppConfig):
    name = "lrs_sandpit"
    verbose_name = "LRS sandpit"
