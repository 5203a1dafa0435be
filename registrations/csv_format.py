"""The registration CSV format of 004 (R-REG-6, R-REG-7): reading a file into rows of typed cells,
with a clear message for every cell or file that cannot be read. Pure: no database.

- The file is CSV under 2 MB, UTF-8 (with or without a byte-order mark) or Windows-1252 (what
  Excel writes for "CSV (Comma delimited)"), with Windows, Unix or old Mac line endings, quoted
  fields, and the separator the user chose (comma by default).
- The first row is the header. Two layouts are read, each in exactly its order: the ten import
  columns of 004 (IMPORT_COLUMNS), or the portal's own export (EXPORT_COLUMNS), so that
  re-importing an export works (R-REG-14). Names are compared ignoring case and extra spaces.
- Both layouts may end with one more column, "Language for assessment" (decision 0121): the
  export always writes it, as the LRS code (ENG, CYM or GLE); the importer reads a file with or
  without it, takes a code or a language's name, and an empty cell keeps the recorded language.
- Texts are at most 128 characters; dates are dd/mm/yyyy (a one-digit day or month is read too).
- A cell the export protected from spreadsheet formulas with a leading apostrophe ("'-12") is read
  back without it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from awards_portal.csv_download import FORMULA_TRIGGERS
from awards_portal.csv_upload import NO_ROWS_MESSAGE, decode_csv_bytes

from .models import LanguageForAssessment, RegistrationStatus

MAX_FILE_BYTES = 2 * 1024 * 1024  # R-REG-7: "less than 2 MB"
MAX_TEXT_LENGTH = 128

SEPARATORS: dict[str, tuple[str, str]] = {
    # form value: (character, label)
    "comma": (",", "Comma ( , )"),
    "semicolon": (";", "Semicolon ( ; )"),
    "tab": ("\t", "Tab"),
    "pipe": ("|", "Vertical bar ( | )"),
}
DEFAULT_SEPARATOR = "comma"

# R-REG-6: the import columns, in exactly this order. Keys are the names services use.
IMPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("qualification_number", "Qualification Number"),
    ("uln", "ULN"),
    ("status", "Status"),
    ("registration_number", "Registration number"),
    ("registration_date", "Registration date"),
    ("certificate_claimed_date", "Certificate claimed date"),
    ("achieved_date", "Achieved date"),
    ("certificate_received_date", "Certificate received date"),
    ("certificate_sent_date", "Certificate sent date"),
    ("postal_tracking_reference", "Postal tracking reference"),
)
MANDATORY_COLUMNS = ("qualification_number", "uln", "status")
DATE_COLUMNS = frozenset(
    {
        "registration_date",
        "certificate_claimed_date",
        "achieved_date",
        "certificate_received_date",
        "certificate_sent_date",
    }
)
COLUMN_LABELS = dict(IMPORT_COLUMNS)

# R-REG-13: the export columns of 004, in that order. The keys of the import columns are named
# so an exported file can be imported again; the others are ignored on import.
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("given_name", "First Name"),
    ("family_name", "Last Name"),
    ("full_name", "Full Name"),
    ("address_line_1", "Address Line 1"),
    ("address_line_2", "Address Line 2"),
    ("town", "Address Town/City"),
    ("county", "County"),
    ("postcode", "Post Code"),
    ("country", "Country"),
    ("date_of_birth", "Date of Birth"),
    ("gender", "Gender"),
    ("email", "Email address"),
    ("ethnicity", "Ethnicity"),
    ("start_date", "Start Date"),
    ("planned_achievement_date", "Planned Achievement Date"),
    ("primary_tutor", "Primary Tutor"),
    ("employer", "Employer"),
    ("uln", "ULN"),
    ("programme_name", "Programme Name"),
    ("qualification_name", "Qualification Name"),
    ("qualification_number", "Qualification number"),
    ("awarding_organisation", "Awarding Organisation"),
    ("status", "Status"),
    ("registration_number", "Registration number"),
    ("registration_date", "Registered Date"),
    ("certificate_received_date", "Certificate Received Date"),
    ("certificate_claimed_date", "Certificate Claimed Date"),
    ("achieved_date", "Achieved Date"),
    ("certificate_sent_date", "Certificate Sent Date"),
    ("postal_tracking_reference", "Postal Tracking Reference"),
    ("qa_verified", "QA Verified"),
    ("language_for_assessment", "Language for assessment"),
)
IMPORT_KEYS = tuple(key for key, _ in IMPORT_COLUMNS)
# Decision 0121: the last column of the export, optional at the end of either layout on import.
LANGUAGE_COLUMN = EXPORT_COLUMNS[-1]
LANGUAGE_LABEL = LANGUAGE_COLUMN[1]
LANGUAGES_ALLOWED = ", ".join(f"{code} ({label})" for code, label in LanguageForAssessment.choices)
# Each layout read, with and without the language column: (name, columns).
LAYOUTS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("import", IMPORT_COLUMNS),
    ("import", (*IMPORT_COLUMNS, LANGUAGE_COLUMN)),
    ("export", EXPORT_COLUMNS[:-1]),
    ("export", EXPORT_COLUMNS),
)

DATE_PATTERN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)


@dataclass(frozen=True)
class CellError:
    """One problem with one cell (or one row, when `column` is empty), as the report shows it."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class CsvRow:
    """One data row: `row` is its number as a spreadsheet shows it (the header is row 1)."""

    row: int
    cells: dict[str, str]  # import key -> text as read (trimmed)
    dates: dict[str, datetime.date | None] = field(default_factory=dict)
    status: str = ""  # a RegistrationStatus value, when the cell names one
    language: str = ""  # a LanguageForAssessment code; empty keeps the recorded language
    errors: list[CellError] = field(default_factory=list)


