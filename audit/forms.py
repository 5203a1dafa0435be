"""Filters for the audit log page."""

from django import forms


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Done by (user name)", required=False, max_length=150)
    about_user = forms.CharField(
        label="Done to a user",
        required=False,
        max_length=150,
        help_text="Name, user name or email",
    )
    about_learner = forms.CharField(
        label="Done to a learner",
        required=False,
        max_length=150,
        help_text="Name or ULN",
    )
    action = forms.CharField(
        label="Action contains",
        required=False,
        max_length=80,
        help_text="For example suspended or learner",
    )
    date_from = forms.DateField(
        label="From (dd/mm/yyyy)",
        required=False,
        error_messages={"invalid": "Enter a date like 31/01/2026."},
    )
    date_to = forms.DateField(
        label="To (dd/mm/yyyy)",
        required=False,
        error_messages={"invalid": "Enter a date like 31/01/2026."},
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The 'to' date must be on or after the 'from' date.")
        return data
