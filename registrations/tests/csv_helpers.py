"""Small CSV files for the import tests, written the way a spreadsheet program writes them."""

from registrations.csv_format import IMPORT_COLUMNS

HEADER = [label for _, label in IMPORT_COLUMNS]


def csv_file(*rows: list[str] | tuple[str, ...], separator: str = ",", bom: bool = False) -> bytes:
    """A CSV file with the import header and the given rows (each padded to ten cells)."""
    lines = [separator.join(HEADER)]
    for row in rows:
        cells = list(row) + [""] * (len(HEADER) - len(row))
        lines.append(separator.join(cells))
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()
