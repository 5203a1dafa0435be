"""Correcting a grade after certification, from the certificate's page (decisions 0125, 0160): AO
staff who may replace certificates choose the unit (or, for a General qualification, the
qualification grade itself), the new grade and say why."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import capability_required
from accounts.roles import Capability
from qualifications.models import Grade, LrsType
from results.models import LearnerResult, UnitResult
from results.services import result_grade_correct

from .models import Certificate
from .views import _certificate_for

# The choice of the qualification grade itself, beside the units' ids.
QUALIFICATION = "qualification"


class GradeCorrectForm(forms.Form):
    unit = forms.ChoiceField(
        label="Unit",
        error_messages={"required": "Choose the unit whose grade is wrong."},
    )
    new_grade = forms.TypedChoiceField(
        label="Correct grade",
        coerce=int,
        error_messages={"required": "Choose the correct grade."},
    )
    reason = forms.CharField(
        label="Reason for the correction",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the grade is being corrected."},
    )

    def __init__(
        self, *args, unit_results: list[UnitResult], result: LearnerResult | None = None, **kwargs
    ) -> None:
        """`result` is given when its qualification grade may be corrected as it stands."""
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        grade_field = self.fields["new_grade"]
        assert isinstance(unit_field, forms.ChoiceField)
        assert isinstance(grade_field, forms.ChoiceField)
        unit_field.choices = [("", "Choose a unit")] + [
            (str(u.unit_id), f"{u.unit.reference} {u.unit.title} (now {u.grade.label})")
            for u in unit_results
        ]
        schemes = {u.unit.grading_scheme_id for u in unit_results}
        if result is not None:
            qualification = result.registration.course_run.qualification
            unit_field.label = "Unit or qualification grade"
            unit_field.error_messages["required"] = "Choose what has the wrong grade."
            unit_field.choices = [
                ("", "Choose the qualification grade or a unit"),
                (
                    QUALIFICATION,
                    f"The qualification grade, {qualification.number} "
                    f"(now {result.qualification_grade})",
                ),
                *unit_field.choices[1:],
            ]
            schemes.add(qualification.grading_scheme_id)
        grade_field.choices = [("", "Choose a grade")] + [
            (g.pk, g.label)
            for g in Grade.objects.filter(scheme_id__in=schemes).order_by("scheme_id", "position")
        ]


def _learner_result(certificate: Certificate) -> LearnerResult:
    result = certificate.learner_results.select_related("registration__course_run").first()
    if result is None:
        raise Http404("This certificate has no results to correct.")
    return result


@capability_required(Capability.CERTIFICATE, ao_only=True)
def certificate_grade_correct(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    certificate = _certificate_for(request, number)
    result = _learner_result(certificate)
    unit_results = list(
        result.unit_results.select_related("unit", "grade").order_by("unit__reference")
    )
    # A General (NQF) qualification is graded as a whole: its grade can be corrected as it
    # stands, on the learner's qualification certificate (decision 0160).
    graded_as_whole = (
        result.registration.course_run.qualification.lrs_type == LrsType.GENERAL
        and not certificate.is_unit_certificate
    )
    form = GradeCorrectForm(
        request.POST or None,
        unit_results=unit_results,
        result=result if graded_as_whole else None,
    )
    if request.method == "POST" and form.is_valid():
        chosen = next(
            (u.unit for u in unit_results if str(u.unit_id) == form.cleaned_data["unit"]), None
        )
        try:
            new = result_grade_correct(
                registration=result.registration,
                unit=chosen,
                new_grade=Grade.objects.get(pk=form.cleaned_data["new_grade"]),
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Grade corrected. Replacement certificate {new.display_number} issued with no "
                "fee; the LRS gets the update in the next batch.",
            )
            return redirect("certificates:detail", number=new.number)
    context = {"certificate": certificate, "form": form, "graded_as_whole": graded_as_whole}
    return render(request, "certificates/certificate_grade_correct.html", context)
