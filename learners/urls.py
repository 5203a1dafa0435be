from django.urls import path

from . import views, views_reports

app_name = "learners"

urlpatterns = [
    path("", views.learner_list, name="list"),
    path("<int:pk>/", views.learner_detail, name="detail"),
    path("reports/not-known/", views.not_known_report_view, name="not_known_report"),
    path(
        "reports/not-known/export/",
        views_reports.not_known_report_export,
        name="not_known_report_export",
    ),
]
