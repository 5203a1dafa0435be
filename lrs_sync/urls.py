"""Pages for the portal's work with the LRS: learner verification (and later achievements)."""

from django.urls import path

from . import views

app_name = "lrs_sync"
urlpatterns = [
    path("learners/<int:pk>/verify/", views.learner_verify_view, name="learner_verify"),
    path(
        "learners/<int:pk>/use-master-uln/",
        views.learner_master_uln_view,
        name="learner_master_uln",
    ),
    path("verification/", views.verification_outcomes, name="outcomes"),
    path("verification/batches/", views.verify_job_list, name="verify_jobs"),
    path("verification/batches/<int:pk>/", views.verify_job_detail, name="verify_job"),
    path(
        "verification/batches/<int:pk>/progress/",
        views.verify_job_progress,
        name="verify_job_progress",
    ),
    path(
        "verification/batches/<int:pk>/results.csv",
        views.verify_job_results_csv,
        name="verify_job_results_csv",
    ),
    path(
        "verification/batches/<int:pk>/retry/", views.verify_job_retry_view, name="verify_job_retry"
    ),
]
