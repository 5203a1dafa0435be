"""Pages for the portal's work with the LRS: learner verification (and later achievements)."""

from django.urls import path

from . import views, views_achievements

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
    path("achievements/", views_achievements.achievement_list, name="achievements"),
    path("achievements/new/", views_achievements.achievement_new, name="achievement_new"),
    path("achievements/<int:pk>/", views_achievements.achievement_detail, name="achievement"),
    path("achievements/deadlines/", views_achievements.deadlines, name="achievement_deadlines"),
    path("achievement-batches/", views_achievements.batch_list, name="achievement_batches"),
    path(
        "achievement-batches/<int:pk>/", views_achievements.batch_detail, name="achievement_batch"
    ),
    path(
        "achievement-batches/<int:pk>/status/",
        views_achievements.batch_progress,
        name="achievement_batch_status",
    ),
    path(
        "achievement-batches/<int:pk>/resubmit/",
        views_achievements.batch_resubmit,
        name="achievement_batch_resubmit",
    ),
    path(
        "achievement-batches/<int:pk>/batch.xml",
        views_achievements.batch_download,
        name="achievement_batch_download",
    ),
    path(
        "achievement-batches/<int:pk>/resolve/",
        views_achievements.batch_resolve,
        name="achievement_batch_resolve",
    ),
]
