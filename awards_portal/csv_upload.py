"""Reading a CSV file a person uploaded: workbooks, UTF-16 and binary files refused with a
message that says how to save the file as CSV; UTF-8 (with or without BOM) or Windows text read."""

# For a file with its header and nothing under it: "ready to upload" would mislead.
NO_ROWS_MESSAGE = (
    "The file has no rows: it has the column headings but nothing under them. Add the rows and "
    "choose the file again."
)


def decode_csv_bytes(content: bytes) -> tuple[str, str]:
    """(text, "") or ("", message) for content that is not a text file we can read."""
    if content.startswith(b"PK\x03\x04") or content.startswith(b"\xd0\xcf\x11\xe0"):
        return "", (
            "This is a spreadsheet workbook, not a CSV file. In your spreadsheet program choose "
            "Save As, then CSV UTF-8 (comma delimited), and choose that file."
        )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", (
            'This file is saved as UTF-16 ("Unicode text"). Save it as CSV UTF-8 and try again.'
        )
    # Anywhere in the file: PostgreSQL cannot store NUL in text, and no CSV holds one.
    if b"\x00" in content:
        return "", "This is not a CSV file (it contains binary data). Choose a CSV file."
    try:
        return content.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), ""
    except UnicodeDecodeError:
        return "", ("The file's characters cannot be read. Save it as CSV UTF-8 and try again.")
