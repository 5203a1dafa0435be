from django.urls import path

from . import views

app_name = "learners"

urlpatterns = [
    path("", views.learner_list, name="list"),
    path("<int:pk>/", views.learner_detail, name="detail"),
    path("<int:pk>/edit/", views.learner_edit, name="edit"),
    path("reports/not-known/", views.not_known_report_view, name="not_known_report"),
]
