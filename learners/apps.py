"""App configuration for learners."""

from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = "Learners"

    def ready(self) -> None:
        # Load the data-file lists at start-up, so a malformed file is noticed at once.
        from .reference_data import registry

        registry.load()
