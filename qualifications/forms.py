"""Catalogue managers' forms; the rules live in validators and services."""

from __future__ import annotations

from typing import Any

from django import forms

from learners.forms import date_field
from providers.models import Provider

from .models import GradingScheme, Level, LrsType, Ownership, Qualification, Unit

CATALOGUE_FIELDS = (
    "title",
    "level",
    "grading_scheme",
    "credit_value",
    "operational_start_date",
    "operational_end_date",
    "ownership",
)


class _CatalogueEntryForm(forms.Form):
    title = forms.CharField(label="Title", max_length=255)
    level = forms.ChoiceField(label="Level", choices=Level.choices)
    grading_scheme = forms.ModelChoiceField(
        label="Grading scheme", queryset=GradingScheme.objects.all(), empty_label="Choose a scheme"
    )
    credit_value = forms.IntegerField(label="Credit value", min_value=0, max_value=999)
    operational_start_date = date_field("Operational start date")
    operational_end_date = date_field(
        "Operational end date", required=False, help_text="Leave empty if it has no end date yet."
    )
    ownership = forms.ChoiceField(label="Owned or shared", choices=Ownership.choices)

    def apply_validation_error(self, error: Any) -> None:
        for name, messages in error.message_dict.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class QualificationForm(_CatalogueEntryForm):
    number = forms.CharField(
        label="Qualification number",
        max_length=20,
        help_text="NNN/NNNN/C, for example 601/2977/3.",
    )
    qualification_type = forms.ChoiceField(label="Type", choices=Qualification.Type.choices)
    lrs_type = forms.ChoiceField(
        label="LRS type",
        choices=[("", "Decide from the type"), *LrsType.choices],
        required=False,
        help_text="Which achievements of this qualification are uploaded to the LRS. Left to "
        "decide, quality-endorsed courses and micro-credentials are not uploaded and the rest "
        "are unit-based.",
    )
    minimum_credits = forms.IntegerField(
        label="Minimum credits",
        min_value=0,
        max_value=999,
        help_text="Rules of combination: credits needed from mandatory and optional units.",
    )
    field_order = ["number", "title", "qualification_type", "lrs_type"]

    def clean_lrs_type(self) -> str:
        chosen = self.cleaned_data.get("lrs_type")
        if chosen:
            return chosen
        not_uploaded = (Qualification.Type.QUALITY_ENDORSED, Qualification.Type.MICRO_CREDENTIAL)
        if self.data.get("qualification_type") in not_uploaded:
            return LrsType.NOT_UPLOADED
        return LrsType.UNIT_BASED


class UnitForm(_CatalogueEntryForm):
    reference = forms.CharField(
        label="Unit reference", max_length=20, help_text="For example H/502/1234."
    )
    field_order = ["reference", "title"]


class QualificationUnitForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="Unit", queryset=Unit.objects.all(), empty_label="Choose a unit"
    )
    mandatory = forms.TypedChoiceField(
        label="Mandatory or optional",
        choices=[("true", "Mandatory"), ("false", "Optional")],
        coerce=lambda value: value == "true",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].label_from_instance = lambda u: f"{u.reference} {u.title}"  # type: ignore[attr-defined]


class ProviderApprovalForm(forms.Form):
    provider = forms.ModelChoiceField(
        label="Provider",
        queryset=Provider.objects.select_related("organisation"),
        empty_label="Choose a provider",
    )


class GradingSchemeForm(forms.Form):
    name = forms.CharField(label="Name of the grading scheme", max_length=100)

    def apply_validation_error(self, error: Any) -> None:
        for name, messages in error.message_dict.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class GradeForm(forms.Form):
    """One grade of a scheme, a row of the grades table; labels name the row for screen readers."""

    grade_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    order = forms.IntegerField(label="Order", min_value=1, max_value=99, required=False)
    code = forms.CharField(label="Code", max_length=10)
    label = forms.CharField(label="Label", max_length=50)
    is_pass = forms.BooleanField(label="Is a pass", required=False)
    points = forms.IntegerField(
        label="Points per credit", min_value=0, max_value=99, required=False
    )
    qualification_threshold = forms.DecimalField(
        label="Qualification grade at average of",
        min_value=0,
        max_digits=4,
        decimal_places=1,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("qualification_threshold") is not None and not data.get("is_pass"):
            self.add_error(
                "qualification_threshold",
                "Only a pass can be a qualification grade: leave this empty or tick Is a pass.",
            )
        return data


class _GradeFormSetBase(forms.BaseFormSet):
    def kept_forms(self) -> list[GradeForm]:
        """The rows that stay, highest first: existing grades not marked for removal and filled
        new rows, in the order typed. A row whose order was typed goes before one that already
        had that place, so "1" on a new row puts it at the top."""
        kept = [
            (
                form.cleaned_data.get("order") or index + 1,
                0 if "order" in form.changed_data else 1,
                index,
                form,
            )
            for index, form in enumerate(self.forms)
            if (form.cleaned_data.get("grade_id") or form.has_changed())
            and not self._should_delete_form(form)  # type: ignore[attr-defined]
        ]
        return [form for *_, form in sorted(kept, key=lambda item: item[:3])]

    def clean(self) -> None:
        if any(self.errors):
            return
        kept = self.kept_forms()
        if not kept:
            raise forms.ValidationError("Enter at least one grade.")
        if not any(f.cleaned_data.get("is_pass") for f in kept):
            raise forms.ValidationError("Tick Is a pass for at least one grade.")
        codes = [f.cleaned_data["code"].strip().upper() for f in kept]
        for form in kept:
            if codes.count(form.cleaned_data["code"].strip().upper()) > 1:
                form.add_error("code", "Another grade has this code; each needs its own.")


GradeFormSet = forms.formset_factory(
    GradeForm, formset=_GradeFormSetBase, extra=3, can_delete=True, max_num=20
)
