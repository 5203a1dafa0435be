"""Reading registration CSV files (R-REG-6, R-REG-7): pure parsing, no database."""

import datetime

import pytest

from registrations.csv_format import (
    EXPORT_COLUMNS,
    IMPORT_COLUMNS,
    count_data_lines,
    parse_date,
    parse_registration_csv,
)

from .csv_helpers import HEADER, csv_file

ROW = ["601/2977/3", "9276308686", "Registered", "", "01/09/2025"]


def _only_row(content, separator=","):
    parsed = parse_registration_csv(content, separator)
    assert parsed.file_error == ""
    assert len(parsed.rows) == 1
    return parsed.rows[0]


def test_r_reg_6_the_ten_columns_in_their_order_are_read_by_name():
    row = _only_row(csv_file(ROW))
    assert row.errors == []
    assert row.cells["qualification_number"] == "601/2977/3"
    assert row.cells["uln"] == "9276308686"
    assert row.status == "registered"
    assert row.dates["registration_date"] == datetime.date(2025, 9, 1)
    assert row.row == 2  # the header is row 1, as a spreadsheet numbers it


def test_r_reg_7_a_byte_order_mark_is_ignored():
    assert _only_row(csv_file(ROW, bom=True)).errors == []


def test_r_reg_7_windows_unix_and_old_mac_line_endings_are_read():
    windows = csv_file(ROW)
    for ending in ("\n", "\r"):
        content = windows.replace(b"\r\n", ending.encode())
        assert _only_row(content).cells["uln"] == "9276308686"


def test_r_reg_7_quoted_fields_with_separators_and_quotes_inside_are_read():
    content = (
        ",".join(HEADER).encode()
        + b'\r\n"601/2977/3","9276308686","Registered","","","","","","","RM ""12"", box 4"\r\n'
    )
    row = _only_row(content)
    assert row.errors == []
    assert row.cells["postal_tracking_reference"] == 'RM "12", box 4'


@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_r_reg_7_the_separator_the_user_chose_is_used(separator):
    row = _only_row(csv_file(ROW, separator=separator), separator)
    assert row.errors == [] and row.cells["uln"] == "9276308686"


def test_r_reg_7_a_file_with_another_separator_than_chosen_says_which_to_choose():
    parsed = parse_registration_csv(csv_file(ROW, separator=";"), ",")
    assert "choose Semicolon" in parsed.file_error


def test_r_reg_6_columns_in_another_order_refuse_the_file_naming_the_column():
    header = HEADER[:]
    header[0], header[1] = header[1], header[0]
    content = (",".join(header) + "\r\n9276308686,601/2977/3,Registered,,,,,,,\r\n").encode()
    parsed = parse_registration_csv(content)
    assert parsed.file_error.startswith(
        'Column 1 of the first row is "ULN" but should be "Qualification Number".'
    )
    assert parsed.rows == []


def test_r_reg_6_header_names_are_compared_ignoring_case_and_spaces():
    header = [" qualification  number ", *[h.upper() for h in HEADER[1:]]]
    content = (",".join(header) + "\r\n" + ",".join(ROW + [""] * 5) + "\r\n").encode()
    assert _only_row(content).errors == []


def test_r_reg_6_the_exported_layout_is_read_too():
    header = [label for _, label in EXPORT_COLUMNS]
    values = dict.fromkeys((key for key, _ in EXPORT_COLUMNS), "")
    values.update(
        uln="9276308686",
        qualification_number="601/2977/3",
        status="Certificate Received",
        registration_number="R10000017V",
        certificate_received_date="14/03/2026",
    )
    line = ",".join(values[key] for key, _ in EXPORT_COLUMNS)
    parsed = parse_registration_csv(f"{','.join(header)}\r\n{line}\r\n".encode())
    assert parsed.layout == "export"
    row = parsed.rows[0]
    assert row.errors == []
    assert row.cells["registration_number"] == "R10000017V"
    assert row.dates["certificate_received_date"] == datetime.date(2026, 3, 14)