@dataclass
class ParsedFile:
    """The outcome of reading a file: `file_error` refuses the whole file; otherwise `rows`."""

    file_error: str = ""
    layout: str = ""  # "import" or "export"
    has_language: bool = False  # the file has the "Language for assessment" column
    rows: list[CsvRow] = field(default_factory=list)
    empty_rows: int = 0


def separator_character(name: str) -> str:
    return SEPARATORS.get(name, SEPARATORS[DEFAULT_SEPARATOR])[0]


def header_key(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").split()).casefold().rstrip("*").strip()


def unprotect(text: str) -> str:
    """Undo the export's protection against formulas ("'=x" was written for "=x")."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_TRIGGERS:
        return text[1:]
    return text


def parse_date(text: str) -> tuple[datetime.date | None, str]:
    """(date, "") or (None, reason) for a dd/mm/yyyy cell."""
    match = DATE_PATTERN.match(text)
    if not match:
        return None, "Use the date format dd/mm/yyyy, for example 01/09/2025."
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day), ""
    except ValueError:
        return None, "This is not a real date (check the day and month); use dd/mm/yyyy."


def language_from_cell(text: str) -> str | None:
    """The LanguageForAssessment code a cell names (code or name, any case), or None."""
    wanted = text.strip().casefold()
    for code, label in LanguageForAssessment.choices:
        if wanted in (code.casefold(), label.casefold()):
            return code
    return None


def _check_header(header: list[str], separator: str) -> tuple[str, list[int], str]:
    """(layout, positions of the import columns and, last, of the language column when the file
    has it, "") or ("", [], message)."""
    keys = [header_key(cell) for cell in header]
    while keys and not keys[-1]:
        keys.pop()
    for layout, columns in LAYOUTS:
        if keys == [header_key(label) for _, label in columns]:
            wanted_keys = IMPORT_KEYS + (
                (LANGUAGE_COLUMN[0],) if columns[-1] == LANGUAGE_COLUMN else ()
            )
            positions = [
                next(i for i, (key, _) in enumerate(columns) if key == wanted)
                for wanted in wanted_keys
            ]
            return layout, positions, ""
    expected = ", ".join(label for _, label in IMPORT_COLUMNS)
    if len(keys) <= 1:
        others = [
            label
            for name, (char, label) in SEPARATORS.items()
            if char != separator and char in (header[0] if header else "")
        ]
        hint = f" The file seems to use another separator: choose {others[0]}." if others else ""
        return (
            "",
            [],
            (
                f"The first row must name the columns, separated by the separator you chose.{hint} "
                f"The columns are, in this order: {expected}."
            ),
        )
    wanted = [header_key(label) for _, label in IMPORT_COLUMNS]
    for index, (got, want) in enumerate(zip(keys, wanted, strict=False), start=1):
        if got != want:
            shown = header[index - 1].strip()
            return (
                "",
                [],
                (
                    f'Column {index} of the first row is "{shown}" but should be '
                    f'"{IMPORT_COLUMNS[index - 1][1]}". The columns must be, in exactly this '
                    f"order: {expected}."
                ),
            )
    return (
        "",
        [],
        (
            f"The first row has {len(keys)} columns; the file needs exactly {len(wanted)}, in this "
            f"order: {expected}."
        ),
    )


# Each import column: (key, label, mandatory, a date), in the order the cells are checked.
_CELL_CHECKS = tuple(
    (key, label, key in MANDATORY_COLUMNS, key in DATE_COLUMNS) for key, label in IMPORT_COLUMNS
)


def _read_cells(row_number: int, raw: list[str], positions: list[int], width: int) -> CsvRow:
    values = list(raw)
    while len(values) > width and not values[-1].strip():
        values.pop()  # trailing separators some programs add
    if len(values) != width:
        row = CsvRow(row=row_number, cells={})
        row.errors.append(
            CellError(
                row_number,
                "",
                "",
                f"This row has {len(values)} values; every row needs {width}, one per column "
                "(leave a value empty, but keep its separator).",
            )
        )
        return row
    cells = {}
    for key, position in zip(IMPORT_KEYS, positions, strict=False):  # the language comes last
        value = values[position].strip()
        cells[key] = unprotect(value) if value[:1] == "'" else value
    row = CsvRow(row=row_number, cells=cells)
    if len(positions) > len(IMPORT_KEYS):
        language_text = values[positions[-1]].strip()
        if language_text:
            language = language_from_cell(language_text)
            if language is None:
                row.errors.append(
                    CellError(
                        row_number,
                        LANGUAGE_LABEL,
                        language_text,
                        f"{LANGUAGE_LABEL} must be one of: {LANGUAGES_ALLOWED}; or leave it "
                        "empty to keep the recorded language (English for a new registration).",
                    )
                )
            else:
                row.language = language
    for key, label, mandatory, is_date in _CELL_CHECKS:
        value = cells[key]
        if not value:
            if mandatory:
                row.errors.append(CellError(row_number, label, "", f"{label} is mandatory."))
            elif is_date:
                row.dates[key] = None
            continue
        if len(value) > MAX_TEXT_LENGTH:
            row.errors.append(
                CellError(
                    row_number,
                    label,
                    value,
                    f"Use at most {MAX_TEXT_LENGTH} characters; this value has {len(value)}.",
                )
            )
            continue
        if is_date:
            day, reason = parse_date(value)
            if reason:
                row.errors.append(CellError(row_number, label, value, reason))
            row.dates[key] = day
    status_text = cells["status"]
    if status_text and len(status_text) <= MAX_TEXT_LENGTH:
        status = RegistrationStatus.from_label(status_text)
        if status is None:
            allowed = ", ".join(RegistrationStatus.labels)
            row.errors.append(
                CellError(row_number, "Status", status_text, f"Status must be one of: {allowed}.")
            )
        else:
            row.status = status.value
    return row


def parse_registration_csv(content: bytes, separator: str = ",") -> ParsedFile:
    """Read a registration CSV (R-REG-6, R-REG-7). Never raises for bad input: problems with the
    whole file come back in `file_error`, problems with a cell in that row's `errors`."""
    if len(content) >= MAX_FILE_BYTES:
        size = len(content) / (1024 * 1024)
        return ParsedFile(
            file_error=f"The file is {size:.1f} MB; files must be smaller than 2 MB. Split it "
            "into smaller files and import each."
        )
    text, problem = decode_csv_bytes(content)
    if problem:
        return ParsedFile(file_error=problem)
    if not text.strip():
        return ParsedFile(file_error="The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    parsed = ParsedFile()
    try:
        header = next(reader)
        parsed.layout, positions, problem = _check_header(header, separator)
        if problem:
            return ParsedFile(file_error=problem)
        parsed.has_language = len(positions) > len(IMPORT_KEYS)
        without_language = EXPORT_COLUMNS[:-1] if parsed.layout == "export" else IMPORT_COLUMNS
        width = len(without_language) + parsed.has_language
        for row_number, raw in enumerate(reader, start=2):
            if not any(cell.strip() for cell in raw):
                parsed.empty_rows += 1
                continue
            parsed.rows.append(_read_cells(row_number, raw, positions, width))
    except csv.Error as error:
        return ParsedFile(
            file_error=f"The file cannot be read as CSV near line {reader.line_num}: {error}. "
            "Check that quotes in that row are paired."
        )
    if not parsed.rows:
        return ParsedFile(file_error=NO_ROWS_MESSAGE)
    return parsed


def count_data_lines(content: bytes) -> int:
    """A quick estimate of the number of rows, to decide whether to work in the background."""
    return max(content.count(b"\n") + content.count(b"\r") - content.count(b"\r\n") - 1, 0)


# The Tips panel's sample file (R-REG-12): one registration request, one confirmation of receipt.
SAMPLE_ROWS: tuple[tuple[str, ...], ...] = (
    ("601/2977/3", "9276308686", "Registered", "", "01/09/2025", "", "", "", "", ""),
    (
        "500/7911/6",
        "1000000043",
        "Certificate Received",
        "R10000017V",
        "",
        "",
        "",
        "14/03/2026",
        "",
        "",
    ),
)
