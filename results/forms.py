"""Browser input for results: the grid (plain selects and text boxes, parsed here, checked by the
services), the CSV file, verifier decisions, dispatch and receipt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import timezone

from learners.forms import FieldErrorsMixin, date_field
from learners.validators import FieldError

from .models import Consignment
from .selectors import LearnerRow, ResultsGrid
from .validators import DELIMITERS, LearnerEntry, grid_field


@dataclass
class GridInput:
    """What the grid's form sent: the entries for the services, and every value as typed so the
    page can show it again (nothing typed is lost when something is wrong)."""

    entries: list[LearnerEntry] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


def grid_values_from_rows(rows: Sequence[LearnerRow], grid: ResultsGrid) -> dict[str, str]:
    """The grid's current values, as the form would send them."""
    values: dict[str, str] = {}
    for row in rows:
        rid = row.registration.pk
        result = row.result
        for column in grid.units:
            grade = row.grades.get(column.unit_id)
            values[grid_field("grade", rid, column.unit_id)] = str(grade) if grade else ""
        values[grid_field("not_claiming", rid)] = "on" if result and result.not_claiming else ""
        for attribute in ("assessor_name", "internal_verifier_name", "decision_reason"):
            values[grid_field(attribute, rid)] = getattr(result, attribute) if result else ""
    return values


def grid_input_from_post(
    post: Mapping[str, Any], rows: Sequence[LearnerRow], grid: ResultsGrid
) -> GridInput:
    parsed = GridInput()
    for row in rows:
        rid = row.registration.pk
        grades: dict[int, int | None] = {}
        for column in grid.units:
            name = grid_field("grade", rid, column.unit_id)
            raw = str(post.get(name, "")).strip()
            parsed.values[name] = raw
            if not raw:
                grades[column.unit_id] = None
            elif raw.isascii() and raw.isdigit() and len(raw) < 19:
                grades[column.unit_id] = int(raw)
            else:
                parsed.errors.append(
                    FieldError(
                        name,
                        f"{row.registration.learner.full_name}, unit {column.reference}: choose "
                        "a grade from the list.",
                    )
                )
        not_claiming = bool(post.get(grid_field("not_claiming", rid)))
        parsed.values[grid_field("not_claiming", rid)] = "on" if not_claiming else ""
        texts = {}
        for attribute in ("assessor_name", "internal_verifier_name", "decision_reason"):
            name = grid_field(attribute, rid)
            texts[attribute] = str(post.get(name, ""))
            parsed.values[name] = texts[attribute]
        parsed.entries.append(
            LearnerEntry(registration_id=rid, grades=grades, not_claiming=not_claiming, **texts)
        )
    return parsed


class ResultsImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file of results",
        help_text="A .csv file under 2 MB, with the columns listed in the tips below.",
        error_messages={"required": "Choose the CSV file to check."},
    )
    delimiter = forms.ChoiceField(
        label="Separator",
        choices=[(k, f"{v} ({k!r})" if k != "\t" else v) for k, v in DELIMITERS.items()],
        initial=",",
    )


class SubmitForm(FieldErrorsMixin, forms.Form):
    """Submitting results; after a query, with the centre's reply to the verifier."""

    reply = forms.CharField(
        label="Your reply to the verifier's query (optional)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        help_text="Say what you changed and why. The verifier sees this with the results.",
        error_messages={"max_length": "Shorten the reply to %(limit_value)d characters."},
    )


class QueryForm(FieldErrorsMixin, forms.Form):
    note = forms.CharField(
        label="Query note",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Say what the centre needs to check or change. The centre sees this note.",
        error_messages={"required": "Enter a note saying what needs to change."},
    )
    learners = forms.MultipleChoiceField(
        label="Learners concerned",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the learners the query is about."},
    )

    def __init__(self, *args: Any, learner_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["learners"].choices = learner_choices  # type: ignore[attr-defined]


class ConfirmForm(FieldErrorsMixin, forms.Form):
    hold_back = forms.MultipleChoiceField(
        label="Keep the query open for (held back from certification)",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave unticked to resolve every open query.",
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=1000)

    def __init__(self, *args: Any, held_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hold_back"].choices = held_choices  # type: ignore[attr-defined]


class AssignForm(FieldErrorsMixin, forms.Form):
    verifier = forms.ChoiceField(label="Verifier")

    def __init__(self, *args: Any, verifier_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["verifier"].choices = verifier_choices  # type: ignore[attr-defined]


class DispatchForm(FieldErrorsMixin, forms.Form):
    carrier = forms.ChoiceField(
        label="Carrier",
        choices=[("", "Choose the carrier"), *Consignment.Carrier.choices],
        error_messages={"required": "Choose the carrier."},
    )
    tracking_reference = forms.CharField(
        label="Tracking reference",
        max_length=128,
        error_messages={"required": "Enter the tracking reference."},
    )
    dispatched_on = date_field("Dispatch date")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dispatched_on"].initial = timezone.localdate()


class ReceiptForm(FieldErrorsMixin, forms.Form):
    received_date = date_field("Date received")
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Use at most 500 characters for the note."},
    )
