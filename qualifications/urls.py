from django.urls import path

from . import views

app_name = "qualifications"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("qualifications/new/", views.qualification_new, name="create"),
    path("qualifications/<int:pk>/", views.qualification_detail, name="detail"),
    path("qualifications/<int:pk>/edit/", views.qualification_edit, name="edit"),
    path(
        "qualifications/<int:pk>/units/<int:unit_pk>/remove/",
        views.qualification_unit_delete,
        name="unit_remove",
    ),
    path("approvals/<int:pk>/withdraw/", views.approval_withdraw, name="approval_withdraw"),
    path("grading-schemes/", views.grading_scheme_list, name="grading_schemes"),
    path("grading-schemes/new/", views.grading_scheme_new, name="grading_scheme_create"),
    path("grading-schemes/<int:pk>/edit/", views.grading_scheme_edit, name="grading_scheme_edit"),
    path("units/new/", views.unit_new, name="unit_create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
]
