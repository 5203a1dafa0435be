"""The form for adding a learner to the sandpit register."""

from typing import Any

from django import forms

from learners.validators import uln_is_valid

from .models import Gender, RegisteredLearner


class RegisteredLearnerForm(forms.Form):
    uln = forms.CharField(
        label="ULN", max_length=10, help_text="10 digits, with a valid check digit."
    )
    given_name = forms.CharField(max_length=100)
    family_name = forms.CharField(max_length=100)
    previous_family_name = forms.CharField(max_length=100, required=False)
    date_of_birth = forms.DateField(help_text="For example 2006-03-27.")
    gender = forms.ChoiceField(choices=Gender.choices)
    master_uln = forms.CharField(
        label="Master ULN",
        max_length=10,
        required=False,
        help_text="Only for a linked ULN: the ULN of the learner's master record.",
    )

    def clean_uln(self) -> str:
        uln = self.cleaned_data["uln"].strip()
        if not uln_is_valid(uln):
            raise forms.ValidationError("Enter a ULN of 10 digits with a valid check digit.")
        if RegisteredLearner.objects.filter(uln=uln).exists():
            raise forms.ValidationError("This ULN is already on the register.")
        return uln

    def clean_master_uln(self) -> str:
        master_uln = self.cleaned_data["master_uln"].strip()
        if master_uln and not RegisteredLearner.objects.filter(uln=master_uln).exists():
            raise forms.ValidationError("No learner with this ULN is on the register.")
        return master_uln

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
