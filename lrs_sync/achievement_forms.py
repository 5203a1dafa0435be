"""Forms for achievement records and batches; the rules live in the services."""

from __future__ import annotations

from django import forms

from learners.forms import date_field
from providers.models import Provider
from registrations.models import LanguageForAssessment

from .achievement_models import ActionReason, SubmissionType


class AchievementCreateForm(forms.Form):
    uln = forms.CharField(label="Learner's ULN", max_length=10)
    aim_reference = forms.CharField(
        label="Aim reference",
        max_length=20,
        help_text="A qualification number or unit reference owned by or shared with the AO.",
    )
    award_date = date_field("Award date")
    grade = forms.CharField(label="Grade", max_length=10, required=False)
    language_for_assessment = forms.ChoiceField(
        label="Language for assessment", choices=LanguageForAssessment.choices
    )
    submission_type = forms.ChoiceField(
        label="Provisional or final", choices=SubmissionType.choices, initial="Final"
    )


class AchievementUpdateForm(forms.Form):
    grade = forms.CharField(label="Grade", max_length=10, required=False)
    ukprn = forms.CharField(label="UKPRN", max_length=8)
    language_for_assessment = forms.ChoiceField(
        label="Language for assessment", choices=LanguageForAssessment.choices
    )
    award_date = date_field(
        "Award date",
        help_text="Only while the LRS does not hold the record; afterwards, withdraw and create.",
    )


class ActionForm(forms.Form):
    """Withdraw or reinstate (R-LRS-7)."""

    action_date = date_field("Action date", help_text="The date the change was agreed.")
    action_reason = forms.ChoiceField(label="Action reason", choices=ActionReason.choices)


class MoveForm(forms.Form):
    uln = forms.CharField(label="ULN of the learner to move it to", max_length=10)
    action_date = date_field("Action date", help_text="The date the change was agreed.")


class BatchBuildForm(forms.Form):
    submission_type = forms.ChoiceField(
        label="Submission type", choices=SubmissionType.choices, initial="Final"
    )


class ResolveForm(forms.Form):
    received = forms.TypedChoiceField(
        label="Did the LRS receive this batch?",
        choices=[("yes", "Yes: the LRS portal shows its job"), ("no", "No: send it again")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    job_id = forms.IntegerField(label="Job id shown by the LRS", required=False, min_value=1)
    note = forms.CharField(label="Note", required=False, max_length=500)


class DeadlineFilterForm(forms.Form):
    provider = forms.ModelChoiceField(
        label="Provider",
        queryset=Provider.objects.select_related("organisation"),
        required=False,
        empty_label="All providers",
    )
