"""How people and programs may type dates and choices, and the words for input that cannot be
read at all, shared by the browser forms and the API so the same problem gets the same message.
Every rule's own message comes from the validators and services; this module holds only what a
form or serializer must say before a rule can run."""

from __future__ import annotations

import re
from typing import Any

from .validators import REQUIRED_FIELDS, TOO_LONG

# Day first, as people in the UK type; ISO for programs. "14/3/2007" is read by the first.
DATE_INPUT_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d")
DATE_HINT = "For example 14/03/2007 or 14032007 (day, month, year)."
# A phone's number pad has no "/": eight digits are day, month and a year from 1900 on.
COMPACT_DATE = re.compile(r"^([0-9]{2})([0-9]{2})((?:19|20)[0-9]{2})$")

# Django's max_length message, worded as the services word it ("Use at most 100 characters;
# this has 120.").
FORM_TOO_LONG = TOO_LONG.format(limit="%(limit_value)d", length="%(show_value)d")


def date_typed_normalise(value: Any) -> Any:
    """'14032007' -> '14/03/2007'; anything else unchanged (and parsed by DATE_INPUT_FORMATS)."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    match = COMPACT_DATE.match(value)
    if match:
        return "/".join(match.groups())
    return value


def date_error_messages(label: str, field: str = "") -> dict[str, Any]:
    """Messages for a date that cannot be read, or is missing, for a form or a serializer."""
    return {
        "invalid": f"{label} must be a real date, like 14/03/2007.",
        "required": REQUIRED_FIELDS.get(field, f"Enter the {label.lower()}."),
        "null": REQUIRED_FIELDS.get(field, f"Enter the {label.lower()}."),
        "datetime": f"{label} must be a date without a time, like 14/03/2007.",
    }


def choice_error_messages(label: str, field: str = "") -> dict[str, Any]:
    """Messages for an answer that is not one of the listed ones (R-LRN-6), or is missing."""
    named = label[:1].lower() + label[1:]
    required = REQUIRED_FIELDS.get(field, f"Choose the {named}.")
    return {
        "invalid_choice": f"Choose one of the listed answers for {named}.",
        "required": required,
        "null": required,
    }
