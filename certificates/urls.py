"""Certificate URLs: public checking at the site root, signed-in pages under /certificates/."""

from django.urls import path

from . import views, views_grade, views_reports
from .api.views import VerifyView

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("c/<str:token>", views.check_by_token, name="check_by_token"),
    path("api/v1/verify", VerifyView.as_view(), name="api_verify"),
    path("certificates/", views.certificate_list, name="list"),
    path("certificates/batches/", views.job_list, name="job_list"),
    path(
        "certificates/reports/replacement-fees/",
        views_reports.replacement_fees,
        name="replacement_fees",
    ),
    path(
        "certificates/reports/replacement-fees/export/",
        views_reports.replacement_fees_export,
        name="replacement_fees_export",
    ),
    path("certificates/batches/<int:pk>/", views.job_detail, name="job_detail"),
    path("certificates/batches/<int:pk>/progress", views.job_progress, name="job_progress"),
    path("certificates/batches/<int:pk>/certificates.zip", views.job_zip, name="job_zip"),
    path("certificates/batches/<int:pk>/print.pdf", views.job_print, name="job_print"),
    path("certificates/batches/<int:pk>/retry", views.job_retry, name="job_retry"),
    path("certificates/<str:number>/", views.certificate_detail, name="detail"),
    path("certificates/<str:number>/certificate.pdf", views.certificate_pdf, name="pdf"),
    path("certificates/<str:number>/replace/", views.certificate_replace, name="replace"),
    path("certificates/<str:number>/revoke/", views.certificate_revoke, name="revoke"),
    path(
        "certificates/<str:number>/correct-grade/",
        views_grade.certificate_grade_correct,
        name="grade_correct",
    ),
    # Only bench/verify_load.py turns this on (CERTIFICATES_BENCH_TRIVIAL_VIEW); 404 otherwise.
    path("certificates-bench/trivial", views.bench_trivial, name="bench_trivial"),
]
