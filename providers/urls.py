from django.urls import path

from . import views

app_name = "providers"

urlpatterns = [
    path("", views.provider_list, name="list"),
    path("new/", views.provider_new, name="create"),
    path("<int:pk>/", views.provider_detail, name="detail"),
    path("<int:pk>/edit/", views.provider_edit, name="edit"),
    path(
        "<int:pk>/approvals/<int:approval_pk>/withdraw/",
        views.provider_approval_end,
        name="approval_withdraw",
    ),
    path("ours/", views.own_provider, name="own"),
]
