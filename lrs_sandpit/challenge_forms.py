"""The sandpit's form for raising an event data challenge, as a provider or learner would."""

from __future__ import annotations

from django import forms

from lrs_sync.challenge_envelopes import ChallengeToCreate

from .achievement_models import HeldAchievement
from .challenge_models import ChallengeType

RAISED_BY = (
    ("Provider", "A learning provider"),
    ("Learner", "The learner"),
    ("LocalAuthority", "A local authority"),
)


def _event_label(event: HeldAchievement) -> str:
    return (
        f"{event.pk}: ULN {event.uln}, {event.aim_reference}, awarded "
        f"{event.award_date:%d/%m/%Y}, grade {event.grade or '(none)'}"
        + (" (withdrawn)" if event.withdrawn else "")
    )


class RaiseChallengeForm(forms.Form):
    learning_event = forms.TypedChoiceField(
        label="Achievement challenged", coerce=int, help_text="An achievement an AO uploaded."
    )
    challenge_type = forms.ChoiceField(label="What is wrong", choices=ChallengeType.choices)
    second_learning_event = forms.TypedChoiceField(
        label="The other copy (appears more than once only)",
        coerce=int,
        required=False,
        empty_value=None,
    )
    raised_by = forms.ChoiceField(label="Raised by", choices=RAISED_BY)
    contact_name = forms.CharField(label="Contact name", max_length=200)
    telephone = forms.CharField(label="Contact telephone", max_length=40, required=False)
    email_address = forms.EmailField(label="Contact email address")
    supplied_grade = forms.CharField(
        label="The right grade (grade wrong only)", max_length=20, required=False
    )
    supplied_start_date = forms.DateField(
        label="The right start date (start date wrong only)",
        required=False,
        help_text="For example 2025-09-01.",
    )
    supplied_end_date = forms.DateField(
        label="The right end date (end date wrong only)",
        required=False,
        help_text="For example 2026-03-02.",
    )
    additional_information = forms.CharField(
        label="What is wrong, in words", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )

    def __init__(self, *args: object, events: list[HeldAchievement], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices: list[tuple[object, str]] = [(e.pk, _event_label(e)) for e in events]
        first: forms.TypedChoiceField = self.fields["learning_event"]  # type: ignore[assignment]
        first.choices = [("", "Choose an achievement"), *choices]
        second: forms.TypedChoiceField = self.fields["second_learning_event"]  # type: ignore[assignment]
        second.choices = [("", "None"), *choices]

    def clean(self) -> dict:
        data = super().clean() or {}
        kind = data.get("challenge_type")
        if kind == ChallengeType.WRONG_GRADE and not data.get("supplied_grade"):
            self.add_error("supplied_grade", "Enter the grade the learner should have.")
        if kind == ChallengeType.DUPLICATE and not data.get("second_learning_event"):
            self.add_error("second_learning_event", "Choose the other copy of the achievement.")
        return data

    def challenge(self) -> ChallengeToCreate:
        data = self.cleaned_data
        return ChallengeToCreate(
            challenge_type=data["challenge_type"],
            user_type=data["raised_by"],
            uln="",
            given_name="",
            family_name="",
            date_of_birth=None,
            gender="",
            contact_name=data["contact_name"],
            telephone=data["telephone"],
            email_address=data["email_address"],
            additional_information=data["additional_information"],
            learning_event_1_id=data["learning_event"],
            learning_event_2_id=data.get("second_learning_event") or 0,
            supplied_grade=data["supplied_grade"],
            supplied_start_date=data["supplied_start_date"],
            supplied_end_date=data["supplied_end_date"],
        )
