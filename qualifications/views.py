"""Catalogue pages for AO catalogue managers (Capability.MANAGE_CATALOGUE)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from awards_portal.query_parameters import query_shortened_message, query_text

from .forms import (
    CATALOGUE_FIELDS,
    ProviderApprovalForm,
    QualificationForm,
    QualificationUnitForm,
    UnitForm,
)
from .models import ProviderApproval, Qualification, Unit
from .selectors import qualifications_list, units_list
from .services import (
    provider_approval_withdraw,
    provider_approve,
    qualification_create,
    qualification_unit_remove,
    qualification_unit_set,
    qualification_update,
    unit_create,
    unit_update,
)
from .validators import qualification_number_check

catalogue_manager = capability_required(Capability.MANAGE_CATALOGUE, ao_only=True)
QUALIFICATION_FORM_FIELDS = (
    "number",
    "qualification_type",
    "lrs_type",
    "minimum_credits",
    *CATALOGUE_FIELDS,
)
UNIT_FORM_FIELDS = ("reference", *CATALOGUE_FIELDS)


def _warn_about_number(request: AuthenticatedHttpRequest, number: str) -> None:
    warning = qualification_number_check(number).warning
    if warning:
        messages.warning(request, f"Saved, but please check: {warning}")


@catalogue_manager
def catalogue(request: AuthenticatedHttpRequest) -> HttpResponse:
    search, shortened = query_text(request.GET.get("q"))
    if shortened:
        messages.info(request, query_shortened_message())
    return render(
        request,
        "qualifications/catalogue.html",
        {
            "qualifications": qualifications_list(search=search),
            "units": units_list(),
            "search": search,
        },
    )


@catalogue_manager
def qualification_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = QualificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            qualification = qualification_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.apply_validation_error(error)
        else:
            messages.success(request, f"Qualification {qualification.number} created.")
            _warn_about_number(request, qualification.number)
            return redirect("qualifications:detail", pk=qualification.pk)
    return render(
        request, "qualifications/form.html", {"form": form, "heading": "Add a qualification"}
    )


@catalogue_manager
def qualification_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    qualification = get_object_or_404(Qualification, pk=pk)
    initial = {name: getattr(qualification, name) for name in QUALIFICATION_FORM_FIELDS}
    form = QualificationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            qualification_update(
                qualification=qualification, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.apply_validation_error(error)
        else:
            messages.success(request, f"Qualification {qualification.number} saved.")
            _warn_about_number(request, qualification.number)
            return redirect("qualifications:detail", pk=qualification.pk)
    return render(
        request,
        "qualifications/form.html",
        {"form": form, "heading": f"Edit {qualification.number}"},
    )


@catalogue_manager
def qualification_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    qualification = get_object_or_404(Qualification.objects.select_related("grading_scheme"), pk=pk)
    unit_form = QualificationUnitForm(prefix="unit")
    approval_form = ProviderApprovalForm(prefix="approval")
    if request.method == "POST" and "unit-unit" in request.POST:
        unit_form = QualificationUnitForm(request.POST, prefix="unit")
        if unit_form.is_valid():
            qualification_unit_set(
                qualification=qualification,
                unit=unit_form.cleaned_data["unit"],
                mandatory=unit_form.cleaned_data["mandatory"],
                acting_user=request.user,
            )
            messages.success(request, "Rules of combination updated.")
            return redirect("qualifications:detail", pk=pk)
    if request.method == "POST" and "approval-provider" in request.POST:
        approval_form = ProviderApprovalForm(request.POST, prefix="approval")
        if approval_form.is_valid():
            provider = approval_form.cleaned_data["provider"]
            provider_approve(
                provider=provider, qualification=qualification, acting_user=request.user
            )
            messages.success(request, f"{provider.name} is approved for {qualification.number}.")
            return redirect("qualifications:detail", pk=pk)
    memberships = qualification.unit_memberships.select_related("unit")
    approvals = qualification.provider_approvals.select_related("provider__organisation")
    return render(
        request,
        "qualifications/detail.html",
        {
            "qualification": qualification,
            "memberships": memberships,
            "approvals": approvals,
            "unit_form": unit_form,
            "approval_form": approval_form,
        },
    )


@require_POST
@catalogue_manager
def qualification_unit_delete(
    request: AuthenticatedHttpRequest, pk: int, unit_pk: int
) -> HttpResponse:
    qualification = get_object_or_404(Qualification, pk=pk)
    unit = get_object_or_404(Unit, pk=unit_pk)
    qualification_unit_remove(qualification=qualification, unit=unit, acting_user=request.user)
    messages.success(request, f"{unit.reference} removed from {qualification.number}.")
    return redirect("qualifications:detail", pk=pk)


@require_POST
@catalogue_manager
def approval_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    approval = get_object_or_404(ProviderApproval.objects.select_related("provider"), pk=pk)
    provider_approval_withdraw(approval=approval, acting_user=request.user)
    messages.success(request, f"Approval of {approval.provider.name} withdrawn.")
    return redirect("qualifications:detail", pk=approval.qualification_id)


@catalogue_manager
def unit_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = unit_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.apply_validation_error(error)
        else:
            messages.success(request, f"Unit {unit.reference} created.")
            return redirect("qualifications:catalogue")
    return render(request, "qualifications/form.html", {"form": form, "heading": "Add a unit"})


@catalogue_manager
def unit_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    form = UnitForm(
        request.POST or None, initial={name: getattr(unit, name) for name in UNIT_FORM_FIELDS}
    )
    if request.method == "POST" and form.is_valid():
        try:
            unit_update(unit=unit, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.apply_validation_error(error)
        else:
            messages.success(request, f"Unit {unit.reference} saved.")
            return redirect("qualifications:catalogue")
    return render(
        request,
        "qualifications/form.html",
        {"form": form, "heading": f"Edit unit {unit.reference}"},
    )
