"""Providers in the admin, read-only; the catalogue pages make the audited changes."""

from django.contrib import admin
from django.http import HttpRequest

from .models import Provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "centre_number", "ukprn", "e_certificates_enabled")
    search_fields = ("organisation__name", "centre_number", "ukprn")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
