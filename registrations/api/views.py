"""REST API for providers' management information systems (issue 4 item 8): learners, course
runs and registrations, scoped to the caller's provider, through the same services as the forms
and the importer. Rule failures answer 400 with {"errors": [{"field", "code", "message"}]}."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import HasCapability
from accounts.roles import Capability
from awards_portal.query_parameters import query_text
from learners.models import Learner
from learners.selectors import learners_registered_as, learners_search, learners_visible_to
from learners.services import (
    LearnerRejected,
    learner_create,
    learner_data_viewed,
    learner_update,
)
from learners.validators import FieldError
from providers.models import Provider
from providers.selectors import providers_visible_to
from registrations.models import CourseRun, Registration, RegistrationStatus
from registrations.numbers import registration_number_normalise
from registrations.selectors import course_runs_visible_to, registrations_visible_to
from registrations.services import (
    RegistrationRejected,
    course_run_create,
    course_run_update,
    registration_create,
    registration_update_status,
)
from registrations.validators import RegistrationRecord

from .serializers import (
    DATE_FORMATS,
    CourseRunSerializer,
    ErrorsSerializer,
    LearnerSerializer,
    RegistrationSerializer,
)

READ = (Capability.VIEW_LEARNERS,)
WRITE = (Capability.MANAGE_REGISTRATIONS,)
BY_METHOD = {"GET": READ, "POST": WRITE, "PUT": WRITE, "PATCH": WRITE}
ERROR_RESPONSES = {400: ErrorsSerializer}


# The services name some fields by the model; the API's input names them differently.
COURSE_RUN_FIELD_MAP = {"qualification": "qualification_number"}
REGISTRATION_FIELD_MAP = {"qualification": "course_run"}


def _errors(errors: list[FieldError], field_map: dict[str, str] | None = None) -> Response:
    field_map = field_map or {}
    return Response(
        {
            "errors": [
                {"field": field_map.get(e.field, e.field), "code": e.code, "message": e.message}
                for e in errors
            ]
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def _parse_errors(serializer_errors: Any) -> Response:
    """Input that could not be parsed (a bad date, an unknown code), in the same shape."""
    flat: list[FieldError] = []
    for field, messages in serializer_errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            flat.append(FieldError(field, str(message), getattr(message, "code", "invalid")))
    return _errors(flat)


def _own_provider(user: User) -> Provider:
    if user.is_ao_staff:
        raise ApiPermissionDenied("Only a provider's users create records through the API.")
    provider = providers_visible_to(user=user).first()
    if provider is None:
        raise ApiPermissionDenied("Your organisation has no provider record.")
    return provider


class _ScopedView(generics.GenericAPIView):
    permission_classes = [HasCapability]
    required_capabilities_by_method = BY_METHOD
    required_capabilities = READ

    @property
    def portal_user(self) -> User:
        return self.request.user  # type: ignore[return-value]

    def get_renderers(self) -> list[BaseRenderer]:
        """JSON only. The browsable API (HTML forms listing related records) only while
        developing: people read /api/docs/, and programs read JSON."""
        renderers: list[BaseRenderer] = [JSONRenderer()]
        if settings.DEBUG:
            renderers.append(BrowsableAPIRenderer())
        return renderers

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, PermissionDenied):
            exc = ApiPermissionDenied(str(exc) or None)
        if isinstance(exc, ApiValidationError) and isinstance(exc.detail, dict):
            return _parse_errors(exc.detail)  # a bad filter parameter, in the usual shape
        return super().handle_exception(exc)


class _AuditedReads(_ScopedView):
    """Every read of learners' data through the API is audited, naming the learners (R-ACC-7)."""

    audit_noun = ""  # "learner" or "registration"

    def _learner_ids(self, rows: list[Any]) -> list[int]:
        return [row.pk if isinstance(row, Learner) else row.learner_id for row in rows]

    def _audit(self, action: str, rows: list[Any], *, target: Any = None, **detail: Any) -> None:
        app = "learners" if self.audit_noun == "learner" else "registrations"
        if self.audit_noun == "registration":
            detail["registration_ids"] = [row.pk for row in rows]
        learner_data_viewed(
            acting_user=self.portal_user,
            action=action,
            learner_ids=self._learner_ids(rows),
            target=target,
            object_type=f"{app}.{self.audit_noun}",
            via="api",
            detail=detail,
        )

    def _filters(self) -> dict[str, str]:
        filterset = getattr(self, "filterset_class", None)
        known = filterset.base_filters if filterset is not None else {}
        params = self.request.query_params
        return {name: query_text(str(params.get(name)))[0] for name in params if name in known}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        paginator = self.paginator
        page_number = getattr(getattr(paginator, "page", None), "number", 1)
        self._audit(
            f"{self.audit_noun}.list_viewed", rows, filters=self._filters(), page=page_number
        )
        data = self.get_serializer(rows, many=True).data
        if page is not None:
            return self.get_paginated_response(data)
        return Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        self._audit(f"{self.audit_noun}.viewed", [instance], target=instance)
        return Response(self.get_serializer(instance).data)


