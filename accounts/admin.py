"""Admin for accounts: read and search; changes go through the portal's audited pages."""

from django.contrib import admin
from django.http import HttpRequest

from .models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Read-only: nobody sets another user's password (R-ACC-3), and every change is audited."""

    list_display = ("username", "given_name", "family_name", "email", "organisation", "status")
    list_filter = ("status", "organisation__kind")
    search_fields = ("username", "given_name", "family_name", "email")
    exclude = ("password", "user_permissions", "groups")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
