"""API serializers: they parse input; the rules and messages are the services'."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.db.models import QuerySet
from rest_framework import serializers

from learners.choices import AbilityStatus, EmploymentStatus, Ethnicity, Gender, PriorAttainment
from learners.input_formats import (
    DATE_INPUT_FORMATS,
    choice_error_messages,
    date_error_messages,
    date_typed_normalise,
)
from learners.models import Learner, Title
from learners.selectors import learners_visible_to
from learners.services import LEARNER_FIELDS
from learners.validators import REQUIRED_FIELDS
from qualifications.models import Qualification
from registrations.models import (
    CourseRun,
    LanguageForAssessment,
    Registration,
    RegistrationStatus,
)
from registrations.selectors import course_runs_visible_to
from registrations.validators import STATUS_UNKNOWN

DATE_FORMATS = list(DATE_INPUT_FORMATS)
LANGUAGE_UNKNOWN = (
    '"{input}" is not a language for assessment; use ENG (English), CYM (Welsh) or GLE (Irish).'
)
NEEDED_TO_CREATE = "Needed to create a learner (the answer to a question may be Not known)."


class TextInput(serializers.CharField):
    """Text as sent (null is empty): the services trim it, check whether it is required and its
    length, and say what is wrong in the same words as the forms."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("max_length", None)
        kwargs.pop("min_length", None)
        kwargs.pop("allow_blank", None)
        kwargs.pop("allow_null", None)
        kwargs.setdefault("required", False)
        super().__init__(allow_blank=True, allow_null=True, trim_whitespace=False, **kwargs)
        self.validators = [
            v for v in self.validators if not isinstance(v, MaxLengthValidator | MinLengthValidator)
        ]

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None:
            return (True, "")
        return super().validate_empty_values(data)


