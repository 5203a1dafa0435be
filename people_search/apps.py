"""App configuration for people search: one way to find people by the names they are known by."""

from django.apps import AppConfig


class PeopleSearchConfig(AppConfig):
    name = "people_search"
    verbose_name = "People search"
