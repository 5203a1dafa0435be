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
