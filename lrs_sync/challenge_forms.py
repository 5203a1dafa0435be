"""Forms for the event data challenges pages; the rules live in `lrs_sync.challenges`."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from .challenge_models import ChallengeKind, ChallengeStatus


class ChallengeFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Open and In progress"), ("all", "Any"), *list(ChallengeStatus.choices)],
    )
    kind = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any"), *list(ChallengeKind.choices)]
    )


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Resolution",
        choices=[("upheld", "Resolved - Upheld"), ("rejected", "Resolved - Rejected")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Additional comments",
        help_text="Required: say what was done, or why the challenge is rejected. The LRS "
        "service desk reads it.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
    )


class WithdrawDuplicateForm(forms.Form):
    achievement = forms.TypedChoiceField(label="The duplicate to withdraw", coerce=int)
    action_date = forms.DateField(
        label="Action date", help_text="In the past, for example 2026-03-02."
    )

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["achievement"].choices = choices  # type: ignore[attr-defined]
        self.fields["action_date"].initial = timezone.localdate() - datetime.timedelta(days=1)


class MoveForm(forms.Form):
    uln = forms.CharField(label="The right ULN", max_length=10, help_text="10 digits.")
    action_date = forms.DateField(
        label="Action date", help_text="In the past, for example 2026-03-02."
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["action_date"].initial = timezone.localdate() - datetime.timedelta(days=1)


class CorrectGradeForm(forms.Form):
    grade = forms.CharField(label="Corrected grade", max_length=10)


class NominateResolverForm(forms.Form):
    resolver = forms.TypedChoiceField(
        label="Nominated EDC resolver",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Emailed when a new valid challenge arrives and sent the monthly report of "
        "open challenges. Only AO users with the EDC resolver role can be nominated.",
    )

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field: forms.TypedChoiceField = self.fields["resolver"]  # type: ignore[assignment]
        field.choices = [("", "Nobody (every EDC resolver is emailed)"), *choices]
