"""Input and output of the certificate-check API; the rules live in services and validators."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from certificates.models import Certificate
from certificates.validators import certificate_number_normalise, certificate_number_problem


class VerifyQuerySerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=300,
        error_messages={"required": "Give the learner's name as it is on the certificate."},
    )
    number = serializers.CharField(
        max_length=30, error_messages={"required": "Give the certificate number."}
    )

    def validate_number(self, value: str) -> str:
        problem = certificate_number_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return certificate_number_normalise(value)


class UnitSerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    grade = serializers.CharField(allow_blank=True)


class PublicCertificateSerializer(serializers.Serializer):
    """Only what the certificate itself shows, and its status (R-CRT-2)."""

    certificate_number = serializers.CharField(source="display_number")
    learner_name = serializers.CharField()
    qualification_number = serializers.CharField()
    qualification_title = serializers.CharField()
    units = UnitSerializer(many=True)
    grade = serializers.CharField()
    award_date = serializers.DateField()
    awarding_organisation = serializers.CharField(source="awarding_organisation_name")
    status = serializers.ChoiceField(choices=Certificate.Status.choices)
    status_label = serializers.CharField(source="public_status_label")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return dict(super().to_representation(instance))


class VerifyResponseSerializer(serializers.Serializer):
    matches = serializers.BooleanField()
    detail = serializers.CharField()
    certificate = PublicCertificateSerializer(required=False, allow_null=True)
