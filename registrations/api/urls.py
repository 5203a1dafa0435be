"""The API's URLs: /api/v1/... for data, /api/schema/ (OpenAPI 3) and /api/docs/ (readable docs)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import docs, views

urlpatterns = [
    path("v1/learners/", views.LearnerListCreate.as_view(), name="api-learner-list"),
    path("v1/learners/<int:pk>/", views.LearnerDetail.as_view(), name="api-learner-detail"),
    path("v1/course-runs/", views.CourseRunListCreate.as_view(), name="api-course-run-list"),
    path("v1/course-runs/<int:pk>/", views.CourseRunDetail.as_view(), name="api-course-run-detail"),
    path("v1/registrations/", views.RegistrationListCreate.as_view(), name="api-registration-list"),
    path(
        "v1/registrations/<int:pk>/",
        views.RegistrationDetail.as_view(),
        name="api-registration-detail",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", docs.api_docs, name="api-docs"),
]
