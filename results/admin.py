from django.contrib import admin

from .models import Consignment, CourseRunResults, LateCertificates, StageChange


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_stage", "to_stage", "actor", "at", "note")


@admin.register(CourseRunResults)
class CourseRunResultsAdmin(admin.ModelAdmin):
    list_display = ("course_run", "stage", "verifier", "certificated_on", "received_date")
    list_filter = ("stage",)
    readonly_fields = ("stage",)
    inlines = [StageChangeInline]


@admin.register(Consignment)
class ConsignmentAdmin(admin.ModelAdmin):
    list_display = ("pk", "provider", "dispatched_on", "carrier", "tracking_reference")


@admin.register(LateCertificates)
class LateCertificatesAdmin(admin.ModelAdmin):
    list_display = ("pk", "results", "consignment", "received_date")
    readonly_fields = ("consignment", "results", "received_date", "received_by")
