"""Catalogue pages for AO catalogue managers (Capability.MANAGE_CATALOGUE)."""

from __future__ import annotations

from typing import Any

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
    GradeFormSet,
    GradingSchemeForm,
    ProviderApprovalForm,
    QualificationForm,
    QualificationUnitForm,
    UnitForm,
)
from .models import GradingScheme, ProviderApproval, Qualification, Unit
from .selectors import grade_points_for, grading_schemes_list, qualifications_list, units_list
from .services import (
    GradeRow,
    grading_scheme_create,
    grading_scheme_update,
    provider_approval_withdraw,
    provider_approve,
    qualification_create,
    qualification_unit_remove,
    qualification_unit_set,
    qualification_update,
    unit_create,
    unit_update,
)
from .validators import grade_rule_description, qualification_number_check

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
            try:
                qualification_unit_set(
                    qualification=qualification,
                    unit=unit_form.cleaned_data["unit"],
                    mandatory=unit_form.cleaned_data["mandatory"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                for message in error.message_dict.get("unit", error.messages):
                    unit_form.add_error("unit", message)
            else:
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
            "number_warning": qualification.number_warning,
            "grade_rule": grade_rule_description(
                grade_points_for(scheme=qualification.grading_scheme)
            ),
            "units_credits": sum(m.unit.credit_value for m in memberships),
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
    try:
        qualification_unit_remove(qualification=qualification, unit=unit, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
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


def _grade_rows(formset: Any) -> list[GradeRow]:
    return [
        GradeRow(
            code=form.cleaned_data["code"],
            label=form.cleaned_data["label"],
            is_pass=form.cleaned_data["is_pass"],
            points=form.cleaned_data.get("points"),
            qualification_threshold=form.cleaned_data.get("qualification_threshold"),
            pk=form.cleaned_data.get("grade_id") or None,
        )
        for form in formset.kept_forms()
    ]


def _scheme_page(
    request: AuthenticatedHttpRequest,
    *,
    scheme: GradingScheme | None,
    heading: str,
) -> HttpResponse:
    initial_name = {"name": scheme.name} if scheme else None
    initial_grades = (
        [
            {
                "grade_id": g.pk,
                "order": g.position,
                "code": g.code,
                "label": g.label,
                "is_pass": g.is_pass,
                "points": g.points,
                "qualification_threshold": g.qualification_threshold,
            }
            for g in scheme.grades.all()
        ]
        if scheme
        else None
    )
    data = request.POST if request.method == "POST" else None
    form = GradingSchemeForm(data, initial=initial_name)
    formset = GradeFormSet(data, initial=initial_grades, prefix="grades")
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            if scheme is None:
                scheme = grading_scheme_create(
                    name=form.cleaned_data["name"],
                    grades=_grade_rows(formset),
                    acting_user=request.user,
                )
                messages.success(request, f"Grading scheme {scheme.name} created.")
            else:
                grading_scheme_update(
                    scheme=scheme,
                    name=form.cleaned_data["name"],
                    grades=_grade_rows(formset),
                    acting_user=request.user,
                )
                messages.success(request, f"Grading scheme {scheme.name} saved.")
        except ValidationError as error:
            form.apply_validation_error(error)
        else:
            return redirect("qualifications:grading_schemes")
    return render(
        request,
        "qualifications/grading_scheme_form.html",
        {"form": form, "formset": formset, "heading": heading},
    )


@catalogue_manager
def grading_scheme_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    schemes = [
        (scheme, grade_rule_description(grade_points_for(scheme=scheme)))
        for scheme in grading_schemes_list()
    ]
    return render(request, "qualifications/grading_schemes.html", {"schemes": schemes})


@catalogue_manager
def grading_scheme_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _scheme_page(request, scheme=None, heading="Add a grading scheme")


@catalogue_manager
def grading_scheme_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    scheme = get_object_or_404(GradingScheme, pk=pk)
    return _scheme_page(request, scheme=scheme, heading=f"Edit grading scheme {scheme.name}")
