"""The audit log in the admin: read-only, never edited or deleted."""

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "actor_username",
        "ip_address",
        "action",
        "object_type",
        "object_id",
    )
    list_filter = ("action",)
    search_fields = ("actor_username", "action", "object_id", "object_repr")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
