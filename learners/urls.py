from django.urls import path

from . import views, views_csv, views_reports

app_name = "learners"

urlpatterns = [
    path("", views.learner_list, name="list"),
    path("<int:pk>/", views.learner_detail, name="detail"),
    path("<int:pk>/edit/", views.learner_edit, name="edit"),
    path("import/", views_csv.learner_import_start, name="import"),
    path("import/sample.csv", views_csv.learner_import_sample, name="import_sample"),
    path("export/", views_csv.learner_export, name="export"),
    path("reports/not-known/", views.not_known_report_view, name="not_known_report"),
    path(
        "reports/not-known/export/",
        views_reports.not_known_report_export,
        name="not_known_report_export",
    ),
]
