from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "results"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="results:administration", permanent=False)),
    path("administration/", views.administration, name="administration"),
    path("receipt-pending/", views.receipt_pending, name="receipt_pending"),
    path("retention/", views.retention, name="retention"),
    path("verification/", views.verification_queue, name="verification_queue"),
    path("certification/", views.certification_queue, name="certification_queue"),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("consignments/<int:pk>/", views.consignment_detail, name="consignment"),
    path(
        "consignments/<int:pk>/certification-report.pdf",
        views.certification_report_pdf,
        name="certification_report_pdf",
    ),
    path(
        "consignments/<int:pk>/course-runs/<int:course_run_pk>/certificate-summary.pdf",
        views.consignment_certificate_summary_pdf,
        name="consignment_certificate_summary_pdf",
    ),
    path("late-certificates/<int:pk>/receipt/", views.late_receipt, name="late_receipt"),
    path("course-runs/<int:pk>/", views.course_run_results, name="course_run"),
    path("course-runs/<int:pk>/submit/", views.submit, name="submit"),
    path("course-runs/<int:pk>/import/", views.import_start, name="import_start"),
    path("course-runs/<int:pk>/results-sample.csv", views.import_sample, name="import_sample"),
    path("course-runs/<int:pk>/review/", views.review, name="review"),
    path("course-runs/<int:pk>/certify/", views.certify, name="certify"),
    path(
        "course-runs/<int:pk>/certificate-summary.pdf",
        views.certificate_summary_pdf,
        name="certificate_summary_pdf",
    ),
    path("course-runs/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/errors.csv", views.import_errors, name="import_errors"),
]
