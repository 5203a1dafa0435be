"""Receipt (R-CRT-5): the centre confirms printed certificates arrived, on time or late."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability

from .. import selectors, services
from ..forms import (
    ReceiptForm,
)
from ..services import ResultsRejected
from .common import _course_run

# --- receipt (R-CRT-5) ----------------------------------------------------------------------


@capability_required(Capability.CONFIRM_RECEIPT)
def receipt(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Manage → CRF Received: the date the certificates arrived and an optional note."""
    course_run = _course_run(request, pk)
    if request.user.is_ao_staff:
        raise PermissionDenied
    results = services.course_run_results_get(course_run=course_run)
    form = ReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_run_receipt_confirm(
                course_run=course_run,
                received_date=form.cleaned_data["received_date"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except ResultsRejected as rejected:
            form.apply_errors(rejected.errors)
            if any(e.field == "stage" for e in rejected.errors):
                form.add_error(None, next(e.message for e in rejected.errors if e.field == "stage"))
        else:
            messages.success(request, "Receipt confirmed (CRF Received). Thank you.")
            return redirect("results:course_run", pk=course_run.pk)
    deadline = (
        services.receipt_deadline(results.consignment.dispatched_on)
        if results.consignment and results.consignment.dispatched_on
        else None
    )
    return render(
        request,
        "results/receipt.html",
        {
            "course_run": course_run,
            "results": results,
            "form": form,
            "deadline": deadline,
            "late_certificates": selectors.late_certificates_of(course_run=course_run),
        },
        status=400 if form.errors else 200,
    )


@capability_required(Capability.CONFIRM_RECEIPT)
def late_receipt(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """CRF Received for late certificates: learners held back by a query whose certificates
    were sent in a later consignment (R-CRT-4, R-CRT-5)."""
    late = get_object_or_404(selectors.late_certificates_visible_to(user=request.user), pk=pk)
    if request.user.is_ao_staff:
        raise PermissionDenied
    course_run = late.results.course_run
    form = ReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.late_certificates_receipt_confirm(
                late=late,
                received_date=form.cleaned_data["received_date"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except ResultsRejected as rejected:
            form.apply_errors(rejected.errors)
            if any(e.field == "stage" for e in rejected.errors):
                form.add_error(None, next(e.message for e in rejected.errors if e.field == "stage"))
        else:
            messages.success(
                request, "Receipt of the late certificates confirmed (CRF Received). Thank you."
            )
            return redirect("results:course_run", pk=course_run.pk)
    late.refresh_from_db()
    dispatched_on = late.consignment.dispatched_on
    return render(
        request,
        "results/late_receipt.html",
        {
            "course_run": course_run,
            "results": late.results,
            "late": late,
            "learners": list(late.learner_results()),
            "form": form,
            "deadline": services.receipt_deadline(dispatched_on) if dispatched_on else None,
        },
        status=400 if form.errors else 200,
    )