class IdFilter(django_filters.NumberFilter):
    """A record id: a whole number in ASCII digits (not "1e999" or "²")."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": "Give an id, a whole number.",
                "min_value": "Give an id, a whole number.",
                "max_value": "Give an id, a whole number.",
            },
        )
        super().__init__(*args, **kwargs)


class StatusFilter(django_filters.ChoiceFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        codes = ", ".join(RegistrationStatus.values)
        kwargs.setdefault("choices", RegistrationStatus.choices)
        kwargs.setdefault("error_messages", {"invalid_choice": f"Status must be one of: {codes}."})
        super().__init__(*args, **kwargs)


class DayFilter(django_filters.DateFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault(
            "error_messages",
            {"invalid": "Give a real date, like 2026-03-14 or 14/03/2026."},
        )
        super().__init__(*args, **kwargs)


class LearnerFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Name or ULN")
    uln = django_filters.CharFilter(field_name="uln")
    # Both match one and the same registration: see filter_queryset.
    course_run = IdFilter(method="filter_registration")
    status = StatusFilter(method="filter_registration")

    class Meta:
        model = Learner
        fields = ["search", "uln", "course_run", "status"]

    def filter_registration(
        self, queryset: QuerySet[Learner], name: str, value: Any
    ) -> QuerySet[Learner]:
        return queryset  # applied together in filter_queryset

    def filter_queryset(self, queryset: QuerySet[Learner]) -> QuerySet[Learner]:
        queryset = super().filter_queryset(queryset)
        return learners_registered_as(
            queryset,
            course_run_id=self.form.cleaned_data.get("course_run"),
            status=self.form.cleaned_data.get("status") or "",
        )

    def filter_search(
        self, queryset: QuerySet[Learner], name: str, value: str
    ) -> QuerySet[Learner]:
        search, _ = query_text(value)
        matching = learners_search(user=self.request.user, search=search)
        return queryset.filter(pk__in=matching.values("pk"))


@extend_schema_view(
    get=extend_schema(summary="List learners at your centre"),
    post=extend_schema(
        summary="Create a learner", responses={201: LearnerSerializer, **ERROR_RESPONSES}
    ),
)
class LearnerListCreate(_AuditedReads, generics.ListCreateAPIView):
    audit_noun = "learner"
    serializer_class = LearnerSerializer
    filterset_class = LearnerFilter

    def get_queryset(self) -> QuerySet[Learner]:
        if getattr(self, "swagger_fake_view", False):  # building the schema: no user
            return Learner.objects.none()
        return learners_visible_to(user=self.portal_user).order_by("pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            return _parse_errors(serializer.errors)
        details = dict(serializer.validated_data)
        confirm = details.pop("confirm_possible_duplicate", False)
        try:
            learner = learner_create(
                provider=_own_provider(self.portal_user),
                details=details,
                acting_user=self.portal_user,
                confirm_possible_duplicate=confirm,
            )
        except LearnerRejected as rejected:
            return _errors(rejected.errors)
        return Response(self.get_serializer(learner).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="Read a learner"),
    patch=extend_schema(
        summary="Change some of a learner's details",
        responses={200: LearnerSerializer, **ERROR_RESPONSES},
    ),
)
class LearnerDetail(_AuditedReads, generics.RetrieveUpdateAPIView):
    # PATCH only: a PUT that keeps what it leaves out would be a PATCH by another name.
    http_method_names = ["get", "patch", "head", "options"]
    audit_noun = "learner"
    serializer_class = LearnerSerializer

    def get_queryset(self) -> QuerySet[Learner]:
        if getattr(self, "swagger_fake_view", False):  # building the schema: no user
            return Learner.objects.none()
        return learners_visible_to(user=self.portal_user)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        learner = self.get_object()
        serializer = self.get_serializer(learner, data=request.data, partial=True)
        if not serializer.is_valid():
            return _parse_errors(serializer.errors)
        details = dict(serializer.validated_data)
        details.pop("confirm_possible_duplicate", None)
        try:
            learner = learner_update(learner=learner, details=details, acting_user=self.portal_user)
        except LearnerRejected as rejected:
            return _errors(rejected.errors)
        return Response(self.get_serializer(learner).data)


class CourseRunFilter(django_filters.FilterSet):
    qualification_number = django_filters.CharFilter(field_name="qualification__number")
    start_date_from = DayFilter(field_name="start_date", lookup_expr="gte")
    start_date_to = DayFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = CourseRun
        fields = ["qualification_number", "start_date_from", "start_date_to"]


@extend_schema_view(
    get=extend_schema(summary="List your centre's course runs"),
    post=extend_schema(
        summary="Create a course run", responses={201: CourseRunSerializer, **ERROR_RESPONSES}
    ),
)
class CourseRunListCreate(_ScopedView, generics.ListCreateAPIView):
    serializer_class = CourseRunSerializer
    filterset_class = CourseRunFilter

    def get_queryset(self) -> QuerySet[CourseRun]:
        if getattr(self, "swagger_fake_view", False):  # building the schema: no user
            return CourseRun.objects.none()
        return course_runs_visible_to(user=self.portal_user).order_by("pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            return _parse_errors(serializer.errors)
        try:
            course_run = course_run_create(
                provider=_own_provider(self.portal_user),
                acting_user=self.portal_user,
                **serializer.validated_data,
            )
        except RegistrationRejected as rejected:
            return _errors(rejected.errors, COURSE_RUN_FIELD_MAP)
        return Response(self.get_serializer(course_run).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="Read a course run"),
    patch=extend_schema(
        summary="Change some of a course run",
        responses={200: CourseRunSerializer, **ERROR_RESPONSES},
    ),
)
class CourseRunDetail(_ScopedView, generics.RetrieveUpdateAPIView):
    # PATCH only: a PUT that keeps what it leaves out would be a PATCH by another name.
    http_method_names = ["get", "patch", "head", "options"]
    serializer_class = CourseRunSerializer

    def get_queryset(self) -> QuerySet[CourseRun]:
        if getattr(self, "swagger_fake_view", False):  # building the schema: no user
            return CourseRun.objects.none()
        return course_runs_visible_to(user=self.portal_user)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        course_run = self.get_object()
        serializer = self.get_serializer(course_run, data=request.data, partial=True)
        if not serializer.is_valid():
            return _parse_errors(serializer.errors)
        try:
            course_run = course_run_update(
                course_run=course_run, acting_user=self.portal_user, **serializer.validated_data
            )
        except RegistrationRejected as rejected:
            return _errors(rejected.errors, COURSE_RUN_FIELD_MAP)
        return Response(self.get_serializer(course_run).data)


class RegistrationFilter(django_filters.FilterSet):
    status = StatusFilter()
    course_run = IdFilter(field_name="course_run")
    learner = IdFilter(field_name="learner")
    uln = django_filters.CharFilter(field_name="learner__uln")
    qualification_number = django_filters.CharFilter(field_name="course_run__qualification__number")
    registration_number = django_filters.CharFilter(method="filter_registration_number")

    class Meta:
        model = Registration
        fields = [
            "status",
            "course_run",
            "learner",
            "uln",
            "qualification_number",
            "registration_number",
        ]

    def filter_registration_number(
        self, queryset: QuerySet[Registration], name: str, value: str
    ) -> QuerySet[Registration]:
        return queryset.filter(registration_number=registration_number_normalise(value))


RECORD_FIELDS = (
    "status",
    "registration_number",
    "registration_date",
    "achieved_date",
    "certificate_claimed_date",
    "certificate_sent_date",
    "certificate_received_date",
    "postal_tracking_reference",
    "language_for_assessment",
)


def _record_changes(data: dict[str, Any]) -> dict[str, Any]:
    changes = {k: v for k, v in data.items() if k in RECORD_FIELDS}
    for name in ("registration_number", "postal_tracking_reference"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    return changes


@extend_schema_view(
    get=extend_schema(summary="List your centre's registrations"),
    post=extend_schema(
        summary="Register a learner on a course run",
        description="Status `registered` (the default) is a registration request, accepted at "
        "once with a new registration number when it passes every rule (R-REG-5).",
        responses={201: RegistrationSerializer, **ERROR_RESPONSES},
    ),
)
class RegistrationListCreate(_AuditedReads, generics.ListCreateAPIView):
    audit_noun = "registration"
    serializer_class = RegistrationSerializer
    filterset_class = RegistrationFilter

    def get_queryset(self) -> QuerySet[Registration]:
        if getattr(self, "swagger_fake_view", False):  # building the schema: no user
            return Registration.objects.none()
        return registrations_visible_to(user=self.portal_user).order_by("pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            return _parse_errors(serializer.errors)
        data = dict(serializer.validated_data)
        # The serializer only accepts the caller's own learners and course runs (R-ACC-6).
        learner, course_run = data["learner"], data["course_run"]
        try:
            registration = registration_create(
                learner=learner,
                course_run=course_run,
                acting_user=self.portal_user,
                record=RegistrationRecord(**_record_changes(data)),
            )
        except RegistrationRejected as rejected:
            return _errors(rejected.errors, REGISTRATION_FIELD_MAP)
        return Response(self.get_serializer(registration).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="Read a registration"),
    patch=extend_schema(
        summary="Change a registration's status or dates",
        responses={200: RegistrationSerializer, **ERROR_RESPONSES},
    ),
)
class RegistrationDetail(_AuditedReads, generics.RetrieveUpdateAPIView):
    # PATCH only: a PUT that keeps what it leaves out would be a PATCH by another name.
    http_method_names = ["get", "patch", "head", "options"]
    audit_noun = "registration"
    serializer_class = RegistrationSerializer

    def get_queryset(self) -> QuerySet[Registration]:
        if getattr(self, "swagger_fake_view", False):  # building the schema: no user
            return Registration.objects.none()
        return registrations_visible_to(user=self.portal_user)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        registration = self.get_object()
        serializer = self.get_serializer(registration, data=request.data, partial=True)
        if not serializer.is_valid():
            return _parse_errors(serializer.errors)
        data = dict(serializer.validated_data)
        # Only what the caller sent changes; PATCH without "status" keeps the status.
        sent = {k: v for k, v in _record_changes(data).items() if k in request.data}
        proposed = replace(RegistrationRecord.of(registration), **sent)
        try:
            registration = registration_update_status(
                registration=registration,
                proposed=proposed,
                acting_user=self.portal_user,
                learner=data.get("learner"),
                course_run=data.get("course_run"),
            )
        except RegistrationRejected as rejected:
            return _errors(rejected.errors, REGISTRATION_FIELD_MAP)
        return Response(self.get_serializer(registration).data)
