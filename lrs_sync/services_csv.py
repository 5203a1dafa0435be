"""Reading an uploaded file of learners to verify (ULN, given name, family name, date of birth,
gender): every problem named by row and field, nothing partly read."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.utils import timezone

from awards_portal.csv_upload import decode_csv_bytes
from learners.validators import name_error, name_normalise, uln_error

from .services import VerifyRow

MAX_FILE_BYTES = 2 * 1024 * 1024
# The LRS takes at most 10,000 learners in one verify batch file.
MAX_ROWS = 10_000
# Problems listed on the page; a file with more is still refused, with the count.
MAX_PROBLEMS_SHOWN = 50

# Column -> the names people give it (compared lower-case, without spaces or underscores).
COLUMNS = {
    "uln": ("uln", "uniquelearnernumber"),
    "given_name": ("givenname", "firstname", "forename"),
    "family_name": ("familyname", "surname", "lastname"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate"),
    "gender": ("gender", "sex"),
}
LABELS = {
    "uln": "ULN",
    "given_name": "given name",
    "family_name": "family name",
    "date_of_birth": "date of birth",
    "gender": "gender",
}
GENDER_WORDS = {
    "0": "0",
    "not known": "0",
    "1": "1",
    "m": "1",
    "male": "1",
    "2": "2",
    "f": "2",
    "female": "2",
    "9": "9",
    "not specified": "9",
    "": "",
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")
EXAMPLE_HEADER = "ULN,GivenName,FamilyName,DateOfBirth,Gender"


@dataclass
class VerifyFile:
    rows: list[VerifyRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    def add(self, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_SHOWN:
            self.problems.append(message)


def _key(header: str) -> str:
    return "".join(header.lower().replace("_", " ").split())


def _date(value: str) -> datetime.date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def verify_file_read(content: bytes) -> VerifyFile:
    """The file's rows, or the problems that stop it, each naming its row and field."""
    result = VerifyFile()
    if len(content) > MAX_FILE_BYTES:
        result.add(
            f"The file is {len(content) / 1024 / 1024:.1f} MB; the most is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files."
        )
        return result
    text, message = decode_csv_bytes(content)
    if message:
        result.add(message)
        return result
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        result.add(f"The file cannot be read as CSV ({error}). Save it as CSV UTF-8.")
        return result
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        result.add(f"The file is empty. Its first row must be the header: {EXAMPLE_HEADER}.")
        return result
    header = [_key(cell) for cell in lines[0]]
    where: dict[str, int] = {}
    for name, spellings in COLUMNS.items():
        for index, cell in enumerate(header):
            if cell in spellings:
                where[name] = index
                break
    missing = [LABELS[name] for name in ("uln", "given_name", "family_name") if name not in where]
    if missing:
        result.add(
            f"Row 1 (the header): no {' or '.join(missing)} column. The first row must name the "
            f"columns: {EXAMPLE_HEADER}."
        )
        return result
    data = lines[1:]
    if not data:
        result.add("The file has a header but no learners.")
        return result
    if len(data) > MAX_ROWS:
        result.add(
            f"The file has {len(data):,} learners; the most in one file is {MAX_ROWS:,}. "
            "Split it into smaller files."
        )
        return result
    seen: dict[tuple, int] = {}
    for number, line in enumerate(data, start=2):

        def value_of(name: str, line: list[str] = line) -> str:
            index = where.get(name)
            return line[index].strip() if index is not None and index < len(line) else ""

        uln = value_of("uln")
        if not uln:
            result.add(f"Row {number}, ULN: enter the learner's ULN.")
        elif problem := uln_error(uln):
            result.add(f"Row {number}, ULN: {problem}")
        names = {}
        for name in ("given_name", "family_name"):
            value = name_normalise(value_of(name))
            if not value:
                result.add(f"Row {number}, {LABELS[name]}: enter the learner's {LABELS[name]}.")
            elif len(value) > 100:
                result.add(f"Row {number}, {LABELS[name]}: use at most 100 characters.")
            elif problem := name_error(value, LABELS[name].capitalize()):
                result.add(f"Row {number}, {LABELS[name]}: {problem}")
            names[name] = value
        date_of_birth = None
        if raw := value_of("date_of_birth"):
            try:
                date_of_birth = _date(raw)
            except ValueError:
                result.add(
                    f"Row {number}, date of birth: “{raw[:20]}” is not a date; write it like "
                    "14/03/2007."
                )
            if date_of_birth is not None and date_of_birth > timezone.localdate():
                result.add(
                    f"Row {number}, date of birth: {date_of_birth:%d/%m/%Y} is after today; "
                    "check the year."
                )
        gender_raw = value_of("gender")
        gender = GENDER_WORDS.get(gender_raw.lower())
        if gender is None:
            result.add(
                f"Row {number}, gender: “{gender_raw[:20]}” is not a gender code; use 0 (not "
                "known), 1 (male), 2 (female), 9 (not specified) or leave it empty."
            )
            gender = ""
        key = (uln, names.get("given_name"), names.get("family_name"), date_of_birth, gender)
        if key in seen:
            result.add(f"Row {number}, ULN: the same learner as row {seen[key]}; remove one.")
        seen.setdefault(key, number)
        result.rows.append(
            VerifyRow(
                uln=uln,
                given_name=names.get("given_name", ""),
                family_name=names.get("family_name", ""),
                date_of_birth=date_of_birth,
                gender=gender,
            )
        )
    if result.problem_count:
        result.rows = []
    return result
