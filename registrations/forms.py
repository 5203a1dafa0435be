"""Browser forms for registering learners and creating course runs: input parsing, then the same
validators and services the API and the importer use."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import forms
from django.utils import timezone

from learners.forms import FieldErrorsMixin, LearnerDetailsForm, date_field
from learners.input_formats import FORM_TOO_LONG, choice_error_messages
from learners.models import Learner
from learners.services import (
    POSSIBLE_DUPLICATE,
    LearnerRejected,
    learner_possible_duplicate_of,
    learner_validate,
)
from qualifications.models import Qualification
from qualifications.selectors import qualifications_approved_for

from .models import CourseRun, LanguageForAssessment, Registration, RegistrationStatus
from .numbers import MAX_LENGTH
from .selectors import course_runs_visible_to
from .services import (
    RegistrationRejected,
    course_run_create,
    course_run_validate,
    learner_register,
    registration_create,
    registration_edit,
    registration_update_status,
    registration_validate,
)
from .validators import RegistrationRecord

# Where each rule's field shows on these forms.
REGISTRATION_FIELD_MAP = {
    "qualification": "course_run",
    "course_run": "course_run",
    "registration_date": "registration_date",
    "status": "__all__",
    "registration_number": "__all__",
}


def language_field() -> forms.ChoiceField:
    """The language for assessment (decision 0121): English unless the learner is assessed in
    Welsh or Irish; sent to the LRS with their achievements. Left out of a post, the language
    stays as it is (English for a new registration); a value not listed is refused."""
    return forms.ChoiceField(
        label="Language for assessment",
        required=False,
        help_text="English unless the learner is assessed in Welsh or Irish.",
        choices=LanguageForAssessment.choices,
        initial=LanguageForAssessment.ENGLISH,
        error_messages=choice_error_messages("Language for assessment", "language_for_assessment"),
    )


class CourseRunChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"{obj.programme_name}: {obj.qualification.number} {obj.qualification.title} "
            f"(starts {obj.start_date:%d/%m/%Y})"
        )


class _RegistrationFields(FieldErrorsMixin, forms.Form):
    course_run = CourseRunChoiceField(
        label="Course run",
        queryset=CourseRun.objects.none(),
        empty_label="Choose a course run",
        error_messages={"required": "Choose the course run to register the learner on."},
    )
    registration_date = date_field(
        "Registration date", required=False, help_text="Leave empty for today. " + "Day/month/year."
    )
    language_for_assessment = language_field()

    def setup_registration(self, user: Any) -> None:
        self.user = user
        self.fields["course_run"].queryset = course_runs_visible_to(user=user).order_by(  # type: ignore[attr-defined]
            "programme_name", "-start_date"
        )

    def registration_day(self) -> Any:
        return self.cleaned_data.get("registration_date") or timezone.localdate()

    def language(self) -> str:
        return self.cleaned_data.get("language_for_assessment") or LanguageForAssessment.ENGLISH


class RegisterLearnerForm(LearnerDetailsForm, _RegistrationFields):
    """A new learner and their registration on one page (issue 4 item 4)."""

    confirm_possible_duplicate = forms.BooleanField(
        label="This is a different person with the same name and date of birth",
        required=False,
    )

    def __init__(self, *args: Any, user: Any, provider: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.setup_registration(user)
        self.possible_duplicate = False
        self.possible_duplicate_of: Learner | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Fields that failed parsing are already reported; check the others with the rules.
        failed = set(self.errors)
        _, learner_errors = learner_validate(
            provider=self.provider,
            details={k: v for k, v in self.learner_details().items() if k not in failed},
            registration_date=self.registration_day(),
            confirm_possible_duplicate=bool(cleaned.get("confirm_possible_duplicate")),
            only=[n for n in self.learner_field_names if n not in failed] if failed else None,
        )
        self.possible_duplicate = any(e.code == POSSIBLE_DUPLICATE for e in learner_errors)
        if self.possible_duplicate:
            self.possible_duplicate_of = learner_possible_duplicate_of(
                provider=self.provider, details=self.learner_details()
            )
        self.apply_errors(learner_errors)
        course_run = cleaned.get("course_run")
        date_of_birth = cleaned.get("date_of_birth")
        if course_run is not None and date_of_birth is not None:
            unsaved = Learner(provider=self.provider, date_of_birth=date_of_birth)
            errors = registration_validate(
                course_run=course_run,
                learner=unsaved,
                proposed=RegistrationRecord(
                    status=RegistrationStatus.REGISTERED,
                    registration_date=self.registration_day(),
                ),
                acting_user=self.user,
            )
            # The learner's age is already reported at the date of birth.
            errors = [e for e in errors if e.code != "age" or "date_of_birth" not in cleaned]
            self.apply_errors(errors, REGISTRATION_FIELD_MAP)
        return cleaned

    def save(self) -> Registration | None:
        try:
            return learner_register(
                provider=self.provider,
                details=self.learner_details(),
                course_run=self.cleaned_data["course_run"],
                acting_user=self.user,
                registration_date=self.registration_day(),
                language_for_assessment=self.language(),
                confirm_possible_duplicate=self.cleaned_data.get(
                    "confirm_possible_duplicate", False
                ),
            )
        except LearnerRejected as rejected:
            self.apply_errors(rejected.errors)
        except RegistrationRejected as rejected:
            self.apply_errors(rejected.errors, REGISTRATION_FIELD_MAP)
        return None


class RegisterExistingLearnerForm(_RegistrationFields):
    """An existing learner on another course run."""

    def __init__(self, *args: Any, user: Any, learner: Learner, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.learner = learner
        self.setup_registration(user)
        field = self.fields["course_run"]
        field.queryset = field.queryset.filter(provider=learner.provider)  # type: ignore[attr-defined]

    def _record(self) -> RegistrationRecord:
        return RegistrationRecord(
            status=RegistrationStatus.REGISTERED,
            registration_date=self.registration_day(),
            language_for_assessment=self.language(),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("course_run") is not None:
            errors = registration_validate(
                course_run=cleaned["course_run"],
                learner=self.learner,
                proposed=self._record(),
                acting_user=self.user,
            )
            self.apply_errors(errors, REGISTRATION_FIELD_MAP)
        return cleaned

    def save(self) -> Registration | None:
        try:
            return registration_create(
                learner=self.learner,
                course_run=self.cleaned_data["course_run"],
                acting_user=self.user,
                record=self._record(),
            )
        except RegistrationRejected as rejected:
            self.apply_errors(rejected.errors, REGISTRATION_FIELD_MAP)
        return None


class CourseRunForm(FieldErrorsMixin, forms.Form):
    qualification: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Qualification",
        queryset=Qualification.objects.none(),
        empty_label="Choose a qualification",
        error_messages={"required": "Choose the qualification this course run delivers."},
    )
    programme_name = forms.CharField(
        label="Programme name", max_length=128, error_messages={"max_length": FORM_TOO_LONG}
    )
    primary_tutor = forms.CharField(
        label="Primary tutor", max_length=128, error_messages={"max_length": FORM_TOO_LONG}
    )
    start_date = date_field("Start date")
    planned_achievement_date = date_field("Planned achievement date")

    def __init__(self, *args: Any, user: Any, provider: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.provider = provider
        field = self.fields["qualification"]
        field.queryset = qualifications_approved_for(provider=provider)  # type: ignore[attr-defined]
        field.label_from_instance = lambda q: f"{q.number} {q.title}"  # type: ignore[attr-defined]
        self.fields["programme_name"].error_messages["required"] = "Enter the programme name."
        self.fields["primary_tutor"].error_messages["required"] = "Enter the primary tutor's name."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        needed = (
            "qualification",
            "start_date",
            "planned_achievement_date",
            "programme_name",
            "primary_tutor",
        )
        if all(cleaned.get(n) for n in needed):
            errors = course_run_validate(provider=self.provider, **{n: cleaned[n] for n in needed})
            self.apply_errors(errors)
        return cleaned

    def save(self) -> CourseRun | None:
        try:
            return course_run_create(
                provider=self.provider, acting_user=self.user, **self.cleaned_data
            )
        except RegistrationRejected as rejected:
            self.apply_errors(rejected.errors)
        return None


class RegistrationEditForm(FieldErrorsMixin, forms.Form):
    """The AO's edit form (R-REG-10): every value of the 004 record, the number included, which
    only this form may remove; and the reason, kept in the audit log."""

    status = forms.ChoiceField(
        label="Status",
        choices=RegistrationStatus.choices,
        error_messages=choice_error_messages("Status", "status"),
    )
    registration_number = forms.CharField(
        label="Registration number",
        required=False,
        max_length=MAX_LENGTH,
        help_text="Leave it empty to remove the number (only for Not registered, Exempt or "
        "Registration Not Required).",
        error_messages={"max_length": FORM_TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    registration_date = date_field("Registration date", required=False)
    achieved_date = date_field("Achieved date", required=False)
    certificate_claimed_date = date_field("Certificate claimed date", required=False)
    certificate_sent_date = date_field("Certificate sent date", required=False)
    certificate_received_date = date_field("Certificate received date", required=False)
    postal_tracking_reference = forms.CharField(
        label="Postal tracking reference",
        required=False,
        max_length=MAX_LENGTH,
        error_messages={"max_length": FORM_TOO_LONG},
    )
    language_for_assessment = language_field()
    reason = forms.CharField(
        label="Reason for the change",
        max_length=500,
        help_text="Kept in the audit log with the values before and after.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the reason for this change.",
            "max_length": FORM_TOO_LONG,
        },
    )
    record_fields = (
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

    def __init__(self, *args: Any, registration: Registration, user: Any, **kwargs: Any) -> None:
        current = RegistrationRecord.of(registration)
        kwargs.setdefault("initial", {name: getattr(current, name) for name in self.record_fields})
        super().__init__(*args, **kwargs)
        self.registration = registration
        self.user = user

    def proposed(self) -> RegistrationRecord:
        values: dict[str, Any] = {name: self.cleaned_data.get(name) for name in self.record_fields}
        values["registration_number"] = values["registration_number"] or ""
        values["postal_tracking_reference"] = values["postal_tracking_reference"] or ""
        values["language_for_assessment"] = (
            values["language_for_assessment"] or self.registration.language_for_assessment
        )
        return RegistrationRecord(**values)

    def save(self) -> Registration | None:
        try:
            return registration_edit(
                registration=self.registration,
                proposed=self.proposed(),
                reason=self.cleaned_data["reason"],
                acting_user=self.user,
            )
        except RegistrationRejected as rejected:
            self.apply_errors(rejected.errors)
        return None


class ProviderRegistrationEditForm(FieldErrorsMixin, forms.Form):
    """A centre changes or withdraws one registration (R-REG-14): only the statuses and dates a
    provider may set; the rules are the services' (`registration_update_status`)."""

    PROVIDER_STATUSES = (
        RegistrationStatus.NOT_REGISTERED,
        RegistrationStatus.REGISTERED,
        RegistrationStatus.EXEMPT,
        RegistrationStatus.REGISTRATION_NOT_REQUIRED,
        RegistrationStatus.CERTIFICATE_RECEIVED,
    )
    status = forms.ChoiceField(
        label="Status",
        help_text="Choose Not registered to withdraw the learner from this course run.",
        error_messages=choice_error_messages("Status", "status"),
    )
    registration_date = date_field("Registration date", required=False)
    certificate_received_date = date_field(
        "Certificate received date",
        required=False,
        help_text="Only once the certificate has been sent. For example 14/03/2026.",
    )
    language_for_assessment = language_field()
    reason = forms.CharField(
        label="Reason for the change",
        max_length=500,
        help_text="Kept in the audit log with the values before and after.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the reason for this change.",
            "max_length": FORM_TOO_LONG,
        },
    )
    record_fields = (
        "status",
        "registration_date",
        "certificate_received_date",
        "language_for_assessment",
    )

    def __init__(self, *args: Any, registration: Registration, user: Any, **kwargs: Any) -> None:
        self.current = RegistrationRecord.of(registration)
        kwargs.setdefault(
            "initial", {name: getattr(self.current, name) for name in self.record_fields}
        )
        super().__init__(*args, **kwargs)
        statuses = list(self.PROVIDER_STATUSES)
        if self.current.status not in statuses:
            statuses.insert(0, RegistrationStatus(self.current.status))
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.value, s.label) for s in statuses]
        self.registration = registration
        self.user = user

    def save(self) -> Registration | None:
        data = self.cleaned_data
        proposed = replace(
            self.current,
            status=data["status"],
            registration_date=data.get("registration_date"),
            certificate_received_date=data.get("certificate_received_date"),
            language_for_assessment=data.get("language_for_assessment")
            or self.current.language_for_assessment,
        )
        try:
            return registration_update_status(
                registration=self.registration,
                proposed=proposed,
                acting_user=self.user,
                reason=" ".join(self.cleaned_data["reason"].split()),
            )
        except RegistrationRejected as rejected:
            self.apply_errors(rejected.errors)
        return None


class VoidForm(forms.Form):
    void_reason = forms.CharField(
        label="Reason for voiding",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for voiding this registration."},
    )
