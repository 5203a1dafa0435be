"""The portal's URL map: each area mounts its own urls module."""

from django.conf import settings
from django.urls import include, path

from accounts.api.views import me as api_me
from accounts.views.sign_in import SignInView, dashboard

from .health import healthz

urlpatterns = [
    # Signed-out visitors land on the sign-in page; signed-in users go on to their dashboard.
    path("", SignInView.as_view(), name="home"),
    path("dashboard/", dashboard, name="dashboard"),
    path("accounts/", include("accounts.urls")),
    path("providers/", include("providers.urls")),
    path("audit/", include("audit.urls")),
    path("api/v1/me", api_me, name="api_me"),
    path("catalogue/", include("qualifications.urls")),
    path("learners/", include("learners.urls")),
    path("registrations/", include("registrations.urls")),
    path("api/", include("registrations.api.urls")),
    path("", include("certificates.urls")),
    path("results/", include("results.urls")),
    path("healthz", healthz, name="healthz"),
    path("lrs/challenges/", include("lrs_sync.challenge_urls")),
    path("lrs/", include("lrs_sync.urls")),
]

if settings.LRS_SANDPIT_ENABLED:
    urlpatterns.append(path("lrs-sandpit/", include("lrs_sandpit.urls")))
