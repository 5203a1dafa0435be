"""The portal's URL map: each area mounts its own urls module."""

from django.contrib import admin
from django.urls import include, path

from accounts.views import SignInView, dashboard

from .health import healthz

urlpatterns = [
    # Signed-out visitors land on the sign-in page; signed-in users go on to their dashboard.
    path("", SignInView.as_view(), name="home"),
    path("dashboard/", dashboard, name="dashboard"),
    path("accounts/", include("accounts.urls")),
    path("providers/", include("providers.urls")),
    path("", include("certificates.urls")),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
