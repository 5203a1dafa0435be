"""Pages for event data challenges (R-EDC-1 to R-EDC-4), under /lrs/challenges/."""

from django.urls import path

from . import challenge_views as views

app_name = "lrs_challenges"
urlpatterns = [
    path("", views.challenge_list, name="list"),
    path("fetch/", views.challenges_fetch_now, name="fetch"),
    path("in-progress/", views.challenges_bulk_in_progress, name="bulk_in_progress"),
    path("settings/", views.resolver_settings, name="settings"),
    path("<int:pk>/", views.challenge_detail, name="detail"),
    path("<int:pk>/process/", views.challenge_process_view, name="process"),
]
