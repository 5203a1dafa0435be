"""Waiting and sent messages in the Django admin, read only."""

from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["pk", "task_name", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["task_name"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
