"""The learner CSV layout, shared by the learner import and the learner export so that an
exported file imports again with no changes: the learner's fields, then two optional columns
that register the learner on a course run. Pure: no database.

- Columns are found by their names in the first row (any order, ignoring case and extra spaces);
  the columns of the mandatory fields must be there, the others may be left out.
- Choices (gender and the other demographic questions, R-LRN-6) are written as their labels and
  read as a label or an ILR/LRS code, ignoring case.
- Dates are dd/mm/yyyy, as in the registration CSV (`registrations.csv_format.parse_date`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from awards_portal.csv_upload import decode_csv_bytes
from registrations.csv_format import MAX_FILE_BYTES, SEPARATORS, header_key, unprotect

from .choices import AbilityStatus, EmploymentStatus, Ethnicity, Gender, PriorAttainment
from .models import Learner, Title

# (key, label): the Learner field names, in the order of the registration form.
LEARNER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("uln", "ULN"),
    ("title", "Title"),
    ("given_name", "Given name"),
    ("preferred_given_name", "Preferred given name"),
    ("middle_names", "Middle names"),
    ("family_name", "Family name"),
    ("previous_family_name", "Previous family name"),
    ("family_name_at_16", "Family name at 16"),
    ("date_of_birth", "Date of birth"),
    ("gender", "Gender"),
    ("email", "Email address"),
    ("address_line_1", "Address line 1"),
    ("address_line_2", "Address line 2"),
    ("town", "Town or city"),
    ("county", "County"),
    ("postcode", "Postcode"),
    ("country", "Country"),
    ("ethnicity", "Ethnicity"),
    ("ability_status", "Ability status (LLDD)"),
    ("prior_attainment", "Prior attainment"),
    ("employment_status", "Employment status"),
    ("employer", "Employer"),
)
# Optional: register the learner on the centre's course run for this qualification.
REGISTRATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("qualification_number", "Qualification number"),
    ("registration_date", "Registration date"),
)
ALL_COLUMNS = LEARNER_COLUMNS + REGISTRATION_COLUMNS
COLUMN_LABELS = dict(ALL_COLUMNS)
# The columns a file must have: a value is needed for each of these fields (R-LRN-6 included).
REQUIRED_COLUMNS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "ability_status",
    "prior_attainment",
    "employment_status",
)
CHOICES = {
    "title": Title,
    "gender": Gender,
    "ethnicity": Ethnicity,
    "ability_status": AbilityStatus,
    "prior_attainment": PriorAttainment,
    "employment_status": EmploymentStatus,
}
DATE_KEYS = frozenset({"date_of_birth", "registration_date"})


@dataclass
class LearnerCsvRow:
    """One data row as read: `row` as a spreadsheet numbers it (the header is row 1), `cells`
    keyed by column key (only the file's columns), and any cell that could not be read."""

    row: int
    cells: dict[str, str]
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (column, value, reason)


@dataclass
class LearnerCsvFile:
    file_error: str = ""
    columns: tuple[str, ...] = ()
    rows: list[LearnerCsvRow] = field(default_factory=list)


def choice_code(key: str, text: str) -> str | None:
    """The stored code a cell names (label or code, any case), or None."""
    wanted = " ".join(text.split()).casefold()
    for value, label in CHOICES[key].choices:
        if value and wanted in (str(value).casefold(), str(label).casefold()):
            return str(value)
    return None


def choice_problem(key: str) -> str:
    labels = "; ".join(str(label) for value, label in CHOICES[key].choices if value)
    return f"{COLUMN_LABELS[key]} must be one of: {labels}."


def _header(cells: list[str], separator: str) -> tuple[tuple[str, ...], str]:
    by_name = {header_key(label): key for key, label in ALL_COLUMNS}
    keys: list[str] = []
    names = [cell.strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    for position, name in enumerate(names, start=1):
        key = by_name.get(header_key(name))
        if key is None:
            hint = ""
            if len(names) == 1:
                others = [lbl for _, (char, lbl) in SEPARATORS.items() if char in name]
                if others:
                    hint = f" The file seems to use another separator: choose {others[0]}."
            return (), (
                f'Column {position} of the first row is "{name}", which is not a learner '
                f"column.{hint} The columns are named as in the sample file."
            )
        if key in keys:
            return (), f'The column "{name}" appears twice in the first row.'
        keys.append(key)
    missing = [COLUMN_LABELS[key] for key in REQUIRED_COLUMNS if key not in keys]
    if missing:
        return (), f"The first row has no column for: {', '.join(missing)}."
    return tuple(keys), ""


def parse_learner_csv(content: bytes, separator: str = ",") -> LearnerCsvFile:
    """Read a learner CSV. Never raises for bad input: the whole file's problem comes back in
    `file_error`, a row's in its `problems`; fully empty rows are skipped."""
    if len(content) >= MAX_FILE_BYTES:
        return LearnerCsvFile(
            file_error=f"The file is {len(content) / (1024 * 1024):.1f} MB; files must be "
            "smaller than 2 MB. Split it into smaller files and import each."
        )
    text, problem = decode_csv_bytes(content)
    if problem:
        return LearnerCsvFile(file_error=problem)
    if not text.strip():
        return LearnerCsvFile(file_error="The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    parsed = LearnerCsvFile()
    try:
        parsed.columns, problem = _header(next(reader), separator)
        if problem:
            return LearnerCsvFile(file_error=problem)
        width = len(parsed.columns)
        for number, raw in enumerate(reader, start=2):
            if not any(cell.strip() for cell in raw):
                continue
            values = list(raw)
            while len(values) > width and not values[-1].strip():
                values.pop()
            if len(values) != width:
                parsed.rows.append(
                    LearnerCsvRow(
                        number,
                        {},
                        [
                            (
                                "",
                                "",
                                f"This row has {len(values)} values; every row needs {width}, "
                                "one per column (leave a value empty, but keep its separator).",
                            )
                        ],
                    )
                )
                continue
            cells = {
                key: unprotect(value.strip())
                for key, value in zip(parsed.columns, values, strict=True)
            }
            parsed.rows.append(LearnerCsvRow(number, cells))
    except csv.Error as error:
        return LearnerCsvFile(
            file_error=f"The file cannot be read as CSV near line {reader.line_num}: {error}. "
            "Check that quotes in that row are paired."
        )
    if not parsed.rows:
        return LearnerCsvFile(file_error="The file has no rows: add a row for each learner.")
    return parsed


def learner_export_row(learner: Learner) -> list[str]:
    """One learner as the import reads it: labels for choices, dd/mm/yyyy for dates, and the
    registration columns empty (an exported file changes nothing when imported again)."""
    cells: list[str] = []
    for key, _ in LEARNER_COLUMNS:
        value = getattr(learner, key)
        if key == "date_of_birth":
            cells.append(value.strftime("%d/%m/%Y"))
        elif key in CHOICES and key != "title":
            cells.append(str(CHOICES[key](value).label) if value in CHOICES[key].values else "")
        else:
            cells.append(str(value or ""))
    return [*cells, "", ""]


def sample_rows() -> Iterable[list[str]]:
    """The sample file: a learner to add and register, and one with the fewest values."""
    yield [
        "9276308686",
        "Ms",
        "Zoë",
        "",
        "",
        "Adeyemi",
        "",
        "",
        "14/03/2006",
        "Female",
        "zoe.adeyemi@example.com",
        "12 Park Row",
        "",
        "Leeds",
        "West Yorkshire",
        "LS1 5HD",
        "United Kingdom",
        "Not known",
        "No learning difficulty, disability or health problem",
        "Full level 2",
        "In paid employment",
        "Northgate Foods Ltd",
        "601/2977/3",
        "01/09/2025",
    ]
    yield [
        "",
        "",
        "Liam",
        "",
        "",
        "O'Neill",
        "",
        "",
        "02/11/2005",
        "Male",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "Not known",
        "Not known",
        "Not known",
        "Not known",
        "",
        "",
        "",
    ]