class CodeChoice(serializers.ChoiceField):
    """One of the listed codes (R-LRN-6), with the forms' words; empty or null is "not
    answered", which the services report as required."""

    def __init__(self, label: str, field: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        if field in REQUIRED_FIELDS:
            kwargs.setdefault("help_text", NEEDED_TO_CREATE)
        super().__init__(
            allow_blank=True, error_messages=choice_error_messages(label, field), **kwargs
        )

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None:
            return (True, "")
        return super().validate_empty_values(data)


class DayInput(serializers.DateField):
    """A date as the forms read it: 2007-03-14, 14/03/2007, 14/3/2007, 14-03-2007 or 14032007;
    an empty string is no date."""

    def __init__(self, label: str, field: str = "", **kwargs: Any) -> None:
        super().__init__(
            input_formats=DATE_FORMATS, error_messages=date_error_messages(label, field), **kwargs
        )

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if isinstance(data, str) and not data.strip() and self.allow_null:
            return (True, None)
        return super().validate_empty_values(data)

    def to_internal_value(self, value: Any) -> datetime.date:
        return super().to_internal_value(date_typed_normalise(value))


class LearnerSerializer(serializers.ModelSerializer):
    """Learner details. Choice fields take their ILR/LRS codes (e.g. gender "0" Not known).
    Text fields take any text: the services say what is missing, too long or not allowed."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextInput,
        models.EmailField: TextInput,
    }

    uln = TextInput()
    title = CodeChoice("Title", "title", choices=Title.choices)
    date_of_birth = DayInput(
        "Date of birth",
        "date_of_birth",
        required=False,
        allow_null=True,
        help_text=NEEDED_TO_CREATE,
    )
    gender = CodeChoice("Gender", "gender", choices=Gender.choices)
    ethnicity = CodeChoice("Ethnicity", "ethnicity", choices=Ethnicity.choices)
    ability_status = CodeChoice(
        "Ability status (LLDD)", "ability_status", choices=AbilityStatus.choices
    )
    prior_attainment = CodeChoice(
        "Prior attainment", "prior_attainment", choices=PriorAttainment.choices
    )
    employment_status = CodeChoice(
        "Employment status", "employment_status", choices=EmploymentStatus.choices
    )
    email = TextInput()
    confirm_possible_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Set true to create a learner with the same name and date of birth as an "
        "existing learner without a ULN, once you know it is a different person.",
    )

    class Meta:
        model = Learner
        fields = (
            "id",
            "provider",
            *LEARNER_FIELDS,
            "confirm_possible_duplicate",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "provider", "created_at", "updated_at")
        extra_kwargs = {
            "given_name": {"help_text": NEEDED_TO_CREATE},
            "family_name": {"help_text": NEEDED_TO_CREATE},
        }
        # The services check uniqueness and every other rule, with their own messages.
        validators: list[Any] = []


class CourseRunSerializer(serializers.ModelSerializer):
    qualification_number = serializers.SlugRelatedField(
        source="qualification",
        slug_field="number",
        queryset=Qualification.objects.all(),
        help_text="The qualification number, e.g. 601/2977/3.",
        error_messages={
            "does_not_exist": "There is no qualification {value} in the catalogue.",
            "invalid": "Give the qualification number, e.g. 601/2977/3.",
            "required": "Give the qualification number, e.g. 601/2977/3.",
            "null": "Give the qualification number, e.g. 601/2977/3.",
        },
    )
    qualification_title = serializers.CharField(source="qualification.title", read_only=True)
    start_date = DayInput("Start date")
    planned_achievement_date = DayInput("Planned achievement date")
    programme_name = TextInput(default="")
    primary_tutor = TextInput(default="")

    class Meta:
        model = CourseRun
        fields = (
            "id",
            "provider",
            "qualification_number",
            "qualification_title",
            "start_date",
            "planned_achievement_date",
            "programme_name",
            "primary_tutor",
            "created_at",
        )
        read_only_fields = ("id", "provider", "created_at")
        validators: list[Any] = []


class StatusInput(serializers.ChoiceField):
    """A registration status by code or by its CSV label, any case (R-REG-4)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=RegistrationStatus.choices, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        status = RegistrationStatus.from_label(str(data)) if isinstance(data, str) else None
        if status is None:
            raise serializers.ValidationError(STATUS_UNKNOWN, code="status_unknown")
        return status.value


def _not_at_your_centre(label: str) -> dict[str, Any]:
    """One answer for an id that does not exist and an id of another centre's record, so the API
    never tells a provider which of another centre's ids exist (R-ACC-6)."""
    return {
        "does_not_exist": f"There is no such {label} at your centre.",
        "incorrect_type": f"Give the {label}'s id, a whole number.",
        "required": f"Give the {label}'s id.",
        "null": f"Give the {label}'s id.",
    }


class RegistrationSerializer(serializers.ModelSerializer):
    # The querysets are the caller's own records (set in get_fields): the browsable API's forms
    # list them, and an id outside them is "not at your centre" whether or not it exists.
    learner = serializers.PrimaryKeyRelatedField(
        queryset=Learner.objects.none(), error_messages=_not_at_your_centre("learner")
    )
    course_run = serializers.PrimaryKeyRelatedField(
        queryset=CourseRun.objects.none(), error_messages=_not_at_your_centre("course run")
    )
    status = StatusInput(
        required=False,
        default=RegistrationStatus.REGISTERED,
        help_text="A status code (e.g. `certificate_received`) or its label as in the CSV "
        '("Certificate Received"). A new registration asking for `registered` is a '
        "registration request: it is accepted at once when it passes every rule, and gets its "
        "registration number.",
    )
    registration_number = TextInput()
    registration_date = DayInput("Registration date", required=False, allow_null=True)
    achieved_date = DayInput("Achieved date", required=False, allow_null=True)
    certificate_claimed_date = DayInput("Certificate claimed date", required=False, allow_null=True)
    certificate_sent_date = DayInput("Certificate sent date", required=False, allow_null=True)
    certificate_received_date = DayInput(
        "Certificate received date", required=False, allow_null=True
    )
    postal_tracking_reference = TextInput()
    language_for_assessment = serializers.ChoiceField(
        choices=LanguageForAssessment.choices,
        required=False,
        default=LanguageForAssessment.ENGLISH,
        help_text="The language the learner is assessed in, in the LRS's codes: `ENG` English "
        "(the default), `CYM` Welsh or `GLE` Irish (decision 0121).",
        error_messages={"invalid_choice": LANGUAGE_UNKNOWN},
    )
    uln = serializers.CharField(source="learner.uln", read_only=True)
    qualification_number = serializers.CharField(
        source="course_run.qualification.number", read_only=True
    )
    voided = serializers.BooleanField(source="is_void", read_only=True)

    class Meta:
        model = Registration
        fields = (
            "id",
            "learner",
            "course_run",
            "uln",
            "qualification_number",
            "status",
            "registration_number",
            "registration_date",
            "achieved_date",
            "certificate_claimed_date",
            "certificate_sent_date",
            "certificate_received_date",
            "postal_tracking_reference",
            "language_for_assessment",
            "voided",
            "void_reason",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "void_reason", "created_at", "updated_at")
        validators: list[Any] = []

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        scoped: dict[str, QuerySet[Any]] = {
            "learner": Learner.objects.none(),
            "course_run": CourseRun.objects.none(),
        }
        if user is not None and user.is_authenticated:
            scoped = {
                "learner": learners_visible_to(user=user),
                "course_run": course_runs_visible_to(user=user),
            }
        for name, queryset in scoped.items():
            field = fields[name]
            if isinstance(field, serializers.RelatedField):
                field.queryset = queryset
        return fields


class ErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    """The 400 answer: every broken rule, by field, with a stable code."""

    errors = ErrorSerializer(many=True)  # type: ignore[assignment]
