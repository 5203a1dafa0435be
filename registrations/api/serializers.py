"""API serializers: they parse input; the rules and messages are the services'."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from learners.choices import AbilityStatus, EmploymentStatus, Ethnicity, Gender, PriorAttainment
from learners.models import Learner, Title
from learners.selectors import learners_visible_to
from learners.services import LEARNER_FIELDS
from qualifications.models import Qualification
from registrations.models import CourseRun, Registration, RegistrationStatus
from registrations.selectors import course_runs_visible_to

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class LearnerSerializer(serializers.ModelSerializer):
    """Learner details. Choice fields take their ILR/LRS codes (e.g. gender "0" Not known)."""

    uln = serializers.CharField(required=False, allow_blank=True, max_length=20)
    title = serializers.ChoiceField(choices=Title.choices, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(input_formats=DATE_FORMATS)
    gender = serializers.ChoiceField(choices=Gender.choices)
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices)
    ability_status = serializers.ChoiceField(choices=AbilityStatus.choices)
    prior_attainment = serializers.ChoiceField(choices=PriorAttainment.choices)
    employment_status = serializers.ChoiceField(choices=EmploymentStatus.choices)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
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
        # The services check uniqueness and every other rule, with their own messages.
        validators: list[Any] = []


class CourseRunSerializer(serializers.ModelSerializer):
    qualification_number = serializers.SlugRelatedField(
        source="qualification",
        slug_field="number",
        queryset=Qualification.objects.all(),
        help_text="The qualification number, e.g. 601/2977/3.",
    )
    qualification_title = serializers.CharField(source="qualification.title", read_only=True)
    start_date = serializers.DateField(input_formats=DATE_FORMATS)
    planned_achievement_date = serializers.DateField(input_formats=DATE_FORMATS)

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
    status = serializers.ChoiceField(
        choices=RegistrationStatus.choices,
        required=False,
        default=RegistrationStatus.REGISTERED,
        help_text="A new registration asking for `registered` is a registration request: it is "
        "accepted at once when it passes every rule, and gets its registration number.",
    )
    registration_number = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=128
    )
    registration_date = serializers.DateField(
        input_formats=DATE_FORMATS, required=False, allow_null=True
    )
    achieved_date = serializers.DateField(
        input_formats=DATE_FORMATS, required=False, allow_null=True
    )
    certificate_claimed_date = serializers.DateField(
        input_formats=DATE_FORMATS, required=False, allow_null=True
    )
    certificate_sent_date = serializers.DateField(
        input_formats=DATE_FORMATS, required=False, allow_null=True
    )
    certificate_received_date = serializers.DateField(
        input_formats=DATE_FORMATS, required=False, allow_null=True
    )
    postal_tracking_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=128
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
