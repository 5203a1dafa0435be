from django.urls import path

from . import views

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
]
