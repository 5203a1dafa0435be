"""The AO's form for a provider (centre); the rules live in validators and services."""

from __future__ import annotations

from typing import Any

from django import forms

from qualifications.models import Qualification

from .validators import ukprn_is_valid


class ProviderForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    centre_number = forms.CharField(
        label="Centre number", max_length=20, help_text="The number the AO gave this centre."
    )
    ukprn = forms.CharField(
        label="UKPRN", max_length=20, help_text="8 digits starting with 1, for example 10012345."
    )
    address_line_1 = forms.CharField(label="Address line 1", max_length=200, required=False)
    address_line_2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    town = forms.CharField(label="Town or city", max_length=100, required=False)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    contact_name = forms.CharField(label="Contact name", max_length=150, required=False)
    contact_email = forms.EmailField(label="Contact email address", required=False)
    contact_phone = forms.CharField(label="Contact telephone", max_length=30, required=False)
    e_certificates_enabled = forms.BooleanField(
        label="E-certificates on",
        required=False,
        help_text="Tick if the centre may download PDF certificates (at no extra cost).",
    )

    def clean_ukprn(self) -> str:
        ukprn = "".join(self.cleaned_data["ukprn"].split())
        if not ukprn_is_valid(ukprn):
            raise forms.ValidationError(
                "UKPRN must be 8 digits starting with 1, for example 10012345."
            )
        return ukprn

    def apply_validation_error(self, error: Any) -> None:
        for name, messages in error.message_dict.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class ProviderApprovalForm(forms.Form):
    qualification: forms.ModelChoiceField[Qualification] = forms.ModelChoiceField(
        label="Qualification",
        queryset=Qualification.objects.none(),
        empty_label="Choose a qualification",
    )

    def __init__(self, *args: Any, qualifications: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["qualification"]
        field.queryset = qualifications  # type: ignore[attr-defined]
        field.label_from_instance = lambda q: f"{q.number} {q.title}"  # type: ignore[attr-defined]
