"""Browser forms for learners' details; the rules themselves live in validators and services."""

from __future__ import annotations

from typing import Any

from django import forms

from .choices import AbilityStatus, EmploymentStatus, Ethnicity, Gender, PriorAttainment
from .input_formats import (
    DATE_HINT,
    DATE_INPUT_FORMATS,
    FORM_TOO_LONG,
    choice_error_messages,
    date_error_messages,
    date_typed_normalise,
)
from .models import Title
from .validators import FieldError

DATE_FORMATS = list(DATE_INPUT_FORMATS)


def _choices(choices: Any) -> list[tuple[str, str]]:
    return [("", "Choose an answer"), *list(choices.choices)]


class DayField(forms.DateField):
    """A date typed as 14/03/2007, 14/3/2007, 14-03-2007, 2007-03-14 or 14032007 (a phone's
    number pad has no "/")."""

    def to_python(self, value: Any) -> Any:
        return super().to_python(date_typed_normalise(value))


def date_field(
    label: str, *, required: bool = True, help_text: str = DATE_HINT, field: str = ""
) -> forms.DateField:
    return DayField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        help_text=help_text,
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"inputmode": "numeric", "autocomplete": "off"}
        ),
        error_messages=date_error_messages(label, field),
    )


def _text(
    label: str, *, required: bool = False, max_length: int = 100, **attrs: str
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
        error_messages={
            "required": f"Enter the learner's {label.lower()}.",
            "max_length": FORM_TOO_LONG,
        },
    )


def _choice(label: str, choices: Any, field: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=_choices(choices), error_messages=choice_error_messages(label, field)
    )


class FieldErrorsMixin:
    """Places the services' FieldErrors at the form's fields, so messages are the services'."""

    fields: dict[str, forms.Field]
    errors: Any

    def apply_errors(
        self, errors: list[FieldError], field_map: dict[str, str] | None = None
    ) -> None:
        """Show each error at its field (or above the form if the form has no such field)."""
        field_map = field_map or {}
        for error in errors:
            name = field_map.get(error.field, error.field)
            target = name if name in self.fields else None
            if target and target in self.errors and error.message in self.errors[target]:
                continue
            self.add_error(target, error.message)  # type: ignore[attr-defined]


class LearnerDetailsForm(FieldErrorsMixin, forms.Form):
    """Every learner field, in the groups the page shows them in."""

    uln = _text(
        "Unique Learner Number (ULN)",
        max_length=20,
        inputmode="numeric",
        autocomplete="off",
    )
    title = forms.ChoiceField(
        label="Title",
        choices=Title.choices,
        required=False,
        error_messages=choice_error_messages("Title", "title"),
    )
    given_name = _text("Given name", required=True, autocomplete="given-name")
    preferred_given_name = _text("Preferred given name")
    middle_names = _text("Middle names", autocomplete="additional-name")
    family_name = _text("Family name", required=True, autocomplete="family-name")
    previous_family_name = _text("Previous family name")
    family_name_at_16 = _text("Family name at 16")
    date_of_birth = date_field("Date of birth", field="date_of_birth")
    gender = _choice("Gender", Gender, "gender")
    email = _text("Email address", max_length=254, autocomplete="email", type="email")
    address_line_1 = _text("Address line 1", max_length=128, autocomplete="address-line1")
    address_line_2 = _text("Address line 2", max_length=128, autocomplete="address-line2")
    town = _text("Town or city", autocomplete="address-level2")
    county = _text("County")
    postcode = _text("Postcode", max_length=10, autocomplete="postal-code")
    country = _text("Country", autocomplete="country-name")
    ethnicity = _choice("Ethnicity", Ethnicity, "ethnicity")
    ability_status = _choice("Ability status (LLDD)", AbilityStatus, "ability_status")
    prior_attainment = _choice("Prior attainment", PriorAttainment, "prior_attainment")
    employment_status = _choice("Employment status", EmploymentStatus, "employment_status")
    employer = _text("Employer", max_length=128, autocomplete="organization")

    field_groups: tuple[tuple[str, tuple[str, ...]], ...] = (
        (
            "Identity",
            (
                "uln",
                "title",
                "given_name",
                "preferred_given_name",
                "middle_names",
                "family_name",
                "previous_family_name",
                "family_name_at_16",
                "date_of_birth",
            ),
        ),
        (
            "Contact and address",
            ("email", "address_line_1", "address_line_2", "town", "county", "postcode", "country"),
        ),
        ("Demographic questions", ("gender", "ethnicity", "ability_status", "prior_attainment")),
        ("Employment", ("employment_status", "employer")),
    )
    learner_field_names = tuple(n for _, names in field_groups for n in names)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["uln"].help_text = "10 digits. Leave it empty if the learner has none yet."
        self.fields["postcode"].help_text = "A UK postcode, for example LS1 4AP."
        self.fields["country"].initial = "United Kingdom"

    def learner_details(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.learner_field_names}

    def grouped(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.field_groups]