def test_r_reg_6_texts_longer_than_128_characters_are_refused():
    row = _only_row(csv_file([*ROW[:3], "R" * 129]))
    assert [(e.column, e.reason) for e in row.errors] == [
        ("Registration number", "Use at most 128 characters; this value has 129.")
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025-09-01", "Use the date format dd/mm/yyyy, for example 01/09/2025."),
        ("01/09/25", "Use the date format dd/mm/yyyy, for example 01/09/2025."),
        ("31/02/2026", "This is not a real date (check the day and month); use dd/mm/yyyy."),
        ("13/13/2026", "This is not a real date (check the day and month); use dd/mm/yyyy."),
    ],
)
def test_r_reg_6_dates_must_be_real_and_dd_mm_yyyy(text, reason):
    row = _only_row(csv_file([*ROW[:4], text]))
    assert [(e.column, e.value, e.reason) for e in row.errors] == [
        ("Registration date", text, reason)
    ]


def test_a_one_digit_day_or_month_is_read():
    assert parse_date("1/9/2025") == (datetime.date(2025, 9, 1), "")


def test_r_reg_6_mandatory_columns_must_have_a_value():
    row = _only_row(csv_file(["", "", "", "", "01/09/2025"]))
    assert [e.reason for e in row.errors] == [
        "Qualification Number is mandatory.",
        "ULN is mandatory.",
        "Status is mandatory.",
    ]


def test_an_unknown_status_lists_the_accepted_ones():
    row = _only_row(csv_file([*ROW[:2], "Passed"]))
    assert row.errors[0].reason.startswith("Status must be one of: Not registered, Registered,")


def test_a_status_is_read_in_any_case():
    assert _only_row(csv_file([*ROW[:2], "certificate received"])).status == (
        "certificate_received"
    )


def test_a_row_with_a_missing_value_is_refused_without_shifting_columns():
    content = csv_file() + b"601/2977/3,9276308686,Registered\r\n"
    row = _only_row(content)
    assert row.errors[0].reason.startswith("This row has 3 values; every row needs 10")


def test_empty_lines_are_skipped_and_counted():
    content = csv_file(ROW) + b",,,,,,,,,\r\n\r\n"
    parsed = parse_registration_csv(content)
    assert len(parsed.rows) == 1 and parsed.empty_rows == 2


def test_the_exports_protection_against_formulas_is_undone():
    row = _only_row(csv_file([*ROW, "", "", "", "", "'-RM12"]))
    assert row.cells["postal_tracking_reference"] == "-RM12"


def test_windows_1252_text_is_read():
    content = csv_file([*ROW, "", "", "", "", "Caf\xe9"]).replace(b"Caf\xc3\xa9", b"Caf\xe9")
    assert _only_row(content).cells["postal_tracking_reference"] == "Café"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04rest-of-zip", "spreadsheet workbook"),
        (b"\xff\xfeQ\x00u\x00", "UTF-16"),
        (b"abc\x00def", "not a CSV file"),
        (b"", "The file is empty."),
        (b"x" * (2 * 1024 * 1024), "smaller than 2 MB"),
    ],
)
def test_r_reg_7_files_that_are_not_csv_or_too_large_are_refused_with_a_clear_message(
    content, message
):
    assert message in parse_registration_csv(content).file_error


def test_unpaired_quotes_refuse_the_file_naming_the_line():
    content = csv_file() + b'"601/2977/3,9276308686,Registered,,,,,,,\r\n'
    assert "near line" in parse_registration_csv(content).file_error


def test_import_columns_are_exactly_those_of_004():
    assert [label for _, label in IMPORT_COLUMNS] == [
        "Qualification Number",
        "ULN",
        "Status",
        "Registration number",
        "Registration date",
        "Certificate claimed date",
        "Achieved date",
        "Certificate received date",
        "Certificate sent date",
        "Postal tracking reference",
    ]


def test_count_data_lines_counts_rows_after_the_header():
    assert count_data_lines(csv_file(ROW, ROW)) == 2


def test_r_reg_7_a_nul_byte_anywhere_in_the_file_is_refused_before_anything_is_stored():
    from awards_portal.csv_upload import decode_csv_bytes

    content = b"Qualification Number,ULN,Status\n" + b"x" * 70_000 + b"\x00\n"
    text, problem = decode_csv_bytes(content)
    assert text == "" and "binary data" in problem


def test_r_reg_8_a_header_with_no_rows_says_the_file_has_no_rows():
    assert parse_registration_csv(csv_file()).file_error.startswith("The file has no rows")
    assert parse_registration_csv(csv_file([""] * 10)).file_error.startswith("The file has no rows")
