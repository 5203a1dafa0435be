"""The sandpit's SOAP endpoints and its pages, mounted at /lrs-sandpit/ in dev and test only."""

from django.urls import path

from . import challenge_views, views

app_name = "lrs_sandpit"
urlpatterns = [
    path("LearnerService.svc", views.learner_service_endpoint, name="learner_service"),
    path("ExternalService.svc", views.external_service_endpoint, name="external_service"),
    path(
        "LearnerServiceR9.svc",
        challenge_views.learner_service_r9_endpoint,
        name="learner_service_r9",
    ),
    path("data-challenges/", challenge_views.challenges, name="challenges"),
    path("", views.register, name="register"),
    path("learners/add/", views.learner_add, name="learner_add"),
]
