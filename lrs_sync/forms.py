"""Input for learner verification pages; the rules are in services and services_csv."""

from __future__ import annotations

from typing import Any

from django import forms

from providers.models import Provider

from .models import VerifyJob
from .services_csv import MAX_FILE_BYTES, VerifyFile, verify_file_read


class ProviderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Provider) -> str:
        return f"{obj.name} (centre {obj.centre_number})"


class VerifyJobForm(forms.Form):
    source = forms.ChoiceField(
        label="Which learners",
        choices=VerifyJob.Source.choices,
        widget=forms.RadioSelect,
        initial=VerifyJob.Source.PROVIDER,
        error_messages={"required": "Choose which learners to verify."},
    )
    provider = ProviderChoiceField(
        label="Provider",
        queryset=Provider.objects.select_related("organisation").order_by("organisation__name"),
        required=False,
        empty_label="Choose a provider",
        error_messages={"invalid_choice": "Choose a provider from the list."},
    )
    file = forms.FileField(
        label="CSV file",
        required=False,
        help_text=(
            "Columns: ULN, GivenName, FamilyName, DateOfBirth (like 14/03/2007), Gender "
            "(0, 1, 2 or 9; may be empty). At most 10,000 learners and 2 MB."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        source = cleaned.get("source")
        self.verify_file: VerifyFile | None = None
        if source == VerifyJob.Source.PROVIDER and not cleaned.get("provider"):
            self.add_error("provider", "Choose the provider whose learners to verify.")
        if source == VerifyJob.Source.CSV:
            upload = cleaned.get("file")
            if upload is None:
                self.add_error("file", "Choose the CSV file of learners to verify.")
            elif upload.size > MAX_FILE_BYTES:
                self.add_error(
                    "file",
                    f"The file is {upload.size / 1024 / 1024:.1f} MB; the most is "
                    f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files.",
                )
            else:
                read = verify_file_read(upload.read())
                if read.problem_count:
                    for problem in read.problems:
                        self.add_error("file", problem)
                    hidden = read.problem_count - len(read.problems)
                    if hidden:
                        self.add_error("file", f"{hidden} more problems are not listed.")
                self.verify_file = read
        return cleaned
