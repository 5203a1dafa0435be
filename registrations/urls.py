from django.urls import path

from . import views, views_csv

app_name = "registrations"

urlpatterns = [
    path("register/", views.register_learner, name="register"),
    path("register/check/", views.register_learner_check, name="register_check"),
    path(
        "register/learner/<int:learner_pk>/",
        views.register_existing_learner,
        name="register_existing",
    ),
    path("course-runs/", views.course_run_list, name="course_run_list"),
    path("course-runs/new/", views.course_run_create, name="course_run_create"),
    path("course-runs/<int:pk>/", views.course_run_detail, name="course_run_detail"),
    path("<int:pk>/edit/", views.registration_edit_view, name="edit"),
    path("<int:pk>/void/", views.registration_void_view, name="void"),
    # The Registrations list with its CSV export, and the CSV import (views_csv).
    path("list/", views_csv.registration_list, name="list"),
    path("export/", views_csv.registration_export, name="export"),
    path("import/", views_csv.import_start, name="import"),
    path("import/sample.csv", views_csv.import_sample, name="import_sample"),
    path("import/<int:pk>/", views_csv.import_job, name="import_job"),
    path("import/<int:pk>/progress/", views_csv.import_job_progress, name="import_job_progress"),
    path("import/<int:pk>/errors.csv", views_csv.import_job_errors, name="import_job_errors"),
    path("import/<int:pk>/upload/", views_csv.import_upload, name="import_upload"),
    path("import/<int:pk>/cancel/", views_csv.import_cancel, name="import_cancel"),
]
